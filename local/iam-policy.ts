/**
 * IAM identity-policy evaluation, as AWS does it for the statements this stack's templates hold:
 * an explicit Deny wins, then any Allow, otherwise the request is implicitly denied. Actions
 * match case-insensitively, resources case-sensitively, both with `*` and `?` wildcards.
 *
 * Only `Sid`, `Effect`, `Action` and `Resource` are understood. A statement with anything else
 * (`Condition`, `NotAction`, `NotResource`, `Principal`) is refused when the policy is read, so the
 * local stack never allows what AWS would judge by rules it does not know. (The maintained IAM
 * simulators on npm are AGPL-licensed, which this project does not take on for a local tool.)
 *
 * The functions' resource policies, which say which service may invoke them from where, are judged
 * here too (invokePermission), from the permissions the template adds to them.
 */
export interface PolicyStatement {
  readonly effect: 'Allow' | 'Deny';
  readonly actions: readonly string[];
  readonly resources: readonly string[];
}

type Decision = 'allowed' | 'explicitly-denied' | 'implicitly-denied';

const KNOWN_KEYS = new Set(['Sid', 'Effect', 'Action', 'Resource']);

const asList = (value: unknown, what: string): string[] => {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || !list.every((v): v is string => typeof v === 'string')) {
    throw new Error(`a policy statement's ${what} must be a string or a list of strings, got ${JSON.stringify(value)}`);
  }
  return list;
};

/** The statements of a resolved policy document (no intrinsic functions left in it). */
export function readStatements(document: unknown): PolicyStatement[] {
  const statements = (document as { Statement?: unknown } | undefined)?.Statement;
  if (statements === undefined) return [];
  return (Array.isArray(statements) ? statements : [statements]).map((statement: Record<string, unknown>) => {
    const unknown = Object.keys(statement).filter((key) => !KNOWN_KEYS.has(key));
    if (unknown.length > 0)
      throw new Error(`the local stack cannot judge policy statements with ${unknown.join(', ')}`);
    const { Effect } = statement;
    if (Effect !== 'Allow' && Effect !== 'Deny') throw new Error(`a policy statement's Effect is ${String(Effect)}`);
    return {
      effect: Effect,
      actions: asList(statement.Action, 'Action'),
      resources: asList(statement.Resource, 'Resource'),
    };
  });
}

function wildcard(pattern: string, flags: string): RegExp {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, flags);
}

const matchesAction = (statement: PolicyStatement, action: string) =>
  statement.actions.some((pattern) => wildcard(pattern, 'i').test(action));
const matchesResource = (statement: PolicyStatement, resource: string) =>
  statement.resources.some((pattern) => wildcard(pattern, '').test(resource));

export function decide(statements: readonly PolicyStatement[], action: string, resource: string): Decision {
  const applicable = statements.filter((s) => matchesAction(s, action) && matchesResource(s, resource));
  if (applicable.some((s) => s.effect === 'Deny')) return 'explicitly-denied';
  return applicable.some((s) => s.effect === 'Allow') ? 'allowed' : 'implicitly-denied';
}

/**
 * ArnLike, as a resource policy's `AWS:SourceArn` condition compares: each of the six colon-separated parts is
 * matched on its own (the sixth, the resource, with its colons), case-sensitively, so a `*` never spans a colon
 * outside the resource. What has fewer than six parts is no ARN and matches nothing.
 */
export function arnLike(pattern: string, arn: string): boolean {
  const parts = (value: string) => {
    const split = value.split(':');
    return split.length < 6 ? undefined : [...split.slice(0, 5), split.slice(5).join(':')];
  };
  const want = parts(pattern);
  const have = parts(arn);
  return !!want && !!have && want.every((part, i) => wildcard(part, '').test(have[i] as string));
}

/** A statement of a Lambda function's resource policy, as an `AWS::Lambda::Permission` adds it. */
export interface FunctionPermission {
  /** The permission's logical id, to name it. */
  readonly logicalId: string;
  /** The function it is on, by logical id. */
  readonly functionId: string;
  /** `lambda:InvokeFunction`, or a wildcard of it. */
  readonly action: string;
  /** A service (`apigateway.amazonaws.com`), an account, or `*`. */
  readonly principal: string;
  /** The `AWS:SourceArn` condition, compared ArnLike; none lets any source of the principal's through. */
  readonly sourceArn?: string;
  /** The `AWS:SourceAccount` condition. */
  readonly sourceAccount?: string;
}

/** Who asks Lambda to run a function: a service, on behalf of one of its resources, of an account. */
interface InvokeSource {
  readonly service: string;
  readonly sourceArn: string;
  readonly sourceAccount: string;
}

/**
 * The permission that lets a service invoke a function for a source, if one does. Lambda's resource policies
 * hold only what permissions add, all of them Allow, so there is no deny to weigh.
 */
export function invokePermission(
  permissions: readonly FunctionPermission[],
  functionId: string,
  source: InvokeSource,
): FunctionPermission | undefined {
  return permissions.find(
    (permission) =>
      permission.functionId === functionId &&
      wildcard(permission.action, 'i').test('lambda:InvokeFunction') &&
      (permission.principal === '*' || permission.principal === source.service) &&
      (permission.sourceArn === undefined || arnLike(permission.sourceArn, source.sourceArn)) &&
      (permission.sourceAccount === undefined || permission.sourceAccount === source.sourceAccount),
  );
}

/** AWS's wording of a refusal, which the SDKs surface as the error's message. */
export function denialMessage(principalArn: string, action: string, resource: string, decision: Decision): string {
  const why =
    decision === 'explicitly-denied'
      ? 'with an explicit deny in an identity-based policy'
      : `because no identity-based policy allows the ${action} action`;
  return `User: ${principalArn} is not authorized to perform: ${action} on resource: ${resource} ${why}`;
}
