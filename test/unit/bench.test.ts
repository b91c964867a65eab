/**
 * The benchmark's own arithmetic and data: if these drift, BENCHMARKS.md reports numbers about
 * a different data set or prices than it says.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { costPerMillion, PRICES, ROUTE_UNITS } from '../../bench/cost';
import { generateDataset, generateLagPair, itemBytes, LAG, NOW } from '../../bench/list-cost';
import { percentile, renderTemplate } from '../../bench/section';

describe('list-cost data set', () => {
  const d = generateDataset(1_000);
  const live = d.records.filter((r) => r.expiresAt > NOW);

  it('is the same records on every run', () => {
    expect(generateDataset(1_000).records).toStrictEqual(d.records);
    expect(generateDataset(1_000, 6).records).not.toStrictEqual(d.records);
  });

  it('has exactly its shares of expired, revoked, heavy-user and userless records', () => {
    expect(d.records).toHaveLength(1_000);
    expect(d.records.length - live.length).toBe(300); // 30 % expired, not purged
    expect(d.records.filter((r) => r.revokedAt !== undefined)).toHaveLength(200); // 20 % revoked
    expect(new Set(d.records.map((r) => r.userId).filter(Boolean)).size).toBeLessThanOrEqual(1_000);
    expect(d.records.filter((r) => r.userId === d.heavyUser)).toHaveLength(50); // 5 % (5,000 of 100k)
    expect(d.records.filter((r) => r.userId === undefined)).toHaveLength(20);
    expect(new Set(d.records.map((r) => r.tokenId)).size).toBe(1_000);
  });

  it('holds only records the token table allows, with consistent times', () => {
    for (const r of d.records) {
      expect(r.issuedAt).toBeLessThanOrEqual(NOW);
      expect(r.expiresAt).toBe(r.issuedAt + (r.tokenType === 'access_token' ? 3600 : 30 * 86_400));
      if (r.revokedAt !== undefined) {
        expect(r.revokedAt).toBeGreaterThanOrEqual(r.issuedAt);
        expect(r.revokedAt).toBeLessThanOrEqual(Math.min(r.expiresAt, NOW));
        expect(r.revokedBy).toBe(r.userId ?? `client:${r.clientId}`);
      }
      if (r.userId === undefined) expect(r.tokenType).toBe('access_token');
    }
  });
});

describe('list-cost expired-heavy pair', () => {
  const pair = generateLagPair();
  const of = (user: string) => pair.records.filter((r) => r.userId === user);
  const live = (user: string) => of(user).filter((r) => r.expiresAt > NOW);

  it('gives both users the same live tokens, and only the lagging one expired ones, issued after those', () => {
    const strip = ({ tokenId: _, userId: __, revokedBy: ___, ...rest }: (typeof pair.records)[number]) => rest;
    expect(live(pair.steadyUser).map(strip)).toStrictEqual(live(pair.laggingUser).map(strip));
    expect(live(pair.steadyUser)).toHaveLength(LAG.live);
    expect(live(pair.steadyUser).filter((r) => r.revokedAt !== undefined)).toHaveLength(LAG.revokedLive);
    expect(of(pair.steadyUser)).toHaveLength(LAG.live);
    const expired = of(pair.laggingUser).filter((r) => r.expiresAt <= NOW);
    expect(expired).toHaveLength(LAG.expired);
    const newestLive = Math.max(...live(pair.laggingUser).map((r) => r.issuedAt));
    for (const r of expired) {
      expect(r.issuedAt).toBeGreaterThan(newestLive);
      expect(r.issuedAt).toBeGreaterThanOrEqual(NOW - LAG.ttlLagHours * 3600);
      expect(r.expiresAt - r.issuedAt).toBe(3600);
    }
    expect(new Set(pair.records.map((r) => r.tokenId)).size).toBe(pair.records.length);
  });

  it('sizes a record as DynamoDB does: names and string bytes, numbers by significant digits', () => {
    // 7 + 5 ("tokenId", "tok_a"), then "issuedAt" (8) with 1800000000 (2 significant digits: 2 bytes).
    const record = { tokenId: 'tok_a', issuedAt: 1_800_000_000 } as never;
    expect(itemBytes(record)).toBe(7 + 5 + 8 + 2);
  });
});

describe('prose templates', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-template-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  const write = (text: string) => {
    const path = join(dir, `t${++n}.md`);
    writeFileSync(path, text);
    return path;
  };

  it('fills every placeholder and splits the parts', () => {
    const path = write('<!-- note -->\n<!-- part: a -->\nx {{one}} y\n<!-- part: b -->\n{{two}} and {{one}}\n');
    expect(renderTemplate(path, { one: '1', two: 2 })).toStrictEqual({ a: 'x 1 y', b: '2 and 1' });
  });

  it('puts each paragraph and list item on one line', () => {
    const path = write('<!-- part: a -->\none\n`two\nthree`\n\n- four\n  five\n- six\n\nseven\n');
    expect(renderTemplate(path, {}).a).toBe('one `two three`\n\n- four five\n- six\n\nseven');
  });

  it('keeps nested list items, and the lines of a table a value carries', () => {
    const path = write('<!-- part: a -->\n- one:\n  - two\n    three\n\n{{table}}\n');
    const table = '| a | b |\n| --- | --- |\n| 1 | 2 |';
    expect(renderTemplate(path, { table }).a).toBe(`- one:\n  - two three\n\n${table}`);
  });

  it('refuses a placeholder without a value, and a value without a placeholder', () => {
    const path = write('<!-- part: a -->\n{{one}}\n');
    expect(() => renderTemplate(path, {})).toThrow('no value for {{one}}');
    expect(() => renderTemplate(path, { one: 'x', two: 'y' })).toThrow('no placeholder for two');
  });

  it('list-cost.md holds no figure typed by hand: every number comes from a placeholder', () => {
    const text = readFileSync(join(__dirname, '..', '..', 'bench', 'list-cost.md'), 'utf8')
      .replace(/<!--[\s\S]*?-->/g, '')
      .replace(/\{\{\w+\}\}/g, '')
      .replace(/mulberry32/g, '');
    expect(text.match(/.{0,30}\d.{0,30}/g) ?? []).toStrictEqual([]);
  });
});

describe('cost on paper', () => {
  it('adds API Gateway, Lambda and DynamoDB per route', () => {
    const rows = costPerMillion(0);
    expect(rows.map((r) => r.route)).toStrictEqual(ROUTE_UNITS.map((r) => r.route));
    for (const [i, row] of rows.entries()) {
      const units = ROUTE_UNITS[i]!;
      expect(row.lambda).toBeCloseTo(PRICES.lambdaRequestsPerMillion, 10); // no duration, requests only
      expect(row.dynamo).toBeCloseTo(
        units.reads * PRICES.dynamoReadPerMillionUnits + units.writes * PRICES.dynamoWritePerMillionUnits,
        10,
      );
      expect(row.rest - row.http).toBeCloseTo(PRICES.restApiPerMillion - PRICES.httpApiPerMillion, 10);
    }
  });

  it('prices Lambda duration at the functions’ memory: 1 s at 0.5 GB is half a GB-second', () => {
    const extra = costPerMillion(1000)[0]!.lambda - costPerMillion(0)[0]!.lambda;
    expect(extra).toBeCloseTo(1_000_000 * 0.5 * PRICES.lambdaArmPerGbSecond, 6);
  });
});

describe('percentile (nearest rank: always a measured value, never an interpolation)', () => {
  it.each([
    [[5], 50, 5],
    [[1, 2, 3, 4], 50, 2],
    [[4, 3, 2, 1], 50, 2],
    [[1, 2, 3, 4], 95, 4],
    [Array.from({ length: 100 }, (_, i) => i + 1), 95, 95],
    [Array.from({ length: 20 }, (_, i) => 20 - i), 95, 19],
  ])('%j at p%i is %d', (xs, p, expected) => {
    expect(percentile(xs, p)).toBe(expected);
  });

  it('is NaN for no samples rather than a made-up number', () => {
    expect(percentile([], 50)).toBeNaN();
  });
});
