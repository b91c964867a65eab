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
 */
export function buildApp(context?: Record<string, unknown>): TokenLedgerApp {
  const app = new App(context ? { context } : undefined);
  const config = readConfig(app.node);
  // No `env`: the stack is environment-agnostic, so `cdk synth` needs no credentials and looks
  // nothing up; `cdk deploy` takes account and region from the caller's profile.
  const stack = new TokenLedgerStack(app, config.stackName, {
    config,
    description: 'OAuth token ledger: list, inspect and revoke issued tokens',
  });
  // Verbose: a finding names what the rule wants, not just its id.
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  return { app, stack };
}
