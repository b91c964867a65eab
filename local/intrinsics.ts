/**
 * CloudFormation's intrinsic functions, resolved against the local stand-ins of a template's
 * resources: `Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, `Fn::Select` and `Fn::Split`, which is
 * what CDK writes for the values the local stack reads (environment, policies, outputs). Anything
 * else, or a resource without a stand-in, fails loudly rather than resolving to something wrong.
 */
export interface StandIn {
  /** What `Ref` gives: a name, an id or an ARN, depending on the resource type. */
  readonly ref: string;
  /** What `Fn::GetAtt` gives, by attribute name. */
  readonly attributes?: Readonly<Record<string, string>>;
}

interface ResolutionContext {
  readonly pseudo: Readonly<Record<string, string>>;
  /** The stand-in of a logical id, or undefined when the local stack has none. */
  readonly standIn: (logicalId: string) => StandIn | undefined;
}

function standInOf(context: ResolutionContext, logicalId: string): StandIn {
  const found = context.standIn(logicalId);
  if (!found) throw new Error(`the local stack has no stand-in for resource ${logicalId}`);
  return found;
}

function ref(context: ResolutionContext, name: string): string {
  if (name.startsWith('AWS::')) {
    const value = context.pseudo[name];
    if (value === undefined) throw new Error(`the local stack has no value for ${name}`);
    return value;
  }
  return standInOf(context, name).ref;
}

function attribute(context: ResolutionContext, logicalId: string, name: string): string {
  const value = standInOf(context, logicalId).attributes?.[name];
  if (value === undefined) throw new Error(`the local stack has no value for ${logicalId}.${name}`);
  return value;
}

function asText(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new Error(`${where} resolved to ${JSON.stringify(value)}, not text`);
}

function substitute(context: ResolutionContext, template: string, variables: Record<string, unknown>): string {
  return template.replace(/\$\{(!?)([^}]+)\}/g, (_, literal: string, name: string) => {
    if (literal) return `\${${name}}`;
    if (Object.hasOwn(variables, name)) return asText(resolve(context, variables[name]), `Fn::Sub variable ${name}`);
    const dot = name.indexOf('.');
    if (dot > 0 && !name.startsWith('AWS::')) return attribute(context, name.slice(0, dot), name.slice(dot + 1));
    return ref(context, name);
  });
}

/** The value with every intrinsic function in it replaced by its local result. */
export function resolve(context: ResolutionContext, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => resolve(context, item));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  const [first] = entries;
  if (entries.length === 1 && first && (first[0] === 'Ref' || first[0].startsWith('Fn::'))) {
    const [name, argument] = first;
    switch (name) {
      case 'Ref':
        return ref(context, asText(argument, 'Ref'));
      case 'Fn::GetAtt': {
        const [logicalId, attr] = typeof argument === 'string' ? argument.split(/\.(.*)/s) : (argument as string[]);
        return attribute(context, asText(logicalId, 'Fn::GetAtt'), asText(attr, 'Fn::GetAtt'));
      }
      case 'Fn::Join': {
        const [separator, parts] = argument as [string, unknown];
        const list = resolve(context, parts);
        if (!Array.isArray(list)) throw new Error('Fn::Join needs a list');
        return list.map((part) => asText(part, 'a part of Fn::Join')).join(separator);
      }
      case 'Fn::Sub': {
        const [template, variables = {}] = typeof argument === 'string' ? [argument] : (argument as [string, object]);
        return substitute(context, template, variables as Record<string, unknown>);
      }
      case 'Fn::Select': {
        const [index, list] = argument as [unknown, unknown];
        const items = resolve(context, list);
        const position = Number(resolve(context, index));
        if (!Array.isArray(items) || !(position in items)) throw new Error('Fn::Select is out of range');
        return items[position];
      }
      case 'Fn::Split': {
        const [separator, text] = argument as [string, unknown];
        return asText(resolve(context, text), 'Fn::Split').split(separator);
      }
      default:
        throw new Error(`the local stack does not resolve ${name}`);
    }
  }
  return Object.fromEntries(entries.map(([key, item]) => [key, resolve(context, item)]));
}
