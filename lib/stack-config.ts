import * as path from 'node:path';
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
 * | `allowedOrigins` | none | comma-separated browser origins allowed by CORS, besides the console's |
 * | `authDomainPrefix` | derived | Cognito domain prefix of the managed login pages |
 * | `consoleDist` | `console/dist` | the built console (`npm run build:console`) the stack serves |
 * | `scopeDescriptions` | none | a JSON object of plain-language scope descriptions the console shows |
 * | `allowPasswordAuth` | `false` | also allow `USER_PASSWORD_AUTH` (test deployments) |
 * | `selfSignUp` | `false` | let anyone create an account in the user pool |
 * | `removalPolicy` | `retain` | `destroy` deletes table, pool and logs with the stack (see below) |
 * | `logRetentionDays` | `30` | function and access log retention (a CloudWatch value) |
 * | `throttleRateLimit` | `100` | stage steady-state requests per second |
 * | `throttleBurstLimit` | `200` | stage burst capacity |
 * | `alarmTopicArn` | none | SNS topic (same region) the alarms notify; without it they only change state |
 * | `waf` | `true` | `false` deploys the API without its WAF web ACL |
 * | `wafRateLimit` | `2000` | requests per IP to the user and admin routes in 5 minutes before WAF blocks it |
 * | `wafServiceRateLimit` | `15000` | the same for the service routes (authorization and resource servers) |
 * | `tracing` | `false` | `true` bundles the Powertools Tracer: handler and SDK calls as X-Ray subsegments |
 *
 * `retain` also protects the table from deletion. Both WAF limits may be 10 to 2,000,000,000.
 *
 * Lambda's active tracing gives every invocation an X-Ray segment either way. `tracing` adds the
 * function's own subsegments (its handler, with a cold-start annotation, and each DynamoDB call)
 * at the price of the X-Ray SDK in every bundle, loaded on every cold start (BENCHMARKS.md).
 *
 * The console's own origin (its CloudFront domain) is always allowed; `allowedOrigins` names
 * further browser apps. `*` is accepted but lets any web page call the API with a user's
 * token, so it is for throwaway stacks, never production.
 *
 * Without `authDomainPrefix` the stack derives one that is unique per stack (see token-users.ts).
 * A prefix must be unique in its region across all AWS accounts, so an explicit one can be
 * taken already; the deploy then fails on the domain and a different one must be chosen.
 *
 * A relative `consoleDist` is resolved against the working directory (where `cdk` runs).
 *
 * `-c` always delivers strings while cdk.json can deliver booleans, numbers and arrays, so every
 * reader accepts both, and a value it cannot read fails the synth instead of falling back.
 */
export interface TokenLedgerConfig {
  readonly stackName: string;
  readonly adminGroupName: string;
  /** Origins allowed besides the console's own, which the stack always adds. */
  readonly allowedOrigins: readonly string[];
  /** undefined: derived from the stack (token-users.ts). */
  readonly authDomainPrefix: string | undefined;
  /** Absolute path of the built console directory. */
  readonly consoleDist: string;
  /** What the console shows for each scope it knows, instead of the raw scope. */
  readonly scopeDescriptions: Readonly<Record<string, string>> | undefined;
  readonly allowPasswordAuth: boolean;
  readonly selfSignUp: boolean;
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: RetentionDays;
  readonly throttling: { readonly rateLimit: number; readonly burstLimit: number };
  /** undefined: alarms without actions. */
  readonly alarmTopicArn: string | undefined;
  readonly waf: { readonly enabled: boolean; readonly rateLimit: number; readonly serviceRateLimit: number };
  /** Bundle the Powertools Tracer into every function (lib/handler-function.ts). */
  readonly tracing: boolean;
}

/** Where `npm run build:console` writes the console. */
export const DEFAULT_CONSOLE_DIST = path.join(__dirname, '..', 'console', 'dist');

/** Cognito refuses prefixes containing these words. */
export const RESERVED_DOMAIN_WORDS = ['aws', 'amazon', 'cognito'] as const;

export function readConfig(node: Node): TokenLedgerConfig {
  const get = (key: string): unknown => node.tryGetContext(key);
  return {
    stackName: text(get('stackName'), 'stackName', 'TokenLedger'),
    adminGroupName: groupName(text(get('adminGroupName'), 'adminGroupName', DEFAULT_ADMIN_GROUP)),
    allowedOrigins: origins(get('allowedOrigins')),
    authDomainPrefix: domainPrefix(get('authDomainPrefix')),
    consoleDist: path.resolve(text(get('consoleDist'), 'consoleDist', DEFAULT_CONSOLE_DIST)),
    scopeDescriptions: scopeDescriptions(get('scopeDescriptions')),
    allowPasswordAuth: flag(get('allowPasswordAuth'), 'allowPasswordAuth', false),
    selfSignUp: flag(get('selfSignUp'), 'selfSignUp', false),
    removalPolicy: removalPolicy(get('removalPolicy')),
    logRetention: retention(get('logRetentionDays')),
    throttling: {
      rateLimit: count(get('throttleRateLimit'), 'throttleRateLimit', 100),
      burstLimit: count(get('throttleBurstLimit'), 'throttleBurstLimit', 200),
    },
    alarmTopicArn: topicArn(get('alarmTopicArn')),
    waf: {
      enabled: flag(get('waf'), 'waf', true),
      rateLimit: wafRateLimit(get('wafRateLimit'), 'wafRateLimit', 2000),
      serviceRateLimit: wafRateLimit(get('wafServiceRateLimit'), 'wafServiceRateLimit', 15_000),
    },
    tracing: flag(get('tracing'), 'tracing', false),
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

/** A JSON object of strings by scope (`-c` delivers it as text, cdk.json as an object). */
export function scopeDescriptions(value: unknown): Record<string, string> | undefined {
  if (isUnset(value)) return undefined;
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new Error('context scopeDescriptions must be a JSON object of descriptions by scope');
    }
  }
  const entries = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? Object.entries(parsed) : [];
  if (entries.length === 0 || !entries.every(([, text]) => typeof text === 'string' && text.trim() !== '')) {
    throw new Error('context scopeDescriptions must be a JSON object of non-empty descriptions by scope');
  }
  return Object.fromEntries(entries as [string, string][]);
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
  if (!Number.isSafeInteger(n) || n < 1)
    throw new Error(`context ${key} must be a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

/** Cognito's own rule for a group name, checked at synth rather than by a failed deployment. */
function groupName(name: string): string {
  if (!/^[\p{L}\p{M}\p{S}\p{N}\p{P}]{1,128}$/u.test(name)) {
    throw new Error(`context adminGroupName must be 1-128 characters without whitespace, got ${JSON.stringify(name)}`);
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
      throw new Error(
        `context allowedOrigins: ${JSON.stringify(origin)} is not an origin like https://app.example.com`,
      );
    }
  }
  if (list.includes('*') && list.length > 1)
    throw new Error('context allowedOrigins: `*` cannot be combined with other origins');
  return [...new Set(list)];
}

/** Cognito's pattern for a prefix domain (1-63 characters), minus the words it reserves. */
function domainPrefix(value: unknown): string | undefined {
  if (isUnset(value)) return undefined;
  const prefix = text(value, 'authDomainPrefix', '');
  if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(prefix)) {
    throw new Error(
      `context authDomainPrefix must be 1-63 lowercase letters, digits and inner hyphens, got ${JSON.stringify(value)}`,
    );
  }
  const reserved = RESERVED_DOMAIN_WORDS.find((word) => prefix.includes(word));
  if (reserved)
    throw new Error(
      `context authDomainPrefix must not contain "${reserved}" (Cognito reserves it), got ${JSON.stringify(value)}`,
    );
  return prefix;
}

/**
 * A standard SNS topic's ARN (alarms cannot notify FIFO topics). It must be in the stack's own
 * region, which an environment-agnostic stack cannot check at synth time.
 */
function topicArn(value: unknown): string | undefined {
  if (isUnset(value)) return undefined;
  const arn = text(value, 'alarmTopicArn', '');
  if (!/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(arn)) {
    throw new Error(
      'context alarmTopicArn must be an SNS topic ARN like arn:aws:sns:eu-west-1:123456789012:alerts, ' +
        `got ${JSON.stringify(value)}`,
    );
  }
  return arn;
}

/** WAF accepts 10 to 2,000,000,000 requests per evaluation window. */
function wafRateLimit(value: unknown, key: string, fallback: number): number {
  const limit = count(value, key, fallback);
  if (limit < 10 || limit > 2_000_000_000) {
    throw new Error(`context ${key} must be between 10 and 2000000000, got ${JSON.stringify(value)}`);
  }
  return limit;
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
