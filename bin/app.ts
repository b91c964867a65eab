#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { readConfig } from '../lib/stack-config';
import { TokenLedgerStack } from '../lib/token-ledger-stack';

// No `env`: the stack is environment-agnostic, so `cdk synth` needs no credentials and looks
// nothing up; `cdk deploy` takes account and region from the caller's profile.
const app = new App();
const config = readConfig(app.node);
new TokenLedgerStack(app, config.stackName, {
  config,
  description: 'OAuth token ledger: list, inspect and revoke issued tokens',
});
