import {
  CURSOR_LIFETIME_SECONDS,
  type CursorBinding,
  decodeCursor,
  encodeCursor,
  MAX_CURSOR_LENGTH,
} from '../../lambdas/domain/cursor';
import { refusal } from '../support/refusal';

const secret = Buffer.alloc(32, 7);
const now = 1_800_000_000;
const key = { tokenId: 'tok_abcdefgh', userId: 'alice', issuedAt: 1_799_990_000 };
const binding: CursorBinding = {
  route: 'list-own-tokens',
  caller: 'alice',
  filters: { userId: 'alice', clientId: 'client-a', tokenType: undefined, status: 'active' },
};

const cursor = encodeCursor(key, binding, secret, now);

const decode = (c: string, b: CursorBinding = binding, s: Buffer = secret, at: number = now) =>
  decodeCursor(c, b, s, at);

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
/** The same string with the character at `i` replaced by another base64url character. */
const withCharFlipped = (s: string, i: number, distance = 1): string => {
  const at = BASE64URL.indexOf(s[i]!);
  return s.slice(0, i) + BASE64URL[(at + distance) % 64] + s.slice(i + 1);
};

describe('cursor', () => {
  it('round-trips the position', () => {
    expect(decode(cursor)).toStrictEqual(key);
  });

  it('is opaque: URL-safe, and does not show the binding or the secret', () => {
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain('list-own-tokens');
    expect(cursor).not.toContain(secret.toString('base64url'));
  });

  describe('refuses an altered cursor', () => {
    const [payload, mac] = cursor.split('.') as [string, string];

    it('altered payload (re-encoded with another position)', () => {
      const forged = Buffer.from(JSON.stringify({ k: { ...key, userId: 'bob' }, t: now })).toString('base64url');
      refusal(() => decode(`${forged}.${mac}`));
    });

    it.each([0, 5, 20])('altered payload character %i', (i) => {
      refusal(() => decode(`${withCharFlipped(payload, i)}.${mac}`));
    });

    it.each([0, 10, 30])('altered mac character %i', (i) => {
      refusal(() => decode(`${payload}.${withCharFlipped(mac, i)}`));
    });

    // The last of 43 base64url characters carries 2 padding bits that Buffer.from ignores, and
    // Node's base64url decoder also accepts '+', '/', '=' and skips characters it does not know.
    // The MAC must be compared as text (or re-encoded), or these altered cursors are accepted.
    it('altered last mac character (only its padding bits differ)', () => {
      const last = mac.length - 1;
      const at = BASE64URL.indexOf(mac[last]!);
      const sibling = BASE64URL[at ^ 1]!;
      refusal(() => decode(`${payload}.${mac.slice(0, last)}${sibling}`));
    });

    it('mac with base64 (not base64url) characters', () => {
      const variant = `${payload}.${mac.replace(/-/g, '+').replace(/_/g, '/')}`;
      const original = `${payload}.${mac}`;
      // Make sure the variant actually differs; fall back to appending padding if mac had no - or _.
      const altered = variant === original ? `${original}=` : variant;
      refusal(() => decode(altered));
    });

    it.each([
      ['padding appended', '='],
      ['garbage appended to the mac', '!!'],
      ['a space appended to the mac', ' '],
    ])('%s', (_, suffix) => {
      refusal(() => decode(`${cursor}${suffix}`));
    });

    it('truncated', () => {
      refusal(() => decode(cursor.slice(0, -1)));
      refusal(() => decode(cursor.slice(0, cursor.indexOf('.') + 5)));
      refusal(() => decode(cursor.slice(0, cursor.indexOf('.'))));
      refusal(() => decode(cursor.slice(0, cursor.indexOf('.') + 1)));
    });

    it('extra dot', () => {
      refusal(() => decode(`${cursor}.`));
      refusal(() => decode(`${cursor}.${mac}`));
      refusal(() => decode(`.${cursor}`));
    });

    it.each(['', '.', 'garbage', 'a.b', '!!!.???', '{"k":{}}', 'null.null', '\u0000.\u0000'])('garbage %j', (g) => {
      refusal(() => decode(g));
    });

    it('overlong', () => {
      refusal(() => decode(`${payload}${'A'.repeat(MAX_CURSOR_LENGTH)}.${mac}`));
      refusal(() => decode('x'.repeat(1_000_000)));
    });
  });

  describe('is bound to what it was made for', () => {
    it('another route', () => {
      refusal(() => decode(cursor, { ...binding, route: 'list-all-tokens' }));
    });

    it('another caller', () => {
      refusal(() => decode(cursor, { ...binding, caller: 'bob' }));
    });

    it.each(['userId', 'clientId', 'tokenType', 'status'])('a changed %s filter', (name) => {
      refusal(() => decode(cursor, { ...binding, filters: { ...binding.filters, [name]: 'other' } }));
    });

    it.each(['userId', 'clientId', 'status'])('a removed %s filter', (name) => {
      refusal(() => decode(cursor, { ...binding, filters: { ...binding.filters, [name]: undefined } }));
    });

    it('an added filter', () => {
      refusal(() => decode(cursor, { ...binding, filters: { ...binding.filters, extra: 'x' } }));
    });

    it('but not to the order of the filter keys', () => {
      const reordered = { status: 'active', tokenType: undefined, clientId: 'client-a', userId: 'alice' };
      expect(decode(cursor, { ...binding, filters: reordered })).toStrictEqual(key);
    });

    it('and treats an undefined filter like an absent one', () => {
      const { tokenType: _dropped, ...withoutTokenType } = binding.filters;
      expect(decode(cursor, { ...binding, filters: withoutTokenType })).toStrictEqual(key);
      const made = encodeCursor(key, { ...binding, filters: withoutTokenType }, secret, now);
      expect(decode(made, binding)).toStrictEqual(key);
    });

    it('does not confuse a filter value with the route or caller (no ambiguous concatenation)', () => {
      const a: CursorBinding = { route: 'r', caller: 'ab', filters: {} };
      const b: CursorBinding = { route: 'ra', caller: 'b', filters: {} };
      refusal(() => decode(encodeCursor(key, a, secret, now), b));
    });
  });

  it('is refused under another secret', () => {
    refusal(() => decode(cursor, binding, Buffer.alloc(32, 8)));
  });

  describe('lifetime', () => {
    it('is valid an hour later (the API promises at least an hour)', () => {
      expect(decode(cursor, binding, secret, now + 3600)).toStrictEqual(key);
    });

    it('is valid at its full lifetime', () => {
      expect(decode(cursor, binding, secret, now + CURSOR_LIFETIME_SECONDS)).toStrictEqual(key);
    });

    it('has expired after 24 hours', () => {
      expect(CURSOR_LIFETIME_SECONDS).toBe(24 * 3600);
      refusal(() => decode(cursor, binding, secret, now + 24 * 3600 + 1));
    });

    it('tolerates a little clock skew between instances', () => {
      expect(decode(cursor, binding, secret, now - 30)).toStrictEqual(key);
    });

    it('refuses a cursor dated in the future beyond the skew', () => {
      refusal(() => decode(cursor, binding, secret, now - 3600));
      refusal(() => decode(encodeCursor(key, binding, secret, now + 61), binding, secret, now));
    });
  });
});
