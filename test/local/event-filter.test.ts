import { CASCADE_REPAIR } from '../../lambdas/table-consumers';
import { checkPattern, passesFilters } from '../../local/event-filter';

const record = (eventName: string, newImage: object, oldImage?: object) => ({
  eventName,
  dynamodb: { NewImage: newImage, ...(oldImage && { OldImage: oldImage }) },
});
const refresh = { tokenType: { S: 'refresh_token' } };
const revoked = { revokedAt: { N: '1800000000' } };

describe("the cascade repair's filters, as Lambda applies them", () => {
  const passes = (r: object) => passesFilters(CASCADE_REPAIR.filters, r);

  it('let through the write that revoked a refresh token', () => {
    expect(passes(record('MODIFY', { ...refresh, ...revoked }, refresh))).toBe(true);
  });

  it('let through a refresh token written already revoked', () => {
    expect(passes(record('INSERT', { ...refresh, ...revoked }))).toBe(true);
  });

  it('keep out later writes to a revoked token, access tokens, live tokens and removals', () => {
    expect(passes(record('MODIFY', { ...refresh, ...revoked }, { ...refresh, ...revoked }))).toBe(false);
    expect(passes(record('MODIFY', { tokenType: { S: 'access_token' }, ...revoked }, {}))).toBe(false);
    expect(passes(record('MODIFY', refresh, refresh))).toBe(false);
    expect(passes(record('INSERT', refresh))).toBe(false);
    expect(passes({ eventName: 'REMOVE', dynamodb: { OldImage: { ...refresh, ...revoked } } })).toBe(false);
  });
});

describe('patterns', () => {
  it('match prefixes and literals in lists', () => {
    expect(passesFilters([{ a: [{ prefix: 'ab' }] }], { a: 'abc' })).toBe(true);
    expect(passesFilters([{ a: [{ prefix: 'ab' }] }], { a: 'xab' })).toBe(false);
    expect(passesFilters([{ a: [1, 'x'] }], { a: 'x' })).toBe(true);
    expect(passesFilters([{ a: [1, 'x'] }], { a: 2 })).toBe(false);
  });

  it('apply exists to leaf values only: an object is no value, so it does not exist for the rule', () => {
    const exists = (value: unknown) => passesFilters([{ a: [{ exists: true }] }], { a: value });
    const absent = (value: unknown) => passesFilters([{ a: [{ exists: false }] }], { a: value });
    expect([exists({ b: 1 }), absent({ b: 1 })]).toEqual([false, true]);
    expect([exists([{ b: 1 }]), absent([{ b: 1 }])]).toEqual([false, true]);
    expect([exists(null), exists(0), exists(''), exists([1])]).toEqual([true, true, true, true]);
    expect([exists([]), absent([]), exists(undefined), absent(undefined)]).toEqual([false, true, false, true]);
  });

  it('let every record through when there are none', () => {
    expect(passesFilters([], { anything: true })).toBe(true);
  });

  it.each([[{ a: [{ 'anything-but': 'x' }] }], [{ a: [{ numeric: ['>', 1] }] }], [{ a: 'x' }]])(
    'refuse rules the local stack does not apply: %j',
    (pattern) => {
      expect(() => checkPattern(pattern)).toThrow();
    },
  );
});
