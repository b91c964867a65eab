import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { BUNDLING_STACKS } from 'aws-cdk-lib/cx-api';
import { buildApp, cdkJsonContext } from '../../lib/app';
import { SOURCE_METADATA_KEY } from '../../lib/handler-function';

export { cdkJsonContext };

import type { TokenLedgerStack } from '../../lib/token-ledger-stack';

type Resource = {
  Type: string;
  Properties?: Record<string, any>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
};

export interface Synth {
  stack: TokenLedgerStack;
  template: Template;
  resources: Record<string, Resource>;
}

let fakeConsole: string | undefined;

/**
 * A stand-in for the built console (index.html and one hashed asset), so the infrastructure
 * tests neither build the console nor depend on a build lying around. Removed when the
 * process exits.
 */
export function fakeConsoleDist(): string {
  if (!fakeConsole) {
    const dir = mkdtempSync(path.join(tmpdir(), 'token-ledger-console-'));
    writeFileSync(
      path.join(dir, 'index.html'),
      '<!doctype html><title>Token ledger</title><script type="module" src="/assets/index-abc123.js"></script>\n',
    );
    mkdirSync(path.join(dir, 'assets'));
    writeFileSync(path.join(dir, 'assets', 'index-abc123.js'), 'console.log("console");\n');
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    fakeConsole = dir;
  }
  return fakeConsole;
}

export interface SynthOptions {
  /**
   * false: skip bundling the functions (CDK's `aws:cdk:bundling-stacks` context, as `cdk synth
   * --exclusively` uses it), which is most of a synth's time. The template is the same but for
   * the functions' asset hashes: for tests of anything but the functions' code.
   */
  readonly bundle?: boolean;
}

/**
 * Builds the app as `bin/app.ts` does (`buildApp`, cdk-nag included), with cdk.json's feature
 * flags, so the template under test is the one `cdk synth` writes, serving `fakeConsoleDist()`
 * unless the context names another `consoleDist`. An unsuppressed cdk-nag error fails it, as it
 * fails `cdk synth`. Bundles every function unless told not to: call once per context.
 */
export function synth(context: Record<string, unknown> = {}, options: SynthOptions = {}): Synth {
  const { stack } = buildApp({
    ...cdkJsonContext(),
    consoleDist: fakeConsoleDist(),
    ...(options.bundle === false && { [BUNDLING_STACKS]: [] }),
    ...context,
  });
  const template = Template.fromStack(stack);
  return { stack, template, resources: template.toJSON().Resources };
}

export function resourcesOfType(synth: Synth, type: string): [string, Resource][] {
  return Object.entries(synth.resources).filter(([, r]) => r.Type === type);
}

/** The function that runs `lambdas/<name>.ts` (a route's or a table consumer's), by the source its template records. */
export function functionLogicalId(synth: Synth, name: string): string {
  const source = `lambdas/${name}.ts`;
  const found = Object.entries(synth.resources).filter(
    ([, r]) =>
      r.Type === 'AWS::Lambda::Function' &&
      (r as { Metadata?: Record<string, unknown> }).Metadata?.[SOURCE_METADATA_KEY] === source,
  );
  if (found.length !== 1) throw new Error(`${found.length} functions run ${source}`);
  return (found[0] as [string, Resource])[0];
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

/** Every statement of every inline policy attached to the function's execution role. */
export function roleStatements(synth: Synth, route: string): Statement[] {
  const fn = synth.resources[functionLogicalId(synth, route)];
  const [roleId] = fn.Properties!.Role['Fn::GetAtt'];
  const role = synth.resources[roleId];
  if (role.Properties?.Policies) throw new Error(`role ${roleId} has inline policies the helper does not read`);
  return resourcesOfType(synth, 'AWS::IAM::Policy')
    .filter(([, p]) => p.Properties!.Roles.some((r: { Ref?: string }) => r.Ref === roleId))
    .flatMap(([, p]) => p.Properties!.PolicyDocument.Statement as Statement[]);
}

export function actionsOf(statements: Statement[], service?: string): string[] {
  const all = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
  return [...new Set(all.filter((a) => !service || a.startsWith(`${service}:`)))].sort();
}

/** Full resource path (`/tokens/{tokenId}`) of each API Gateway resource, by logical id. */
export function resourcePaths(synth: Synth): Map<string, string> {
  const resources = new Map(resourcesOfType(synth, 'AWS::ApiGateway::Resource'));
  const paths = new Map<string, string>();
  const pathOf = (id: string): string => {
    const known = paths.get(id);
    if (known) return known;
    const { ParentId, PathPart } = resources.get(id)!.Properties!;
    const parent = ParentId.Ref ? pathOf(ParentId.Ref) : '';
    const full = `${parent}/${PathPart}`;
    paths.set(id, full);
    return full;
  };
  for (const id of resources.keys()) pathOf(id);
  return paths;
}

export interface ApiNode {
  /** Logical id of the AWS::ApiGateway::Resource; undefined for the root. */
  readonly id?: string;
  readonly path: string;
  readonly children: Map<string, ApiNode>;
  /** HTTP method (`GET`, `ANY`, ...) → the method resource. */
  readonly methods: Map<string, Resource>;
}

/** The API's resource tree with its methods, from the template. */
export function apiTree(synth: Synth): ApiNode {
  const paths = resourcePaths(synth);
  const root: ApiNode = { path: '/', children: new Map(), methods: new Map() };
  const nodes = new Map<string | undefined, ApiNode>([[undefined, root]]);
  const nodeOf = (id: string | undefined): ApiNode => {
    const known = nodes.get(id);
    if (known) return known;
    const { ParentId, PathPart } = synth.resources[id!].Properties!;
    const parent = nodeOf(ParentId.Ref);
    const node: ApiNode = { id, path: paths.get(id!)!, children: new Map(), methods: new Map() };
    parent.children.set(PathPart, node);
    nodes.set(id, node);
    return node;
  };
  for (const id of paths.keys()) nodeOf(id);
  for (const [, method] of resourcesOfType(synth, 'AWS::ApiGateway::Method')) {
    const { HttpMethod, ResourceId } = method.Properties!;
    nodeOf(ResourceId.Ref).methods.set(HttpMethod, method);
  }
  return root;
}

/**
 * The resource API Gateway picks for a request path, deliberately WITHOUT backtracking: at each
 * segment a static child, else the one single-segment variable child, else a greedy `{proxy+}`
 * child takes the rest; undefined when none fits. If every path resolves here, it resolves on
 * API Gateway however it ranks partial matches.
 */
export function resolvePath(root: ApiNode, path: string): ApiNode | undefined {
  let node = root;
  for (const segment of path.split('/').filter(Boolean)) {
    const children = [...node.children];
    const next =
      node.children.get(segment) ??
      children.find(([part]) => /^\{[^+}]+\}$/.test(part))?.[1] ??
      children.find(([part]) => /^\{[^}]+\+\}$/.test(part))?.[1];
    if (!next) return undefined;
    if (/\+\}$/.test(next.path)) return next;
    node = next;
  }
  return node;
}

/** The method API Gateway runs for a request: the one for its verb, else `ANY`. */
export function methodFor(root: ApiNode, httpMethod: string, path: string): Resource | undefined {
  const node = resolvePath(root, path);
  return node?.methods.get(httpMethod) ?? node?.methods.get('ANY');
}

/** `GET /tokens` → the method resource, for every method of the API. */
export function methodsByRoute(synth: Synth): Map<string, Resource> {
  const paths = resourcePaths(synth);
  return new Map(
    resourcesOfType(synth, 'AWS::ApiGateway::Method').map(([, m]) => {
      const { HttpMethod, ResourceId } = m.Properties!;
      const resourcePath = ResourceId.Ref ? paths.get(ResourceId.Ref) : '/';
      return [`${HttpMethod} ${resourcePath}`, m];
    }),
  );
}

/**
 * A cycle in the template's dependencies (Ref, Fn::GetAtt, Fn::Sub and DependsOn between its
 * resources), as the logical ids along it; undefined when there is none. CloudFormation refuses
 * a template with a cycle, and neither CDK nor `cdk synth` checks for one.
 */
export function dependencyCycle(synth: Synth): string[] | undefined {
  const ids = new Set(Object.keys(synth.resources));
  const edges = new Map<string, Set<string>>();
  const collect = (value: unknown, into: Set<string>): void => {
    if (Array.isArray(value)) {
      for (const v of value) collect(v, into);
      return;
    }
    if (!value || typeof value !== 'object') return;
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'Ref' && typeof inner === 'string') into.add(inner);
      else if (key === 'Fn::GetAtt') into.add(Array.isArray(inner) ? String(inner[0]) : String(inner).split('.')[0]);
      else if (key === 'Fn::Sub') {
        const text = Array.isArray(inner) ? inner[0] : inner;
        for (const [, name] of String(text).matchAll(/\$\{([^}!.]+)/g)) into.add(name);
        collect(inner, into);
      } else collect(inner, into);
    }
  };
  for (const [id, resource] of Object.entries(synth.resources) as [
    string,
    Resource & { DependsOn?: string | string[] },
  ][]) {
    const into = new Set<string>();
    collect(resource.Properties, into);
    for (const d of [resource.DependsOn ?? []].flat()) into.add(d);
    edges.set(id, new Set([...into].filter((target) => ids.has(target))));
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'visiting') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'visiting');
    stack.push(id);
    for (const next of edges.get(id)!) {
      const cycle = visit(next);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of ids) {
    const cycle = visit(id);
    if (cycle) return cycle;
  }
  return undefined;
}
