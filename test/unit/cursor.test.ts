import { createHmac } from 'node:crypto';
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

/**
 * A cursor around any payload text, signed as the cursor's format says: HMAC-SHA256 over the
 * base64url payload, a newline and the binding (route, caller, defined filters sorted by name).
 * Stands for a cursor made by another deploy of this format, or a payload only a holder of the
 * secret could sign.
 */
function signed(payloadText: string, b: CursorBinding = binding): string {
  const payload = Buffer.from(payloadText).toString('base64url');
  const filters = Object.entries(b.filters)
    .filter(([, v]) => v !== undefined)
    .sort(([x], [y]) => (x < y ? -1 : 1));
  const text = JSON.stringify([b.route, b.caller, filters]);
  return `${payload}.${createHmac('sha256', secret).update(payload).update('\n').update(text).digest('base64url')}`;
}

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

  it('keeps its format, so a cursor handed out before a deploy still works after it', () => {
    expect(signed(JSON.stringify({ k: key, t: now }))).toBe(cursor);
  });

  it('is opaque: URL-safe, and does not show the binding or the secret', () => {
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain('list-own-tokens');
    expect(cursor).not.toContain(secret.toString('base64url'));
  });

  describe('refuses an altered cursor', () => {
    const [payload, mac] = cursor.split('.') as [string, string];

    it('altered payload (re-encoded with another position): not valid for this request', () => {
      const forged = Buffer.from(JSON.stringify({ k: { ...key, userId: 'bob' }, t: now })).toString('base64url');
      expect(refusal(() => decode(`${forged}.${mac}`)).message).toBe('The cursor is not valid for this request.');
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

    it('longer than MAX_CURSOR_LENGTH even when genuine, while one of exactly that length is accepted', () => {
      /** A genuine cursor whose position pads it to `length` characters (base64url skips 4k+1). */
      const ofLength = (length: number) => {
        for (let n = 0; n < length; n++) {
          const made = encodeCursor({ ...key, pad: 'x'.repeat(n) }, binding, secret, now);
          if (made.length === length) return made;
        }
        throw new Error(`no cursor of ${length} characters`);
      };
      expect(decode(ofLength(MAX_CURSOR_LENGTH))).toHaveProperty('pad');
      refusal(() => decode(ofLength(MAX_CURSOR_LENGTH + 2)));
    });
  });

  // Only a holder of the secret can sign these; a position the store cannot take must still be
  // a 400, never a failure inside the list.
  describe('refuses a signed payload that holds no position', () => {
    it.each([
      ['text that is not JSON', 'not json'],
      ['JSON null', 'null'],
      ['no position', JSON.stringify({ t: now })],
      ['a position that is a string', JSON.stringify({ k: 'tokenId', t: now })],
      ['a position that is null', JSON.stringify({ k: null, t: now })],
      ['a position that is an array', JSON.stringify({ k: ['tok_abcdefgh', 1], t: now })],
      ['a position with a boolean', JSON.stringify({ k: { ...key, extra: true }, t: now })],
      ['a position with a nested object', JSON.stringify({ k: { ...key, extra: { a: 1 } }, t: now })],
      ['a position with an infinite number', `{"k":{"tokenId":"tok_abcdefgh","expiresAt":1e999},"t":${now}}`],
      ['no time', JSON.stringify({ k: key })],
      ['a time that is text', JSON.stringify({ k: key, t: String(now) })],
    ])('%s', (_, payloadText) => {
      expect(refusal(() => decode(signed(payloadText))).message).toBe('The cursor is not valid for this request.');
    });

    it('while a position of strings and numbers is taken as it is', () => {
      const position = { tokenId: 'tok_abcdefgh', expiresAt: 1_800_086_400 };
      expect(decode(signed(JSON.stringify({ k: position, t: now })))).toStrictEqual(position);
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

    it('has expired after 24 hours, saying to start the list again', () => {
      expect(CURSOR_LIFETIME_SECONDS).toBe(24 * 3600);
      expect(refusal(() => decode(cursor, binding, secret, now + 24 * 3600 + 1)).message).toBe(
        'The cursor has expired; start the list again.',
      );
    });

    it('tolerates a little clock skew between instances: up to a minute', () => {
      expect(decode(cursor, binding, secret, now - 30)).toStrictEqual(key);
      expect(decode(cursor, binding, secret, now - 60)).toStrictEqual(key);
    });

    it('refuses a cursor dated in the future beyond the skew', () => {
      refusal(() => decode(cursor, binding, secret, now - 3600));
      refusal(() => decode(encodeCursor(key, binding, secret, now + 61), binding, secret, now));
    });
  });
});
