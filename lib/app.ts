import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { readConfig } from './stack-config';
import { TokenLedgerStack } from './token-ledger-stack';

export interface TokenLedgerApp {
  readonly app: App;
  readonly stack: TokenLedgerStack;
}

/**
 * The CDK app, as `bin/app.ts` runs it and the infrastructure tests build it: the stack, with
 * cdk-nag's AwsSolutions checks over the whole app. An unsuppressed AwsSolutions error is an
 * error annotation, which fails `cdk synth`; every suppression sits next to the construct it
 * concerns and names its rule and reason.
 *
 * Without `context`, the app reads its context as the CDK CLI hands it over (cdk.json and `-c`).
 * `checks: false` leaves out the checks that only judge the template (cdk-nag's, CloudFormation's
 * validation), for a caller that only reads it.
 */
export function buildApp(context?: Record<string, unknown>, options: { checks?: boolean } = {}): TokenLedgerApp {
  const checks = options.checks !== false;
  const app = new App({ ...(context && { context }), builtinCloudFormationValidation: checks });
  const config = readConfig(app.node);
  // No `env`: the stack is environment-agnostic, so `cdk synth` needs no credentials and looks
  // nothing up; `cdk deploy` takes account and region from the caller's profile.
  const stack = new TokenLedgerStack(app, config.stackName, {
    config,
    description: 'OAuth token ledger: list, inspect and revoke issued tokens',
  });
  // Verbose: a finding names what the rule wants, not just its id.
  if (checks) Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  return { app, stack };
}

/** cdk.json's context (the feature flags), as `cdk synth` reads it, for callers that build the app themselves. */
export function cdkJsonContext(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(__dirname, '..', 'cdk.json'), 'utf8')).context;
}
