/**
 * The benchmark's own arithmetic and data: if these drift, BENCHMARKS.md reports numbers about
 * a different data set or prices than it says.
 */
import { costPerMillion, PRICES, ROUTE_UNITS } from '../../bench/cost';
import { generateDataset, NOW } from '../../bench/list-cost';
import { percentile } from '../../bench/section';

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
