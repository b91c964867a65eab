/**
 * List cost: how many items DynamoDB reads for every item a list route returns, and what a page
 * takes, in two workloads: tables of 1,000 and 100,000 tokens, 30 % of them expired and waiting
 * for TTL; and two users with the same live tokens, one of them also holding 2,000 expired
 * hourly access tokens. Runs the real list paths (domain `listTokens` and `connectedApps` over
 * `TokenRepository`, cursors signed and verified) against dynalite, in memory, each table in a
 * child process of its own (so the client's timings do not share a heap or an event loop with
 * the database).
 *
 * The section's prose is `bench/list-cost.md`, filled from the figures of the run.
 * Alone: `npx tsx bench/list-cost.ts` prints the section. `bench/run.ts` calls `run()`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Caller } from '../lambdas/domain/authorization';
import { connectedApps } from '../lambdas/domain/connected-apps';
import { TOKEN_TYPES, type TokenRecord } from '../lambdas/domain/token';
import type { ListQuery } from '../lambdas/domain/token-service';
import { listTokens } from '../lambdas/domain/token-service';
import type { ListRequest, RecordPage, TokenStore } from '../lambdas/domain/token-store';
import { type IndexDefinition, TOKEN_TABLE } from '../lambdas/store/table-definition';
import { TokenRepository } from '../lambdas/store/token-repository';
import { ensureTable } from '../local/dynamodb';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../local/local-aws';
import { documentClientFor, putRecords, type RunningDynalite } from '../test/support/dynalite';
import { PRICES } from './cost';
import {
  type BenchSection,
  type BudgetCheck,
  markdownTable,
  percentile,
  renderTemplate,
  runStandalone,
} from './section';

const ROOT = join(__dirname, '..');

// ---------------------------------------------------------------------------------------------
// The data set

/** Fixed "now" (2027-01-15T08:00:00Z): data and list calls share it, so every run reads the same. */
export const NOW = 1_800_000_000;
const HOUR = 3600;
const DAY = 24 * HOUR;
export const SEED = 5;
export const SIZES = [1_000, 100_000] as const;

const USERS = 1000;
const HEAVY_SHARE = 0.05; // 5,000 of 100,000; 50 of 1,000
const USERLESS_SHARE = 0.02; // client-credentials tokens (no userId)
const EXPIRED_SHARE = 0.3;
const REVOKED_SHARE = 0.2;
const CLIENTS = 50;
const LIFETIME = { access_token: HOUR, refresh_token: 30 * DAY } as const;
/** Share of access tokens among live and among expired records (the rest are refresh tokens). */
const ACCESS_SHARE = { live: 0.25, expired: 0.8 } as const;
const SCOPES = ['openid profile', 'read', 'read write', 'openid email', 'read write admin'];
const REASONS = ['signed out everywhere', 'lost device', 'app removed'];
/** Share of revoked records that carry a reason. */
const REASON_SHARE = 0.3;
/** How far back expired records were issued. */
const HISTORY_DAYS = 60;
/** σ of the users' log-normal activity weights. */
const ACTIVITY_SIGMA = 0.8;
/** Exponent of the apps' Zipf popularity. */
const ZIPF_S = 1;

/** mulberry32: a small seeded PRNG, so the data set is the same on every machine and run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffled(n: number, random: () => number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** Samples an index from weights, by binary search over their running sums. */
function sampler(weights: number[], random: () => number): () => number {
  const sums: number[] = [];
  let total = 0;
  for (const w of weights) {
    total += w;
    sums.push(total);
  }
  return () => {
    const x = random() * total;
    let lo = 0;
    let hi = sums.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sums[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
}

export interface Dataset {
  size: number;
  records: TokenRecord[];
  heavyUser: string;
  /** The user with the median token count among the others (not the heavy user) who hold a live token. */
  typicalUser: string;
  /** The most used app (Zipf rank 1). */
  popularClient: string;
  stats: Record<string, number>;
}

const userName = (i: number) => `user-${String(i).padStart(4, '0')}`;
const clientName = (i: number) => `app-${String(i + 1).padStart(2, '0')}`;

/**
 * `size` token records, reproducible from `seed`: exactly 30 % expired (not purged), exactly 20 %
 * revoked (independently of expiry), 2 % with no user; 1,000 users, one holding 5 % of all
 * tokens, the rest spread by log-normal weights (σ 0.8); 50 apps drawn Zipf (s = 1); lifetimes
 * 1 h (access) and 30 d (refresh), issue times within the last 60 days, consistent with expiry.
 */
export function generateDataset(size: number, seed = SEED): Dataset {
  const random = prng(seed * 1_000_003 + size);
  const heavyCount = Math.round(size * HEAVY_SHARE);
  const userlessCount = Math.round(size * USERLESS_SHARE);
  const normalUser = sampler(
    Array.from({ length: USERS - 1 }, () => {
      // Box–Muller: a standard normal, for log-normal user activity.
      const z = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
      return Math.exp(ACTIVITY_SIGMA * z);
    }),
    random,
  );
  const client = sampler(
    Array.from({ length: CLIENTS }, (_, k) => 1 / (k + 1) ** ZIPF_S),
    random,
  );
  const expired = new Set(shuffled(size, random).slice(0, Math.round(size * EXPIRED_SHARE)));
  const revoked = new Set(shuffled(size, random).slice(0, Math.round(size * REVOKED_SHARE)));
  const owner = shuffled(size, random); // position → which of heavy / userless / others
  const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo));

  const records: TokenRecord[] = [];
  for (let i = 0; i < size; i++) {
    const slot = owner[i]!;
    const userId =
      slot < heavyCount ? userName(0) : slot < heavyCount + userlessCount ? undefined : userName(1 + normalUser());
    const isExpired = expired.has(i);
    const tokenType =
      userId === undefined || random() < (isExpired ? ACCESS_SHARE.expired : ACCESS_SHARE.live)
        ? 'access_token'
        : 'refresh_token';
    const lifetime = LIFETIME[tokenType];
    // Live: issued within its lifetime. Expired: issued earlier, as far back as 60 days.
    const issuedAt = isExpired ? NOW - between(lifetime, HISTORY_DAYS * DAY) : NOW - between(0, lifetime - 1);
    const c = client();
    const record: TokenRecord = {
      tokenId: `tok_${Buffer.from(Array.from({ length: 16 }, () => Math.floor(random() * 256))).toString('base64url')}`,
      ...(userId !== undefined && { userId }),
      clientId: clientName(c),
      clientName: `Example App ${c + 1}`,
      tokenType,
      scope: tokenType === 'refresh_token' ? `${SCOPES[c % SCOPES.length]} offline_access` : SCOPES[c % SCOPES.length]!,
      issuedAt,
      expiresAt: issuedAt + lifetime,
    };
    if (revoked.has(i)) {
      record.revokedAt = issuedAt + Math.floor(random() * (Math.min(record.expiresAt, NOW) - issuedAt));
      record.revokedBy = userId ?? `client:${record.clientId}`;
      if (random() < REASON_SHARE) record.revokeReason = REASONS[Math.floor(random() * REASONS.length)];
    }
    records.push(record);
  }

  const perUser = new Map<string, number>();
  for (const r of records) if (r.userId) perUser.set(r.userId, (perUser.get(r.userId) ?? 0) + 1);
  const withLive = new Set(records.filter((r) => r.userId && r.expiresAt > NOW).map((r) => r.userId));
  const normal = [...perUser]
    .filter(([u]) => u !== userName(0) && withLive.has(u))
    .sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
  const typical = normal[Math.floor(normal.length / 2)]!;
  const perClient = new Map<string, number>();
  for (const r of records) perClient.set(r.clientId, (perClient.get(r.clientId) ?? 0) + 1);
  const live = (r: TokenRecord) => r.expiresAt > NOW;
  return {
    size,
    records,
    heavyUser: userName(0),
    typicalUser: typical[0],
    popularClient: clientName(0),
    stats: {
      tokens: size,
      live: records.filter(live).length,
      expired: records.filter((r) => !live(r)).length,
      revoked: records.filter((r) => r.revokedAt !== undefined).length,
      accessTokens: records.filter((r) => r.tokenType === 'access_token').length,
      userless: records.filter((r) => r.userId === undefined).length,
      usersWithTokens: perUser.size,
      heavyUserTokens: perUser.get(userName(0)) ?? 0,
      typicalUserTokens: typical[1],
      typicalUserLive: records.filter((r) => r.userId === typical[0] && live(r)).length,
      popularClientTokens: perClient.get(clientName(0)) ?? 0,
    },
  };
}

/** The expired-heavy workload: hourly access tokens waiting for a late TTL. */
export const LAG = {
  /** Live tokens of each of the two users: refresh tokens, some revoked. */
  live: 20,
  revokedLive: 4,
  /** Expired access tokens of the lagging user, issued after its live tokens. */
  expired: 2_000,
  /** How late TTL may delete an expired record; the expired tokens were issued over this span. */
  ttlLagHours: 48,
  /** How long ago the live tokens were issued, at the most recent. */
  liveIssuedDaysAgo: 3,
} as const;

export interface LagPair {
  records: TokenRecord[];
  /** Holds the live tokens alone. */
  steadyUser: string;
  /** Holds the same live tokens and the expired ones. */
  laggingUser: string;
}

/**
 * Two users with the same live tokens (refresh tokens issued days ago, valid for 30 days, every
 * fifth revoked), the second also holding access tokens of an hour each, issued after those,
 * evenly over the span TTL may lag, and all expired by now: what an app refreshing hourly leaves
 * behind when TTL runs late.
 */
export function generateLagPair(): LagPair {
  const steadyUser = 'steady-user';
  const laggingUser = 'lagging-user';
  const records: TokenRecord[] = [];
  const tokenId = (userId: string, n: number) => `tok_${userId}-${String(n).padStart(5, '0')}`;
  for (const userId of [steadyUser, laggingUser]) {
    for (let i = 0; i < LAG.live; i++) {
      const issuedAt = NOW - LAG.liveIssuedDaysAgo * DAY - i * HOUR;
      records.push({
        tokenId: tokenId(userId, i),
        userId,
        clientId: clientName(i % 5),
        clientName: `Example App ${(i % 5) + 1}`,
        tokenType: 'refresh_token',
        scope: `${SCOPES[i % SCOPES.length]} offline_access`,
        issuedAt,
        expiresAt: issuedAt + LIFETIME.refresh_token,
        ...(i % (LAG.live / LAG.revokedLive) === 0 && { revokedAt: issuedAt + HOUR, revokedBy: userId }),
      });
    }
  }
  const span = LAG.ttlLagHours * HOUR - LIFETIME.access_token;
  for (let i = 0; i < LAG.expired; i++) {
    const issuedAt = NOW - LIFETIME.access_token - Math.floor((i * span) / LAG.expired);
    records.push({
      tokenId: tokenId(laggingUser, LAG.live + i),
      userId: laggingUser,
      clientId: clientName(i % 5),
      clientName: `Example App ${(i % 5) + 1}`,
      tokenType: 'access_token',
      scope: SCOPES[i % SCOPES.length]!,
      issuedAt,
      expiresAt: issuedAt + LIFETIME.access_token,
    });
  }
  return { records, steadyUser, laggingUser };
}

/**
 * A record's size as DynamoDB counts it: each attribute's name in UTF-8, plus a string's UTF-8
 * bytes or a number's 1 byte per two significant digits and 1 more.
 */
export function itemBytes(record: TokenRecord): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(record)) {
    bytes += Buffer.byteLength(name);
    if (typeof value === 'string') bytes += Buffer.byteLength(value);
    else
      bytes +=
        Math.ceil(
          String(value)
            .replace(/^0+|0+$/g, '')
            .replace('.', '').length / 2,
        ) + 1;
  }
  return bytes;
}

// ---------------------------------------------------------------------------------------------
// dynalite in its own process

interface Database extends RunningDynalite {
  child: ChildProcess;
}

async function startDatabase(): Promise<Database> {
  const script =
    "const d = require('dynalite')({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });" +
    "d.listen(0, '127.0.0.1', () => console.log(d.address().port));";
  const child = spawn(process.execPath, ['-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const orphanGuard = () => child.kill('SIGKILL');
  process.once('exit', orphanGuard); // a crashed run must not leave dynalite behind
  const lines = createInterface({ input: child.stdout! });
  const [port] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(() => {
      throw new Error('dynalite exited before it listened');
    }),
  ])) as [string];
  lines.close();
  const endpoint = `http://127.0.0.1:${port.trim()}`;
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  const tableName = `bench-${randomBytes(4).toString('hex')}`;
  await ensureTable(client, tableName);
  const stop = async () => {
    process.removeListener('exit', orphanGuard);
    client.destroy();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  };
  return { endpoint, client, documentClient: documentClientFor(client), tableName, child, stop };
}

// ---------------------------------------------------------------------------------------------
// Measuring

/** The repository, with the items its lists read counted for the bench (listTokens drops the count). */
class CountingStore implements TokenStore {
  /** Items read by every list call so far. */
  itemsRead = 0;
  /** DynamoDB calls so far, counted by a middleware on the document client. */
  calls = 0;
  constructor(private readonly inner: TokenRepository) {}
  async list(request: ListRequest): Promise<RecordPage> {
    const page = await this.inner.list(request);
    this.itemsRead += page.itemsRead;
    return page;
  }
  get = (id: string) => this.inner.get(id);
  create: TokenStore['create'] = (r) => this.inner.create(r);
  revoke: TokenStore['revoke'] = (r) => this.inner.revoke(r);
  touch: TokenStore['touch'] = (id, now, min) => this.inner.touch(id, now, min);
  children: TokenStore['children'] = (id, now) => this.inner.children(id, now);
}

/** Who asks for a list: a data set's heavy or typical user, its most used app, or one user of the lag pair. */
interface Subject {
  user: string;
  client: string;
}

interface Scenario {
  id: string;
  label: string;
  route: 'list-own-tokens' | 'list-all-tokens' | 'list-apps';
  caller: (s: Subject) => Caller;
  /** The admin list's `userId` filter rides along with the query, as on the wire. */
  query: (s: Subject) => ListQuery & { userId?: string };
  /** Pages per walk at most (the unfiltered admin list is capped). */
  maxPages?: number;
  /** Held to the latency budget 100k ÷ 1k; bench/list-cost.md says why the typical user is not. */
  latencyBudget: boolean;
}

const PAGE = 20;
const ADMIN: Caller = { sub: 'bench-admin', isAdmin: true };
const UNFILTERED_CAP = 50;
const own = (s: Subject): Caller => ({ sub: s.user, isAdmin: false });

const SCENARIOS: Scenario[] = [
  {
    id: 'own-heavy',
    label: 'GET tokens, heavy user',
    route: 'list-own-tokens',
    caller: own,
    query: () => ({}),
    latencyBudget: true,
  },
  {
    id: 'own-typical',
    label: 'GET tokens, typical user',
    route: 'list-own-tokens',
    caller: own,
    query: () => ({}),
    latencyBudget: false,
  },
  {
    id: 'admin-all',
    label: `GET admin/tokens, unfiltered (first ${UNFILTERED_CAP} pages)`,
    route: 'list-all-tokens',
    caller: () => ADMIN,
    query: () => ({}),
    maxPages: UNFILTERED_CAP,
    latencyBudget: true,
  },
  {
    id: 'admin-user',
    label: 'GET admin/tokens?userId=heavy user',
    route: 'list-all-tokens',
    caller: () => ADMIN,
    query: (s) => ({ userId: s.user }),
    latencyBudget: true,
  },
  {
    id: 'admin-client',
    label: 'GET admin/tokens?clientId=most used app',
    route: 'list-all-tokens',
    caller: () => ADMIN,
    query: (s) => ({ clientId: s.client }),
    latencyBudget: true,
  },
];

/** The lag pair's lists, each asked by both of its users. */
const LAG_SCENARIOS: Scenario[] = (
  [
    { id: 'own', label: 'GET tokens', route: 'list-own-tokens', caller: own, query: () => ({}) },
    {
      id: 'own-active',
      label: 'GET tokens?status=active',
      route: 'list-own-tokens',
      caller: own,
      query: () => ({ status: 'active' }),
    },
    {
      id: 'own-revoked',
      label: 'GET tokens?status=revoked',
      route: 'list-own-tokens',
      caller: own,
      query: () => ({ status: 'revoked' }),
    },
    {
      id: 'admin-user',
      label: 'GET admin/tokens?userId=',
      route: 'list-all-tokens',
      caller: () => ADMIN,
      query: (s) => ({ userId: s.user }),
    },
    { id: 'apps', label: 'GET apps', route: 'list-apps', caller: own, query: () => ({}) },
  ] satisfies Omit<Scenario, 'latencyBudget'>[]
).map((s) => ({ ...s, latencyBudget: true }));

interface PageSample {
  ms: number;
  returned: number;
  read: number;
  /** Whether the page had a nextCursor. */
  more: boolean;
  /** DynamoDB Query/Scan calls that made the page. */
  calls: number;
}

const CURSOR_SECRET = randomBytes(32);

/**
 * One page of a list: from `cursor`, or the first page without one. GET apps is one answer, not
 * paged: its "returned" is the active tokens it summarizes, which is what it reads them for.
 */
async function page(
  store: CountingStore,
  subject: Subject,
  s: Scenario,
  cursor: string | undefined,
): Promise<PageSample & { cursor?: string }> {
  const caller = s.caller(subject);
  const query = { ...s.query(subject), limit: PAGE };
  const readBefore = store.itemsRead;
  const callsBefore = store.calls;
  const started = process.hrtime.bigint();
  let returned: number;
  let next: string | undefined;
  if (s.route === 'list-apps') {
    const answer = await connectedApps(store, caller.sub, NOW);
    returned = answer.items.reduce((n, app) => n + app.activeTokens, 0);
  } else {
    const answer = await listTokens(
      store,
      { ...query, cursor },
      {
        route: s.route,
        caller,
        userId: s.route === 'list-own-tokens' ? caller.sub : query.userId,
        cursorSecret: CURSOR_SECRET,
        now: NOW,
      },
    );
    returned = answer.items.length;
    next = answer.nextCursor ?? undefined;
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return {
    ms,
    returned,
    read: store.itemsRead - readBefore,
    calls: store.calls - callsBefore,
    more: next !== undefined,
    cursor: next,
  };
}

/** Follows nextCursor from the first page until null (or `maxPages`). */
async function walk(store: CountingStore, subject: Subject, s: Scenario, maxPages = s.maxPages): Promise<PageSample[]> {
  const pages: PageSample[] = [];
  let cursor: string | undefined;
  do {
    const p = await page(store, subject, s, cursor);
    pages.push(p);
    cursor = p.cursor;
  } while (cursor && pages.length < (maxPages ?? Infinity));
  return pages;
}

/** Timed pages per list and table size (fewer if MAX_SAMPLING_MS runs out first). */
const PAGE_SAMPLES = 300;
const MAX_SAMPLING_MS = 20_000;
/** First pages alone, timed separately: a walk has only one. */
const FIRST_PAGE_SAMPLES = 100;
/** The lag pair's lists fit in one page: first pages, timed per user. */
const LAG_SAMPLES = 300;

interface ScenarioFigures {
  pages: number;
  returned: number;
  read: number;
  readPerReturned: number;
  firstPageReturned: number;
  firstPageRead: number;
  firstPageReadPerReturned: number;
  /** DynamoDB calls per page, mean over the walk. */
  callsPerPage: number;
  firstPageCalls: number;
  capped: boolean;
  latencySamples: number;
  p50Ms: number;
  p95Ms: number;
  firstPageP50Ms: number;
  firstPageP95Ms: number;
}

const round = (x: number, digits = 2) => Number(x.toFixed(digits));

function figures(firstWalk: PageSample[], timed: number[], firstPagesMs: number[]): ScenarioFigures {
  const returned = firstWalk.reduce((n, p) => n + p.returned, 0);
  const read = firstWalk.reduce((n, p) => n + p.read, 0);
  const first = firstWalk[0]!;
  return {
    pages: firstWalk.length,
    returned,
    read,
    readPerReturned: round(read / Math.max(returned, 1)),
    firstPageReturned: first.returned,
    firstPageRead: first.read,
    firstPageReadPerReturned: round(first.read / Math.max(first.returned, 1)),
    callsPerPage: round(firstWalk.reduce((n, p) => n + p.calls, 0) / firstWalk.length),
    firstPageCalls: first.calls,
    capped: firstWalk.at(-1)!.more,
    latencySamples: timed.length,
    p50Ms: round(percentile(timed, 50)),
    p95Ms: round(percentile(timed, 95)),
    firstPageP50Ms: round(percentile(firstPagesMs, 50)),
    firstPageP95Ms: round(percentile(firstPagesMs, 95)),
  };
}

/** One list asked of several stores at once, each by its own subject. */
interface Side {
  store: CountingStore;
  subject: Subject;
}

/**
 * One list on every side (table size, or user of the lag pair). First a full walk each, for the
 * read counts (deterministic; it also warms up). Then latency: the sides take turns page by
 * page, each walking its list round and round (restarting at the end or the cap), so that all
 * sample the same moments of machine noise; then first pages alone, taking turns the same way.
 */
async function measureScenario(sides: Side[], s: Scenario, samples: number, firstPages: number) {
  const counted: PageSample[][] = [];
  for (const side of sides) counted.push(await walk(side.store, side.subject, s));
  const timed: number[][] = sides.map(() => []);
  const cursors: (string | undefined)[] = sides.map(() => undefined);
  const pagesIntoWalk = sides.map(() => 0);
  const started = Date.now();
  while (timed[0]!.length < samples && Date.now() - started < MAX_SAMPLING_MS) {
    for (const [i, side] of sides.entries()) {
      const p = await page(side.store, side.subject, s, cursors[i]);
      timed[i]!.push(p.ms);
      pagesIntoWalk[i]! += 1;
      const atCap = pagesIntoWalk[i]! >= (s.maxPages ?? Infinity);
      cursors[i] = atCap ? undefined : p.cursor;
      if (!cursors[i]) pagesIntoWalk[i] = 0;
    }
  }
  const firstPagesMs: number[][] = sides.map(() => []);
  for (let n = 0; n < firstPages; n++) {
    for (const [i, side] of sides.entries()) {
      firstPagesMs[i]!.push((await page(side.store, side.subject, s, undefined)).ms);
    }
  }
  return sides.map((_, i) => figures(counted[i]!, timed[i]!, firstPagesMs[i]!));
}

// ---------------------------------------------------------------------------------------------
// The section

const RATIO_BUDGET = 1.25;
const LATENCY_BUDGET = 1.2;
/** DynamoDB's write capacity per partition, per second: an index partition takes no more. */
const PARTITION_WRITES_PER_SECOND = 1000;
/** Bytes per read unit of an eventually consistent Query or Scan (4 KB, halved). */
const BYTES_PER_READ_UNIT = 8192;

interface LoadFigures {
  size: number;
  generateMs: number;
  loadSeconds: number;
  itemsPerSecond: number;
}

type ScenarioResults = Record<string, { label: string; bySize: Record<number, ScenarioFigures> }>;
type LagResults = Record<string, { label: string; steady: ScenarioFigures; lagging: ScenarioFigures }>;

/** A list's first-page p50 with the expired records ÷ without them. */
const lagRatio = (lagged: LagResults, id: string) =>
  lagged[id]!.lagging.firstPageP50Ms / lagged[id]!.steady.firstPageP50Ms;

const subjectIn = (d: Dataset, s: Scenario): Subject => ({
  user: s.id === 'own-typical' ? d.typicalUser : d.heavyUser,
  client: d.popularClient,
});

async function startLoaded(records: TokenRecord[]): Promise<{ db: Database; load: Omit<LoadFigures, 'size'> }> {
  const db = await startDatabase();
  const t = Date.now();
  await putRecords(db, records);
  const loadSeconds = (Date.now() - t) / 1000;
  return {
    db,
    load: {
      generateMs: 0,
      loadSeconds: round(loadSeconds, 1),
      itemsPerSecond: Math.round(records.length / loadSeconds),
    },
  };
}

function countingStore(db: Database): CountingStore {
  const store = new CountingStore(new TokenRepository(db.documentClient, db.tableName));
  db.documentClient.middlewareStack.add(
    (next) => (args) => {
      store.calls++;
      return next(args);
    },
    { step: 'initialize', name: 'benchCallCounter' },
  );
  return store;
}

export async function run(): Promise<BenchSection> {
  const started = Date.now();
  const loadBefore = loadavg()[0]!;
  const datasets: Dataset[] = [];
  const databases: Database[] = [];
  const loads: LoadFigures[] = [];
  try {
    for (const size of SIZES) {
      const t0 = Date.now();
      const d = generateDataset(size);
      const generateMs = Date.now() - t0;
      const { db, load } = await startLoaded(d.records);
      databases.push(db);
      datasets.push(d);
      loads.push({ ...load, size, generateMs });
      console.error(`list-cost: ${size} tokens generated in ${generateMs} ms, loaded in ${load.loadSeconds} s`);
    }
    const lag = generateLagPair();
    const lagDb = await startLoaded(lag.records);
    databases.push(lagDb.db);
    const [smallStore, largeStore, lagStore] = databases.map(countingStore) as [
      CountingStore,
      CountingStore,
      CountingStore,
    ];
    const sidesOf = (s: Scenario): Side[] =>
      [smallStore, largeStore].map((store, i) => ({ store, subject: subjectIn(datasets[i]!, s) }));
    const lagSides: Side[] = [lag.steadyUser, lag.laggingUser].map((user) => ({
      store: lagStore,
      subject: { user, client: clientName(0) },
    }));
    // Warm-up (JIT, connections): a few pages of every list on every table, untimed.
    for (const s of SCENARIOS) for (const side of sidesOf(s)) await walk(side.store, side.subject, s, 20);
    for (const s of LAG_SCENARIOS) for (const side of lagSides) await walk(side.store, side.subject, s, 20);

    const scenarios: ScenarioResults = {};
    for (const s of SCENARIOS) {
      const t = Date.now();
      const results = await measureScenario(sidesOf(s), s, PAGE_SAMPLES, FIRST_PAGE_SAMPLES);
      scenarios[s.id] = { label: s.label, bySize: Object.fromEntries(SIZES.map((size, i) => [size, results[i]!])) };
      console.error(`list-cost: ${s.label} measured in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    }
    const lagged: LagResults = {};
    for (const s of LAG_SCENARIOS) {
      const [steady, lagging] = await measureScenario(lagSides, s, 0, LAG_SAMPLES);
      lagged[s.id] = { label: s.label, steady: steady!, lagging: lagging! };
      console.error(`list-cost: ${s.label}, with and without expired records, measured`);
    }
    const seconds = round((Date.now() - started) / 1000, 1);
    const machineLoad = { before: round(loadBefore), after: round(loadavg()[0]!) };
    return section({ datasets, loads, scenarios, lag, lagLoad: lagDb.load, lagged, seconds, machineLoad });
  } finally {
    for (const db of databases) await db.stop();
  }
}

/** "byUser (userId, expiresAt), …" from the table definition, so the text cannot drift from it. */
function indexSummary(): string {
  return Object.entries(TOKEN_TABLE.indexes)
    .map(([name, i]) => `${name} (${i.partitionKey.name}, ${i.sortKey.name})`)
    .join(', ');
}

/** Write units one write of this record takes: the table, and each index whose keys it has. */
function writeUnits(record: TokenRecord): number {
  const attributes = record as unknown as Record<string, unknown>;
  const indexes = Object.values(TOKEN_TABLE.indexes).filter(
    (i: IndexDefinition) => attributes[i.partitionKey.name] !== undefined && attributes[i.sortKey.name] !== undefined,
  );
  return 1 + indexes.length;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const count = (n: number) => n.toLocaleString('en-US');
const fixed = (x: number, digits = 2) => x.toFixed(digits);
const percent = (share: number) => String(Math.round(share * 100));

interface SectionInput {
  datasets: Dataset[];
  loads: LoadFigures[];
  scenarios: ScenarioResults;
  lag: LagPair;
  lagLoad: Omit<LoadFigures, 'size'>;
  lagged: LagResults;
  seconds: number;
  machineLoad: { before: number; after: number };
}

function section(input: SectionInput): BenchSection {
  const { datasets, loads, scenarios, lagged, seconds, machineLoad } = input;
  const [small, large] = SIZES;
  const budgets: BudgetCheck[] = [];
  for (const s of SCENARIOS) {
    const { label, bySize } = scenarios[s.id]!;
    const a = bySize[small]!;
    const b = bySize[large]!;
    budgets.push({
      name: `${label}: items read per item returned, full walk${b.capped ? ' (capped)' : ''}`,
      target: `≤ ${RATIO_BUDGET}`,
      measured: `${fixed(b.readPerReturned)} at 100k (${fixed(a.readPerReturned)} at 1k)`,
      met: a.readPerReturned <= RATIO_BUDGET && b.readPerReturned <= RATIO_BUDGET,
    });
    budgets.push({
      name: `${label}: items read per item returned, first page`,
      target: `≤ ${RATIO_BUDGET}`,
      measured: `${fixed(b.firstPageReadPerReturned)} at 100k (${fixed(a.firstPageReadPerReturned)} at 1k)`,
      met: a.firstPageReadPerReturned <= RATIO_BUDGET && b.firstPageReadPerReturned <= RATIO_BUDGET,
    });
    const ratio = b.p50Ms / a.p50Ms;
    if (s.latencyBudget)
      budgets.push({
        name: `${label}: p50 per page, 100k ÷ 1k`,
        target: `≤ ${LATENCY_BUDGET}`,
        measured: `${fixed(ratio)} (${fixed(b.p50Ms, 1)} ms vs ${fixed(a.p50Ms, 1)} ms)`,
        met: ratio <= LATENCY_BUDGET,
      });
  }
  const expiredLabel = `${count(LAG.expired)} expired`;
  for (const s of LAG_SCENARIOS) {
    const { label, steady, lagging } = lagged[s.id]!;
    budgets.push({
      name: `${label}, ${LAG.live} live + ${expiredLabel}: items read per item returned`,
      target: `≤ ${RATIO_BUDGET}`,
      measured: `${fixed(lagging.readPerReturned)} (${fixed(steady.readPerReturned)} with none expired)`,
      met: lagging.readPerReturned <= RATIO_BUDGET,
    });
    budgets.push({
      name: `${label}: p50 with ${expiredLabel} ÷ p50 with none`,
      target: `≤ ${LATENCY_BUDGET}`,
      measured:
        `${fixed(lagRatio(lagged, s.id))} ` +
        `(${fixed(lagging.firstPageP50Ms, 1)} ms vs ${fixed(steady.firstPageP50Ms, 1)} ms)`,
      met: lagRatio(lagged, s.id) <= LATENCY_BUDGET,
    });
  }

  const datasetTable = markdownTable(
    ['', ...SIZES.map((s) => `${count(s)} tokens`)],
    [
      ['live (not expired)', ...datasets.map((d) => d.stats.live!)],
      ['expired, not purged', ...datasets.map((d) => d.stats.expired!)],
      ['revoked (live or not)', ...datasets.map((d) => d.stats.revoked!)],
      ['access tokens', ...datasets.map((d) => d.stats.accessTokens!)],
      ['with no user', ...datasets.map((d) => d.stats.userless!)],
      ['users holding tokens', ...datasets.map((d) => d.stats.usersWithTokens!)],
      ['heavy user holds', ...datasets.map((d) => d.stats.heavyUserTokens!)],
      [
        'typical (median) user holds (live)',
        ...datasets.map((d) => `${d.stats.typicalUserTokens} (${d.stats.typicalUserLive})`),
      ],
      ['most used app holds', ...datasets.map((d) => d.stats.popularClientTokens!)],
      ['generated in (ms)', ...loads.map((l) => l.generateMs)],
      ['loaded in (s)', ...loads.map((l) => l.loadSeconds)],
      ['load rate (items/s)', ...loads.map((l) => l.itemsPerSecond)],
    ],
  );
  const rows: (string | number)[][] = [];
  for (const { label, bySize } of Object.values(scenarios)) {
    for (const size of SIZES) {
      const f = bySize[size]!;
      rows.push([
        label,
        count(size),
        `${f.pages}${f.capped ? ' (cap)' : ''}`,
        f.returned,
        f.read,
        fixed(f.readPerReturned),
        `${f.firstPageRead}/${f.firstPageReturned} = ${fixed(f.firstPageReadPerReturned)}`,
        fixed(f.callsPerPage),
        fixed(f.p50Ms, 1),
        fixed(f.p95Ms, 1),
        fixed(f.firstPageP50Ms, 1),
        f.latencySamples,
      ]);
    }
  }
  const scenarioTable = markdownTable(
    [
      'list',
      'tokens',
      'pages',
      'returned',
      'read',
      'read ÷ returned',
      'first page read/returned',
      'DynamoDB calls/page',
      'p50 ms/page',
      'p95 ms/page',
      'first page p50 ms',
      'pages timed',
    ],
    rows,
  );
  const lagRows: (string | number)[][] = [];
  for (const s of LAG_SCENARIOS) {
    const { label, steady, lagging } = lagged[s.id]!;
    for (const [who, f] of [
      ['none expired', steady],
      [expiredLabel, lagging],
    ] as const) {
      lagRows.push([
        label,
        who,
        f.returned,
        f.read,
        fixed(f.readPerReturned),
        f.firstPageCalls,
        fixed(f.firstPageP50Ms, 1),
        fixed(f.firstPageP95Ms, 1),
        f === steady ? '—' : fixed(lagRatio(lagged, s.id)),
      ]);
    }
  }
  const lagTable = markdownTable(
    [
      `list (${LAG.live} live tokens)`,
      'expired records held',
      'returned',
      'read',
      'read ÷ returned',
      'DynamoDB calls, first page',
      'first page p50 ms',
      'first page p95 ms',
      'p50 ÷ p50 with none expired',
    ],
    lagRows,
  );
  const options = rejectedOptions(input);
  const optionsTable = markdownTable(
    ['unfiltered admin list', 'items read per item returned', 'write units per token write', 'writes a second'],
    [
      ['Scan of the table (kept)', fixed(options.scanRatio), fixed(options.writeUnitsNow), 'no index limit'],
      [
        'index on (tokenType, expiresAt)',
        `${fixed(options.clientRatio)}, as byClient`,
        fixed(options.writeUnitsNow + 1),
        `about ${count(PARTITION_WRITES_PER_SECOND)} per token type`,
      ],
      [
        'delete expired records ahead of TTL',
        `${fixed(options.clientRatio)} just after a sweep, more as records expire`,
        `${fixed(options.deleteUnits)} more per expired record`,
        'no index limit',
      ],
    ],
  );

  const prose = renderTemplate(join(__dirname, 'list-cost.md'), templateValues(input, options));
  return {
    key: 'listCost',
    title: 'List cost: items read per item returned, and page latency',
    method: prose.method!,
    tables: [datasetTable, scenarioTable, lagTable, optionsTable].join('\n\n'),
    notes: prose.notes!,
    results: {
      seed: SEED,
      now: NOW,
      pageSize: PAGE,
      unfilteredCapPages: UNFILTERED_CAP,
      seconds,
      loadAverage1m: machineLoad,
      datasets: datasets.map((d) => ({
        ...d.stats,
        heavyUser: d.heavyUser,
        typicalUser: d.typicalUser,
        popularClient: d.popularClient,
      })),
      loads,
      scenarios,
      expiredHeavy: { workload: LAG, load: input.lagLoad, lists: lagged },
      unfilteredOptions: options,
    },
    targets: budgets,
  };
}

/** What each way of skipping expired records in the unfiltered admin list would cost, from the data. */
function rejectedOptions({ datasets, scenarios }: SectionInput) {
  const large = datasets[datasets.length - 1]!;
  const expired = large.records.filter((r) => r.expiresAt <= NOW);
  const expiredBytes = mean(expired.map(itemBytes));
  const readUnitsPerExpired = expiredBytes / BYTES_PER_READ_UNIT;
  const scanRead = PRICES.dynamoReadPerMillionUnits * readUnitsPerExpired;
  const deleteUnits = mean(expired.map(writeUnits));
  return {
    scanRatio: scenarios['admin-all']!.bySize[large.size]!.readPerReturned,
    /** What a Query whose key condition skips expired records reads: the list by client's ratio. */
    clientRatio: scenarios['admin-client']!.bySize[large.size]!.readPerReturned,
    expiredBytes: round(expiredBytes, 0),
    readUnitsPerExpired: round(readUnitsPerExpired, 3),
    writeUnitsNow: round(mean(large.records.map(writeUnits))),
    deleteUnits: round(deleteUnits),
    /** Scan reads of an expired record that cost what one more write unit costs. */
    byTypeBreakEven: Math.round(PRICES.dynamoWritePerMillionUnits / scanRead),
    /** Scan reads of an expired record that cost what deleting it costs. */
    sweepBreakEven: Math.round((deleteUnits * PRICES.dynamoWritePerMillionUnits) / scanRead),
  };
}

const dynaliteVersion = (): string =>
  (JSON.parse(readFileSync(join(ROOT, 'node_modules', 'dynalite', 'package.json'), 'utf8')) as { version: string })
    .version;

/** Every value the prose template (bench/list-cost.md) names. */
function templateValues(input: SectionInput, options: ReturnType<typeof rejectedOptions>): Record<string, string> {
  const { datasets, scenarios, lag, lagged, seconds, machineLoad } = input;
  const [smallSet, largeSet] = datasets as [Dataset, Dataset];
  const [small, large] = SIZES;
  const at = (id: string, size: number) => scenarios[id]!.bySize[size]!;
  const ownLagging = lagged.own!.lagging;
  return {
    dynaliteVersion: dynaliteVersion(),
    indexes: indexSummary(),
    pageSize: String(PAGE),
    unfilteredCap: String(UNFILTERED_CAP),
    smallSize: count(small),
    largeSize: count(large),
    seed: String(SEED),
    now: new Date(NOW * 1000).toISOString(),
    expiredPct: percent(EXPIRED_SHARE),
    revokedPct: percent(REVOKED_SHARE),
    userlessPct: percent(USERLESS_SHARE),
    users: count(USERS),
    heavyPct: percent(HEAVY_SHARE),
    heavyLarge: count(largeSet.stats.heavyUserTokens!),
    heavySmall: count(smallSet.stats.heavyUserTokens!),
    sigma: String(ACTIVITY_SIGMA),
    clients: String(CLIENTS),
    zipf: String(ZIPF_S),
    popularPct: percent(largeSet.stats.popularClientTokens! / large),
    accessHours: String(LIFETIME.access_token / HOUR),
    refreshDays: String(LIFETIME.refresh_token / DAY),
    liveAccessPct: percent(ACCESS_SHARE.live),
    expiredAccessPct: percent(ACCESS_SHARE.expired),
    historyDays: String(HISTORY_DAYS),
    reasonPct: percent(REASON_SHARE),
    pageSamples: String(PAGE_SAMPLES),
    samplingSeconds: String(MAX_SAMPLING_MS / 1000),
    firstPageSamples: String(FIRST_PAGE_SAMPLES),
    typicalSmall: String(smallSet.stats.typicalUserTokens),
    typicalSmallReturned: String(at('own-typical', small).firstPageReturned),
    typicalLargeReturned: String(at('own-typical', large).firstPageReturned),
    lagLive: String(LAG.live),
    lagLiveDaysAgo: String(LAG.liveIssuedDaysAgo),
    lagRevoked: String(LAG.revokedLive),
    lagExpired: count(LAG.expired),
    lagHours: String(LAG.ttlLagHours),
    lagPerHour: String(Math.round(LAG.expired / (LAG.ttlLagHours - LIFETIME.access_token / HOUR))),
    lagRecords: count(lag.records.length),
    lagLoadSeconds: String(input.lagLoad.loadSeconds),
    lagSamples: String(LAG_SAMPLES),
    ratioBudget: String(RATIO_BUDGET),
    filterRoom: String(Math.round(RATIO_BUDGET / (RATIO_BUDGET - 1))),
    latencyBudget: String(LATENCY_BUDGET),
    ownReadLagging: count(ownLagging.read),
    ownReturnedLagging: count(ownLagging.returned),
    ownRatioLagging: fixed(ownLagging.readPerReturned),
    ownP50Lagging: fixed(ownLagging.firstPageP50Ms, 1),
    ownP50Steady: fixed(lagged.own!.steady.firstPageP50Ms, 1),
    ownP50Ratio: fixed(lagRatio(lagged, 'own')),
    adminRatioLagging: fixed(lagged['admin-user']!.lagging.readPerReturned),
    adminP50Ratio: fixed(lagRatio(lagged, 'admin-user')),
    heavyRatio: fixed(at('own-heavy', large).readPerReturned),
    clientRatio: fixed(options.clientRatio),
    activeRatio: fixed(lagged['own-active']!.lagging.readPerReturned),
    revokedRatio: fixed(lagged['own-revoked']!.lagging.readPerReturned),
    revokedShareForBudget: percent(1 / RATIO_BUDGET),
    appsRatio: fixed(lagged.apps!.lagging.readPerReturned),
    revokedP50Ratio: fixed(lagRatio(lagged, 'own-revoked')),
    appsP50Ratio: fixed(lagRatio(lagged, 'apps')),
    scanRatio: fixed(options.scanRatio),
    tokenTypes: String(TOKEN_TYPES.length),
    writeUnitsNow: fixed(options.writeUnitsNow),
    writeUnitsByType: fixed(options.writeUnitsNow + 1),
    partitionWrites: count(PARTITION_WRITES_PER_SECOND),
    byTypeBreakEven: count(options.byTypeBreakEven),
    expiredBytes: String(options.expiredBytes),
    readUnitsPerExpired: String(options.readUnitsPerExpired),
    deleteUnits: fixed(options.deleteUnits),
    sweepBreakEven: count(options.sweepBreakEven),
    scanExtra: fixed(options.scanRatio - 1),
    heavyCallsLarge: fixed(at('own-heavy', large).callsPerPage),
    heavyCallsSmall: fixed(at('own-heavy', small).callsPerPage),
    loadBefore: String(machineLoad.before),
    loadAfter: String(machineLoad.after),
    seconds: String(seconds),
  };
}

if (require.main === module) runStandalone(run);
