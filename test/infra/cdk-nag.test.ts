import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Aspects, Stage } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { type Synth, synth } from './synth';

/**
 * cdk-nag's AwsSolutions pack over the app as `bin/app.ts` builds it (lib/app.ts). An unsuppressed
 * error fails `cdk synth`; this also refuses unsuppressed warnings, which `cdk synth` only prints.
 * Every accepted finding is suppressed next to its construct, with the rule and the reason.
 *
 * Neither synth bundles the functions: the rules read the template, not the code.
 */
const AWS_SOLUTIONS = Match.stringLikeRegexp('AwsSolutions-.*');

const DEPLOYMENTS = {
  default: {},
  // Everything context can switch that adds or removes resources: the bucket emptier of a
  // throwaway stack, no web ACL, alarm actions, more origins, password sign-in, self sign-up.
  throwaway: {
    removalPolicy: 'destroy',
    waf: 'false',
    alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ledger-alarms',
    allowedOrigins: 'https://app.example.com',
    allowPasswordAuth: 'true',
    selfSignUp: 'true',
  },
} as const;

const synths = new Map<keyof typeof DEPLOYMENTS, Synth>();
beforeAll(() => {
  for (const [name, context] of Object.entries(DEPLOYMENTS)) {
    synths.set(name as keyof typeof DEPLOYMENTS, synth(context, { bundle: false }));
  }
});

/** `path: [rule id] first line of the message`, for a readable failure. */
const describeFindings = (found: ReturnType<Annotations['findError']>) =>
  found.map((m) => `${m.id}: ${String(m.entry.data).split('\n')[0]}`);

/** Rows of the report cdk-nag writes next to the template: one per rule and resource it checked. */
function nagReport(synthesized: Synth): Record<string, string>[] {
  const outdir = Stage.of(synthesized.stack)!.outdir;
  const reports = readdirSync(outdir).filter(
    (file) => /^AwsSolutions-.*-NagReport\.csv$/.test(file) && file.includes(synthesized.stack.artifactId),
  );
  expect(reports).toHaveLength(1);
  const csv = readFileSync(path.join(outdir, reports[0]), 'utf8');
  const [header, ...lines] = csv.trim().split('\n').map(parseCsvLine);
  return lines.map((cells) => Object.fromEntries(header.map((name, i) => [name, cells[i]])));
}

function parseCsvLine(line: string): string[] {
  const cells: string[] = [];
  for (const [, quoted, plain] of line.matchAll(/(?:^|,)(?:"((?:[^"]|"")*)"|([^,]*))/g)) {
    cells.push(quoted !== undefined ? quoted.replace(/""/g, '"') : plain);
  }
  return cells;
}

describe.each(Object.keys(DEPLOYMENTS) as (keyof typeof DEPLOYMENTS)[])(
  'cdk-nag AwsSolutions, %s deployment',
  (name) => {
    test('the app runs the AwsSolutions pack', () => {
      const app = Stage.of(synths.get(name)!.stack)!;
      expect(Aspects.of(app).all.some((aspect) => aspect instanceof AwsSolutionsChecks)).toBe(true);
    });

    test('no unsuppressed error', () => {
      const annotations = Annotations.fromStack(synths.get(name)!.stack);
      expect(describeFindings(annotations.findError('*', AWS_SOLUTIONS))).toEqual([]);
    });

    test('no unsuppressed warning', () => {
      const annotations = Annotations.fromStack(synths.get(name)!.stack);
      expect(describeFindings(annotations.findWarning('*', AWS_SOLUTIONS))).toEqual([]);
    });

    test('the checks ran, and every finding they made is suppressed with a reason', () => {
      const rows = nagReport(synths.get(name)!);
      expect(rows.length).toBeGreaterThan(100);
      expect(rows.filter((row) => row.Compliance === 'Non-Compliant')).toEqual([]);
      const suppressed = rows.filter((row) => row.Compliance === 'Suppressed');
      expect(suppressed.length).toBeGreaterThan(0);
      for (const row of suppressed) {
        const finding = { rule: row['Rule ID'], resource: row['Resource ID'] };
        expect({ ...finding, reasoned: row['Exception Reason'].length > 40 }).toEqual({ ...finding, reasoned: true });
      }
    });
  },
);

test('the rules that fire only without a web ACL are suppressed only there', () => {
  const suppressedRules = (deployment: keyof typeof DEPLOYMENTS) =>
    new Set(
      nagReport(synths.get(deployment)!)
        .filter((row) => row.Compliance === 'Suppressed')
        .map((row) => row['Rule ID']),
    );
  expect(suppressedRules('default').has('AwsSolutions-APIG3')).toBe(false);
  expect(suppressedRules('throwaway').has('AwsSolutions-APIG3')).toBe(true);
});
