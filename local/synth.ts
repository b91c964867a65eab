import { buildApp, cdkJsonContext } from '../lib/app';
import type { CfnTemplate } from './cfn-template';

interface SynthesizedStack {
  readonly stackName: string;
  readonly template: CfnTemplate;
}

/**
 * The stack's CloudFormation template, synthesized in this process from the same CDK app that
 * `cdk deploy` runs, with cdk.json's feature flags and the given context (`-c` values). Function
 * code is not bundled (the local stack runs the sources), and the checks that only judge the
 * template (cdk-nag, CloudFormation's validation) are left to `cdk synth` and the tests.
 */
export function synthesizeStack(context: Record<string, string>): SynthesizedStack {
  const { app, stack } = buildApp(
    {
      ...cdkJsonContext(),
      ...context,
      'aws:cdk:bundling-stacks': [],
    },
    { checks: false },
  );
  const template = app.synth().getStackByName(stack.stackName).template as CfnTemplate;
  return { stackName: stack.stackName, template };
}
