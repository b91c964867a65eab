import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { RouteName } from '../../lambdas/routes';
import { readConfig } from '../../lib/stack-config';
import { TokenLedgerStack } from '../../lib/token-ledger-stack';

type Resource = { Type: string; Properties?: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string };

export interface Synth {
  stack: TokenLedgerStack;
  template: Template;
  resources: Record<string, Resource>;
}

/**
 * Builds the stack as `bin/app.ts` does, with cdk.json's feature flags, so the template under
 * test is the one `cdk synth` writes. Bundles every function: call once per context.
 */
export function synth(context: Record<string, unknown> = {}): Synth {
  const cdkJson = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'cdk.json'), 'utf8'));
  const app = new App({ context: { ...cdkJson.context, ...context } });
  const config = readConfig(app.node);
  const stack = new TokenLedgerStack(app, config.stackName, { config });
  const template = Template.fromStack(stack);
  return { stack, template, resources: template.toJSON().Resources };
}

export function resourcesOfType(synth: Synth, type: string): [string, Resource][] {
  return Object.entries(synth.resources).filter(([, r]) => r.Type === type);
}

export function functionLogicalId(synth: Synth, route: RouteName): string {
  return synth.stack.getLogicalId(synth.stack.functions[route].function.node.defaultChild as CfnFunction);
}

export interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

/** Every statement of every inline policy attached to the function's execution role. */
export function roleStatements(synth: Synth, route: RouteName): Statement[] {
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
