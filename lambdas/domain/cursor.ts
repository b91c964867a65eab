import { createHmac, timingSafeEqual } from 'node:crypto';
import { invalidRequest } from './errors';

/**
 * A cursor is `<payload>.<mac>`: the payload is the DynamoDB position to resume from, the MAC
 * (HMAC-SHA256) covers the payload *and* what the cursor was made for (route, caller, filters),
 * which are not in the payload. So a cursor replayed by another caller, on another route or with
 * other filters fails verification exactly like an altered one, and a client can never choose
 * where a read starts.
 */
export type PageKey = Record<string, string | number>;

export interface CursorBinding {
  route: string;
  caller: string;
  filters: Record<string, string | undefined>;
}

/**
 * A day (docs/api.md#lists-order-paging-and-filters): long enough for anyone paging through a
 * list, short enough that a leaked cursor soon stops working.
 */
export const CURSOR_LIFETIME_SECONDS = 24 * 60 * 60;
export const MAX_CURSOR_LENGTH = 2048;

const bindingText = (b: CursorBinding): string =>
  JSON.stringify([
    b.route,
    b.caller,
    Object.keys(b.filters)
      .filter((k) => b.filters[k] !== undefined)
      .sort()
      .map((k) => [k, b.filters[k]]),
  ]);

const mac = (secret: Buffer, payload: string, binding: CursorBinding): string =>
  createHmac('sha256', secret).update(payload).update('\n').update(bindingText(binding)).digest('base64url');

/** A cursor too old to resume from, by its age or by the shape of the position it holds. */
export const cursorExpired = () => invalidRequest('The cursor has expired; start the list again.');

export function encodeCursor(key: PageKey, binding: CursorBinding, secret: Buffer, now: number): string {
  const payload = Buffer.from(JSON.stringify({ k: key, t: now })).toString('base64url');
  return `${payload}.${mac(secret, payload, binding)}`;
}

const isPageKey = (v: unknown): v is PageKey =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  Object.values(v).every((x) => typeof x === 'string' || (typeof x === 'number' && Number.isFinite(x)));

export function decodeCursor(cursor: string, binding: CursorBinding, secret: Buffer, now: number): PageKey {
  const refused = invalidRequest('The cursor is not valid for this request.');
  if (cursor.length > MAX_CURSOR_LENGTH) throw refused;
  const [payload, signature, ...rest] = cursor.split('.');
  if (!payload || !signature || rest.length > 0) throw refused;
  // Compared as text: base64url decoding is lenient (padding, stray characters, spare bits),
  // so comparing decoded bytes would accept altered cursors.
  const given = Buffer.from(signature, 'utf8');
  const expected = Buffer.from(mac(secret, payload, binding), 'utf8');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw refused;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw refused;
  }
  const { k, t } = (decoded ?? {}) as { k?: unknown; t?: unknown };
  if (!isPageKey(k) || typeof t !== 'number') throw refused;
  if (now - t > CURSOR_LIFETIME_SECONDS || t - now > 60) {
    throw cursorExpired();
  }
  return k;
}
