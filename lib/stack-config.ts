import { RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { DEFAULT_ADMIN_GROUP } from '../lambdas/config';

/**
 * Deploy-time settings, read from CDK context (`-c key=value` or cdk.json):
 *
 * | key | default | meaning |
 * |---|---|---|
 * | `stackName` | `TokenLedger` | CloudFormation stack name (the key of the outputs file) |
 * | `adminGroupName` | `token-admins` | Cognito group whose members are admins |
 * | `allowedOrigins` | none | comma-separated browser origins allowed by CORS |
 * | `allowPasswordAuth` | `false` | also allow `USER_PASSWORD_AUTH` (test deployments) |
 * | `selfSignUp` | `false` | let anyone create an account in the user pool |
 * | `removalPolicy` | `retain` | `destroy` deletes table, pool and logs with the stack |
 * | `logRetentionDays` | `30` | function and access log retention (a CloudWatch value) |
 * | `throttleRateLimit` | `100` | stage steady-state requests per second |
 * | `throttleBurstLimit` | `200` | stage burst capacity |
 *
 * No origins by default: the API then serves same-origin and non-browser clients only, and a
 * browser app must be named explicitly. `*` is accepted but lets any web page call the API
 * with a user's token, so it is for throwaway stacks, never production.
 *
 * `-c` always delivers strings while cdk.json can deliver booleans, numbers and arrays, so every
 * reader accepts both, and a value it cannot read fails the synth instead of falling back.
 */
export interface TokenLedgerConfig {
  readonly stackName: string;
  readonly adminGroupName: string;
  readonly allowedOrigins: readonly string[];
  readonly allowPasswordAuth: boolean;
  readonly selfSignUp: boolean;
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: RetentionDays;
  readonly throttling: { readonly rateLimit: number; readonly burstLimit: number };
}

export function readConfig(node: Node): TokenLedgerConfig {
  const get = (key: string): unknown => node.tryGetContext(key);
  return {
    stackName: text(get('stackName'), 'stackName', 'TokenLedger'),
    adminGroupName: groupName(text(get('adminGroupName'), 'adminGroupName', DEFAULT_ADMIN_GROUP)),
    allowedOrigins: origins(get('allowedOrigins')),
    allowPasswordAuth: flag(get('allowPasswordAuth'), 'allowPasswordAuth', false),
    selfSignUp: flag(get('selfSignUp'), 'selfSignUp', false),
    removalPolicy: removalPolicy(get('removalPolicy')),
    logRetention: retention(get('logRetentionDays')),
    throttling: {
      rateLimit: count(get('throttleRateLimit'), 'throttleRateLimit', 100),
      burstLimit: count(get('throttleBurstLimit'), 'throttleBurstLimit', 200),
    },
  };
}

function isUnset(value: unknown): value is undefined | null | '' {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

function text(value: unknown, key: string, fallback: string): string {
  if (isUnset(value)) return fallback;
  if (typeof value !== 'string') throw new Error(`context ${key} must be a string, got ${JSON.stringify(value)}`);
  return value.trim();
}

function flag(value: unknown, key: string, fallback: boolean): boolean {
  if (isUnset(value)) return fallback;
  if (typeof value === 'boolean') return value;
  const normalized = String(value).trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(normalized)) return true;
  if (['false', '0', 'no', 'off'].includes(normalized)) return false;
  throw new Error(`context ${key} must be true or false, got ${JSON.stringify(value)}`);
}

function count(value: unknown, key: string, fallback: number): number {
  if (isUnset(value)) return fallback;
  const n = typeof value === 'number' ? value : /^\s*\d+\s*$/.test(String(value)) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`context ${key} must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

/** API Gateway hands `cognito:groups` to the functions as `"a,b"`, so a comma would split the name. */
function groupName(name: string): string {
  if (!/^[^\s,]{1,128}$/u.test(name)) {
    throw new Error(`context adminGroupName must be 1-128 characters without spaces or commas, got ${JSON.stringify(name)}`);
  }
  return name;
}

/**
 * Origins are matched exactly by the preflight and the functions, so `https://app.example.com/`
 * (trailing slash) or a pattern would silently never match; reject them rather than deploy that.
 */
function origins(value: unknown): string[] {
  if (isUnset(value)) return [];
  const list = (Array.isArray(value) ? value.map(String) : String(value).split(','))
    .map((o) => o.trim())
    .filter(Boolean);
  for (const origin of list) {
    if (origin !== '*' && !/^https?:\/\/[^/\s*?#]+$/.test(origin)) {
      throw new Error(`context allowedOrigins: ${JSON.stringify(origin)} is not an origin like https://app.example.com`);
    }
  }
  if (list.includes('*') && list.length > 1) throw new Error('context allowedOrigins: `*` cannot be combined with other origins');
  return [...new Set(list)];
}

function removalPolicy(value: unknown): RemovalPolicy {
  const policy = text(value, 'removalPolicy', 'retain').toLowerCase();
  if (policy === 'retain') return RemovalPolicy.RETAIN;
  if (policy === 'destroy') return RemovalPolicy.DESTROY;
  throw new Error(`context removalPolicy must be retain or destroy, got ${JSON.stringify(value)}`);
}

function retention(value: unknown): RetentionDays {
  const days = count(value, 'logRetentionDays', RetentionDays.ONE_MONTH);
  if (!Object.values(RetentionDays).includes(days)) {
    const allowed = Object.values(RetentionDays).filter((v) => typeof v === 'number');
    throw new Error(`context logRetentionDays must be one of ${allowed.join(', ')}, got ${days}`);
  }
  return days as RetentionDays;
}
