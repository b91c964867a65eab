import * as path from 'node:path';
import { App, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DEFAULT_CONSOLE_DIST, readConfig } from '../../lib/stack-config';

const read = (context: Record<string, unknown>) => readConfig(new App({ context }).node);

describe('stack config from context', () => {
  test('scopeDescriptions: a JSON object of descriptions by scope, from -c text or cdk.json', () => {
    const map = { 'calendar.read': 'See your calendar', openid: 'Know who you are' };
    expect(read({ scopeDescriptions: JSON.stringify(map) }).scopeDescriptions).toEqual(map);
    expect(read({ scopeDescriptions: map }).scopeDescriptions).toEqual(map);
    expect(read({ scopeDescriptions: ' ' }).scopeDescriptions).toBeUndefined();
    for (const bad of ['{', '[]', '"text"', '{"a": 1}', '{"a": ""}', '{}', ['a']]) {
      expect(() => read({ scopeDescriptions: bad })).toThrow(/scopeDescriptions must be a JSON object/);
    }
  });

  test('defaults are the safe ones', () => {
    expect(read({})).toEqual({
      stackName: 'TokenLedger',
      adminGroupName: 'token-admins',
      allowedOrigins: [],
      authDomainPrefix: undefined,
      consoleDist: path.join(__dirname, '..', '..', 'console', 'dist'),
      scopeDescriptions: undefined,
      allowPasswordAuth: false,
      selfSignUp: false,
      removalPolicy: RemovalPolicy.RETAIN,
      logRetention: RetentionDays.ONE_MONTH,
      throttling: { rateLimit: 100, burstLimit: 200 },
      alarmTopicArn: undefined,
      waf: { enabled: true, rateLimit: 2000, serviceRateLimit: 15_000 },
      tracing: false,
    });
  });

  test('reads the strings `-c key=value` delivers', () => {
    expect(
      read({
        allowPasswordAuth: 'true',
        selfSignUp: 'FALSE',
        removalPolicy: 'Destroy',
        logRetentionDays: '7',
        throttleRateLimit: '5',
        allowedOrigins: ' https://a.example.com, http://localhost:5173 ,',
        authDomainPrefix: ' ledger-prod-1 ',
        consoleDist: 'build/console',
        alarmTopicArn: ' arn:aws:sns:eu-west-1:123456789012:ledger-alarms ',
        waf: 'off',
        wafRateLimit: '500',
        wafServiceRateLimit: '90000',
        tracing: 'true',
      }),
    ).toMatchObject({
      allowPasswordAuth: true,
      selfSignUp: false,
      removalPolicy: RemovalPolicy.DESTROY,
      logRetention: RetentionDays.ONE_WEEK,
      throttling: { rateLimit: 5, burstLimit: 200 },
      allowedOrigins: ['https://a.example.com', 'http://localhost:5173'],
      authDomainPrefix: 'ledger-prod-1',
      // Relative to where `cdk` runs.
      consoleDist: path.resolve('build/console'),
      alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ledger-alarms',
      waf: { enabled: false, rateLimit: 500, serviceRateLimit: 90_000 },
      tracing: true,
    });
  });

  test('the console is served from console/dist by default, wherever cdk runs', () => {
    expect(read({}).consoleDist).toBe(DEFAULT_CONSOLE_DIST);
    expect(path.isAbsolute(DEFAULT_CONSOLE_DIST)).toBe(true);
  });

  test('reads the JSON types cdk.json delivers', () => {
    expect(
      read({
        allowPasswordAuth: true,
        logRetentionDays: 90,
        allowedOrigins: ['https://a.example.com'],
        waf: false,
        wafRateLimit: 10,
      }),
    ).toMatchObject({
      allowPasswordAuth: true,
      logRetention: RetentionDays.THREE_MONTHS,
      allowedOrigins: ['https://a.example.com'],
      waf: { enabled: false, rateLimit: 10 },
    });
  });

  test('accepts topic ARNs of every partition', () => {
    for (const arn of [
      'arn:aws-cn:sns:cn-north-1:123456789012:alarms',
      'arn:aws-us-gov:sns:us-gov-west-1:123456789012:ops_alarms-1',
    ]) {
      expect(read({ alarmTopicArn: arn }).alarmTopicArn).toBe(arn);
    }
  });

  test.each([
    ['allowPasswordAuth', 'maybe'],
    ['removalPolicy', 'snapshot'],
    ['logRetentionDays', '31'],
    ['logRetentionDays', '7.5'],
    ['throttleRateLimit', '0'],
    ['throttleBurstLimit', 'lots'],
    ['adminGroupName', 'token admins'],
    ['adminGroupName', 'a'.repeat(129)],
    ['allowedOrigins', 'https://a.example.com/'],
    ['allowedOrigins', 'https://*.example.com'],
    ['allowedOrigins', '*,https://a.example.com'],
    ['authDomainPrefix', 'Ledger'],
    ['authDomainPrefix', '-ledger'],
    ['authDomainPrefix', 'ledger-'],
    ['authDomainPrefix', 'ledger.example'],
    ['authDomainPrefix', 'my-aws-ledger'],
    ['authDomainPrefix', 'amazonledger'],
    ['authDomainPrefix', 'cognito-ledger'],
    ['authDomainPrefix', 'a'.repeat(64)],
    ['alarmTopicArn', 'ledger-alarms'],
    ['alarmTopicArn', 'arn:aws:sqs:eu-west-1:123456789012:ledger-alarms'],
    ['alarmTopicArn', 'arn:aws:sns:eu-west-1:1234:ledger-alarms'],
    ['alarmTopicArn', 'arn:aws:sns:eu-west-1:123456789012:ledger-alarms.fifo'],
    ['waf', 'maybe'],
    ['wafRateLimit', '9'],
    ['wafRateLimit', '2000000001'],
    ['wafRateLimit', 'lots'],
    ['wafServiceRateLimit', '9'],
    ['wafServiceRateLimit', '2000000001'],
  ])('rejects %s=%s instead of guessing', (key, value) => {
    expect(() => read({ [key]: value })).toThrow(key);
  });
});
