/**
 * What the gateway fuzzer sends: fast-check arbitraries for random requests (paths, methods,
 * query strings, bodies, headers, credentials, cursors), the local gateway's routing mirrored
 * (what a request reaches, so the test knows which answers are allowed), and a guard that keeps
 * the requests that could by design write (a real ID token on a revoking route with acceptable
 * input, a correctly signed mint, introspection or revocation of a real value) from doing so.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import type * as z from 'zod/mini';
import {
  appRevokeBodySchema,
  bulkRevokeBodySchema,
  externalId,
  MAX_BODY_BYTES,
  mintBodySchema,
  revokeBodySchema,
  tokenIdSchema,
} from '../../lambdas/http/input';
import { ROUTES, type RouteDefinition } from '../../lambdas/routes';

// ---------------------------------------------------------------------------------------------
// The requests

export const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'] as const;
export type Method = (typeof METHODS)[number];

/** How a SigV4-signed request is spoiled after (or while) being signed correctly. */
export const TAMPERS = [
  'body',
  'query',
  'path',
  'skew',
  'no-date',
  'key-id',
  'signature',
  'region',
  'service',
] as const;
export type Tamper = (typeof TAMPERS)[number];

export type Credential =
  /** No Authorization header. */
  | { kind: 'none' }
  /** An Authorization header that must not authenticate anyone (garbage, forged, expired, …). */
  | { kind: 'invalid'; header: string; what: string }
  /** A real ID token of the fuzz user or admin, in a form API Gateway accepts. */
  | { kind: 'user' | 'admin'; header: string }
  /** Signed with the stack's service key pair; `tamper` spoils it. */
  | { kind: 'sigv4'; tamper: Tamper | null };

export interface FuzzRequest {
  scenario: string;
  method: Method;
  /** The request target exactly as sent: path and optional query. */
  target: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Send the body with Transfer-Encoding: chunked rather than Content-Length. */
  chunked: boolean;
  credential: Credential;
}

/** What the fuzzer knows of the stack under test. */
export interface FuzzContext {
  /** Every tokenId, clientId and userId in the table (and the test users' subs). */
  knownIds: string[];
  userIdToken: string;
  adminIdToken: string;
  /** ID-token-shaped strings that must all be refused (forged, expired, wrong key, …). */
  invalidJwts: { what: string; jwt: string }[];
  /** nextCursor values the stack handed out, for several callers, routes and filters. */
  cursors: string[];
  /** Token values minted in the setup; the fuzzer only ever sends altered forms of them. */
  tokenValues: string[];
  serviceAccessKeyId: string;
  region: string;
}

// ---------------------------------------------------------------------------------------------
// Text and encoding

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const b64urlChar = fc.constantFrom(...B64URL.split(''));
const b64url = (minLength: number, maxLength: number) => fc.string({ unit: b64urlChar, minLength, maxLength });
const hex = (length: number) =>
  fc.string({ unit: fc.constantFrom(...'0123456789abcdef'.split('')), minLength: length, maxLength: length });
/** Printable ASCII: what an HTTP header value may hold (node refuses control characters). */
const printable = (maxLength: number) =>
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength });
const anyText = (maxLength: number) => fc.string({ unit: 'binary', maxLength });
/** Long runs of one character, ASCII or not, to pass length limits by bytes or by code points. */
const longText = (min: number, max: number) =>
  fc
    .tuple(fc.integer({ min, max }), fc.constantFrom('a', 'Z', '0', '-', '_', '.', 'é', '😀', '\u0301', ' ', '%'))
    .map(([n, c]) => c.repeat(Math.ceil(n / c.length)));

/** Deterministic choices from a seed (fast-check shrinks the seed like any integer). */
function chooser(seed: number) {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x100000000;
  };
}

const ENCODINGS = ['standard', 'all', 'random', 'double', 'broken', 'lowercase'] as const;
type Encoding = (typeof ENCODINGS)[number];
const encodingArb = fc.tuple(fc.constantFrom(...ENCODINGS), fc.integer());

const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
/** Printable ASCII that node's client sends raw and node's server accepts in a request target. */
const RAW_OK = /^[\x21-\x7e]$/;

/**
 * Percent-encodes `text` (as UTF-8; a lone surrogate becomes U+FFFD) in one of several styles:
 * the usual one, every byte, a random mix of raw and encoded characters, twice, lower-case hex,
 * or with broken escapes. `structural` characters stay encoded (bar in "broken"), so a path
 * segment stays one segment and a query value one value.
 */
export function encode(text: string, [style, seed]: [Encoding, number], structural: string): string {
  const random = chooser(seed);
  const byteEscape = (c: string, lower = false) =>
    [...Buffer.from(c, 'utf8')]
      .map((b) => `%${b.toString(16).padStart(2, '0')}`)
      .map((e) => (lower ? e : e.toUpperCase()))
      .join('');
  const standard = (c: string) => (UNRESERVED.test(c) ? c : byteEscape(c));
  const chars = [...text];
  switch (style) {
    case 'standard':
      return chars.map(standard).join('');
    case 'all':
      return chars.map((c) => byteEscape(c)).join('');
    case 'lowercase':
      return chars.map((c) => (UNRESERVED.test(c) ? c : byteEscape(c, true))).join('');
    case 'double':
      return chars.map(standard).join('').replace(/%/g, '%25');
    case 'random':
      return chars
        .map((c) => {
          if (RAW_OK.test(c) && !structural.includes(c) && c !== '%' && random() < 0.6) return c;
          return random() < 0.5 ? byteEscape(c) : byteEscape(c, true);
        })
        .join('');
    case 'broken': {
      const encoded = chars.map(standard).join('');
      const at = Math.floor(random() * (encoded.length + 1));
      const junk = ['%', '%z', '%zz', '%E0%A4', '%C3', '%%', '%0', '%u0041', '%2', '%ED%A0%80', '%c0%af', '%00'][
        Math.floor(random() * 12)
      ]!;
      return encoded.slice(0, at) + junk + encoded.slice(at);
    }
  }
}

/** Small, always-different changes to a string (cursors, token values, JWTs). */
const MUTATIONS = ['flip', 'delete', 'insert', 'truncate', 'append', 'swap-case', 'duplicate', 'dot'] as const;
type Mutation = (typeof MUTATIONS)[number];

export function mutate(text: string, [kind, position, char]: [Mutation, number, string]): string {
  const at = text.length === 0 ? 0 : position % text.length;
  let out: string;
  switch (kind) {
    case 'flip': {
      const current = text[at] ?? '';
      const replacement = char === current ? (current === 'A' ? 'B' : 'A') : char;
      out = text.slice(0, at) + replacement + text.slice(at + 1);
      break;
    }
    case 'delete':
      out = text.slice(0, at) + text.slice(at + 1);
      break;
    case 'insert':
      out = text.slice(0, at) + char + text.slice(at);
      break;
    case 'truncate':
      out = text.slice(0, at);
      break;
    case 'append':
      out = text + char;
      break;
    case 'swap-case':
      out = text.replace(/[a-z]/, (c) => c.toUpperCase());
      break;
    case 'duplicate':
      out = text + text;
      break;
    case 'dot':
      out = `${text.slice(0, at)}.${text.slice(at)}`;
      break;
  }
  return out === text ? `${text}x` : out;
}
const mutationArb = fc.tuple(fc.constantFrom(...MUTATIONS), fc.nat(), b64urlChar);

// ---------------------------------------------------------------------------------------------
// Arbitraries

export function requestArbitrary(ctx: FuzzContext): fc.Arbitrary<FuzzRequest> {
  const knownId = fc.constantFrom(...ctx.knownIds);

  // Path segments -----------------------------------------------------------------------------
  const segment = fc.oneof(
    { weight: 4, arbitrary: knownId },
    { weight: 3, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{8,128}$/) },
    { weight: 2, arbitrary: anyText(40) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '',
        '.',
        '..',
        '%',
        '\u0000',
        ' ',
        '__proto__',
        'constructor',
        'null',
        'undefined',
        '*',
        '{tokenId}',
        'a/b',
        '?x=1',
        '#',
        ';',
        'tokens',
        'ÿ',
        '\uFEFF',
      ),
    },
    { weight: 1, arbitrary: longText(200, 3000) },
    { weight: 1, arbitrary: fc.tuple(knownId, mutationArb).map(([id, m]) => mutate(id, m)) },
  );
  const encodedSegment = fc.tuple(segment, encodingArb).map(([s, e]) => encode(s, e, '/?#'));

  const templatePath = (routes: readonly RouteDefinition[]) =>
    fc.tuple(fc.constantFrom(...routes), encodedSegment).map(([route, seg]) => route.path.replace(/\{\w+\}/g, seg));
  const decorate = (path: fc.Arbitrary<string>) =>
    fc
      .tuple(
        path,
        fc.oneof(
          { weight: 30, arbitrary: fc.constant('none') },
          {
            weight: 9,
            arbitrary: fc.constantFrom(
              'trailing',
              'double-slash',
              'dot',
              'dotdot',
              'upper',
              'stage',
              'suffix',
              'authority',
            ),
          },
        ),
      )
      .map(([p, how]) => {
        switch (how) {
          case 'trailing':
            return `${p}/`;
          case 'double-slash':
            return p.replace('/', '//');
          case 'dot':
            return `/.${p}`;
          case 'dotdot':
            return `/x/..${p}`;
          case 'upper':
            return p.toUpperCase();
          case 'stage':
            return `/prod${p}`;
          case 'suffix':
            return `${p}.json`;
          case 'authority':
            return `//evil.example${p}`;
          default:
            return p;
        }
      });
  const userRoutes = ROUTES.filter((r) => r.access !== 'service');
  const serviceRoutes = ROUTES.filter((r) => r.access === 'service');
  const unknownPath = fc.oneof(
    fc.array(encodedSegment, { maxLength: 6 }).map((segments) => `/${segments.join('/')}`),
    fc.constantFrom(
      '/',
      '/admin',
      '/admin/users',
      '/service',
      '/service/',
      '/tokens/',
      '/apps/',
      '/openapi.json',
      '/OPENAPI.JSON',
      '/favicon.ico',
      '/.env',
      '/admin/users//revoke',
      '/tokens//revoke',
    ),
  );

  // Query strings -----------------------------------------------------------------------------
  const knownName = fc.constantFrom(
    'limit',
    'cursor',
    'clientId',
    'tokenType',
    'status',
    'userId',
    'token',
    'client_id',
    'token_type_hint',
    'dryRun',
    'reason',
  );
  const queryName = fc.oneof(
    { weight: 4, arbitrary: knownName },
    { weight: 1, arbitrary: anyText(12) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('__proto__', 'constructor', 'hasOwnProperty', 'LIMIT', 'limit[]', 'limit.x', ''),
    },
  );
  const cursor = fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...ctx.cursors) },
    { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...ctx.cursors), mutationArb).map(([c, m]) => mutate(c, m)) },
    // One cursor's payload with another's MAC.
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...ctx.cursors), fc.constantFrom(...ctx.cursors))
        .map(([a, b]) => `${a.split('.')[0]}.${b.split('.')[1] ?? ''}`),
    },
    // A payload of our choosing (start at a known token, no expiry) with a real cursor's MAC.
    {
      weight: 2,
      arbitrary: fc
        .tuple(knownId, fc.constantFrom(...ctx.cursors), fc.integer({ min: 0, max: 4_000_000_000 }))
        .map(
          ([id, c, t]) =>
            `${Buffer.from(JSON.stringify({ k: { tokenId: id, userId: id, issuedAt: 1 }, t })).toString('base64url')}` +
            `.${c.split('.')[1] ?? ''}`,
        ),
    },
    { weight: 2, arbitrary: fc.tuple(b64url(0, 120), b64url(0, 60)).map(([a, b]) => `${a}.${b}`) },
    { weight: 1, arbitrary: fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null').toString('base64url')) },
    { weight: 1, arbitrary: longText(2040, 2060) },
  );
  const queryValue = fc.oneof(
    fc.integer({ min: -10, max: 1000 }).map(String),
    fc.constantFrom(
      '0',
      '1',
      '100',
      '101',
      '01',
      '1e2',
      '0x10',
      '1.0',
      '+5',
      ' 5',
      '5 ',
      '',
      '-0',
      '999999999999999999999',
      'NaN',
      'Infinity',
      'true',
      '[1]',
      '١٢',
    ),
    fc.constantFrom('active', 'revoked', 'access_token', 'refresh_token', 'ACTIVE', 'id_token', 'both', 'expired'),
    knownId,
    anyText(50),
    cursor,
    longText(1000, 4000),
  );
  const queryPair = fc
    .tuple(queryName, queryValue, encodingArb)
    .map(([n, v, e]) => `${encode(n, e, '&=#+')}=${encode(v, e, '&=#+')}`);
  // Parameters a list accepts, each at most once, with values that pass validation.
  const plausibleQuery = fc
    .record(
      {
        limit: fc.integer({ min: 1, max: 100 }).map(String),
        cursor: fc.constantFrom(...ctx.cursors),
        clientId: fc.constantFrom('fuzz-app', 'other-app', 'minted-app', 'machine-app', 'admin-app', 'nobody-app'),
        tokenType: fc.constantFrom('access_token', 'refresh_token'),
        status: fc.constantFrom('active', 'revoked'),
        userId: knownId,
      },
      { requiredKeys: [] },
    )
    .map((q) => {
      const search = new URLSearchParams(q as Record<string, string>).toString();
      return search === '' ? '' : `?${search}`;
    });
  const query = fc.oneof(
    { weight: 5, arbitrary: fc.constant('') },
    { weight: 4, arbitrary: plausibleQuery },
    { weight: 6, arbitrary: fc.array(queryPair, { minLength: 1, maxLength: 5 }).map((pairs) => `?${pairs.join('&')}`) },
    // Repeats of one parameter, bare names, empty pairs, stray separators.
    {
      weight: 1,
      arbitrary: fc.tuple(knownName, queryValue, fc.integer({ min: 2, max: 4 })).map(
        ([n, v, k]) =>
          `?${Array(k)
            .fill(`${n}=${encode(v, ['standard', 0], '&=#+')}`)
            .join('&')}`,
      ),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '?',
        '??',
        '?&&',
        '?=',
        '?=x',
        '?limit',
        '?limit=',
        '?limit=10&',
        '?&limit=10',
        '?limit=10;status=active',
        '?limit=1#x',
        '?%',
        '?limit%3D1',
      ),
    },
    { weight: 1, arbitrary: printable(200).map((q) => `?${q.replace(/[ #]/g, '+')}`) },
  );

  // Bodies ------------------------------------------------------------------------------------
  const anyValue = fc.oneof(
    fc.string(),
    longText(480, 520),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.string(), { maxLength: 3 }),
    fc.object({ maxDepth: 1 }),
  );
  const fieldObject = fc.record(
    {
      reason: fc.oneof(anyValue, longText(495, 505), anyText(600)),
      clientId: fc.oneof(knownId, anyValue),
      userId: fc.oneof(knownId, anyValue),
      dryRun: anyValue,
      token: anyValue,
      client_id: anyValue,
      tokenType: fc.oneof(fc.constantFrom('access_token', 'refresh_token', 'id_token'), anyValue),
      clientName: anyValue,
      scope: fc.oneof(fc.constantFrom('read', 'read write', 'a  b', '"x"', ''), anyValue),
      expiresIn: fc.oneof(
        fc.constantFrom(59, 60, 3600, 31_536_000, 31_536_001, 1.5, -1, Number.POSITIVE_INFINITY),
        anyValue,
      ),
      parentTokenId: fc.oneof(knownId, anyValue),
      constructor: anyValue,
      extra: anyValue,
    },
    { requiredKeys: [] },
  );
  const mintShaped = fc
    .record({
      clientId: fc.oneof(fc.constantFrom('fuzz-app', 'minted-app', '', 'a\u0007b'), fc.string({ maxLength: 300 })),
      clientName: fc.oneof(fc.constantFrom('Fuzz', ''), fc.string({ maxLength: 210 })),
      tokenType: fc.constantFrom('access_token', 'refresh_token', 'id_token', 'ACCESS_TOKEN'),
      scope: fc.constantFrom('read', 'read write', 'a  b', '"x"', '', ' read', 'read\\'),
      expiresIn: fc.constantFrom(59, 60, 600, 31_536_000, 31_536_001, 1.5, -1, '600'),
      userId: fc.option(knownId, { nil: undefined }),
      parentTokenId: fc.option(knownId, { nil: undefined }),
      unknown: fc.option(fc.string(), { nil: undefined }),
    })
    .map((body) => JSON.stringify(body));
  const garbageJson = fc.oneof(
    fc.tuple(fc.json(), fc.nat()).map(([json, at]) => json.slice(0, json.length === 0 ? 0 : at % json.length)),
    fc
      .tuple(fc.json(), fc.nat(), printable(3))
      .map(([json, at, junk]) => json.slice(0, at % (json.length + 1)) + junk + json.slice(at % (json.length + 1))),
    fc.constantFrom(
      '{',
      '}',
      '{"reason":',
      '{"reason": "x",}',
      "{'reason': 'x'}",
      'NaN',
      'undefined',
      '\uFEFF{}',
      '{"reason":"\\ud800"}',
      '{"reason":"\\u0000"}',
      '[]',
      'null',
      'true',
      '"x"',
      '1e999',
      '{"__proto__": {"isAdmin": true}}',
      '{"constructor": {"prototype": {"isAdmin": true}}}',
      '{"reason": "a", "reason": "b"}',
      '{"dryRun": "true"}',
      '{"a":1}garbage',
      '[{"reason":"x"}]',
      `{"reason":${'['.repeat(1500)}`,
      '['.repeat(2000) + ']'.repeat(2000),
    ),
  );
  const form = fc
    .array(
      fc.tuple(
        fc.oneof(
          fc.constantFrom('token', 'token', 'client_id', 'token_type_hint', 'tokenId', 'x', '__proto__'),
          anyText(10),
        ),
        fc.oneof(
          tokenValueArb(ctx),
          fc.constantFrom('fuzz-app', 'minted-app', 'access_token', 'refresh_token', ''),
          anyText(30),
        ),
        encodingArb,
      ),
      { maxLength: 4 },
    )
    .map((pairs) => pairs.map(([n, v, e]) => `${encode(n, e, '&=#+')}=${encode(v, e, '&=#+')}`).join('&'));
  // What an authorization server sends to introspect or revoke: token (never a real value) and client_id, in any order.
  const serviceForm = fc
    .tuple(
      tokenValueArb(ctx),
      fc.option(fc.oneof(fc.constantFrom('fuzz-app', 'minted-app', 'machine-app', 'other-app'), anyText(20)), {
        nil: undefined,
        freq: 4,
      }),
      fc.option(fc.constantFrom('access_token', 'refresh_token', 'id_token', ''), { nil: undefined }),
      fc.array(fc.tuple(fc.constantFrom('token', 'client_id', 'resource', 'x'), anyText(10)), { maxLength: 2 }),
      fc.boolean(),
      encodingArb,
    )
    .map(([token, clientId, hint, extra, reversed, e]) => {
      const pairs: [string, string][] = [
        ['token', token],
        ...(clientId === undefined ? [] : [['client_id', clientId] as [string, string]]),
        ...(hint === undefined ? [] : [['token_type_hint', hint] as [string, string]]),
        ...extra,
      ];
      return (reversed ? pairs.reverse() : pairs).map(([n, v]) => `${n}=${encode(v, e, '&=#+')}`).join('&');
    });
  const huge = fc.oneof(
    fc
      .integer({ min: MAX_BODY_BYTES - 20, max: MAX_BODY_BYTES + 20 })
      .map((n) => JSON.stringify({ reason: 'r'.repeat(Math.max(0, n - 13)) })),
    fc.integer({ min: MAX_BODY_BYTES + 1, max: 70_000 }).map((n) => 'a'.repeat(n)),
    longText(1500, 5000).map((reason) => JSON.stringify({ reason })),
  );
  const text = fc.oneof(
    { weight: 3, arbitrary: fc.json({ maxDepth: 3 }) },
    { weight: 4, arbitrary: fieldObject.map((o) => JSON.stringify(o)) },
    { weight: 2, arbitrary: mintShaped },
    { weight: 3, arbitrary: garbageJson },
    { weight: 3, arbitrary: form },
    { weight: 1, arbitrary: huge },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '',
        ' ',
        '\n',
        '{}',
        'token=',
        '--x\r\nContent-Disposition: form-data; name="token"\r\n\r\nabc\r\n--x--',
      ),
    },
    { weight: 1, arbitrary: anyText(200) },
  );
  const body = fc.oneof(
    { weight: 4, arbitrary: fc.constant(undefined) },
    { weight: 10, arbitrary: text.map((t) => Buffer.from(t, 'utf8')) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 3000 }).map((bytes) => Buffer.from(bytes)) },
  );
  const contentType = fc.option(
    fc.constantFrom(
      'application/json',
      'application/x-www-form-urlencoded',
      'text/plain',
      'application/octet-stream',
      'multipart/form-data; boundary=x',
      'application/json; charset=utf-16',
      'application/x-www-form-urlencoded; charset=iso-8859-1',
      'garbage',
      '',
    ),
    { nil: undefined },
  );

  // Headers -----------------------------------------------------------------------------------
  const headerName = fc.oneof(
    fc.constantFrom(
      'x-amz-date',
      'x-amz-content-sha256',
      'x-amz-security-token',
      'origin',
      'cookie',
      'x-forwarded-for',
      'x-forwarded-host',
      'x-api-key',
      'accept',
      'accept-encoding',
      'x-requested-with',
      'content-encoding',
      'x-http-method-override',
      'x-amzn-trace-id',
      'user-agent',
      'referer',
    ),
    fc.stringMatching(/^x-[a-z0-9-]{1,20}$/),
  );
  const headerValue = fc.oneof(
    printable(200),
    fc.constantFrom('gzip', 'https://evil.example', 'null', '20261128T150000Z', 'UNSIGNED-PAYLOAD', 'DELETE'),
  );
  const extraHeaders = fc
    .array(fc.tuple(headerName, headerValue), { maxLength: 4 })
    .map((pairs) => Object.fromEntries(pairs));

  // Credentials -------------------------------------------------------------------------------
  const accepted = (jwt: string) =>
    fc.constantFrom(`Bearer ${jwt}`, `bearer ${jwt}`, `BEARER   ${jwt}`, jwt, `Bearer ${jwt} `);
  const userCredential = fc
    .constantFrom(ctx.userIdToken)
    .chain(accepted)
    .map((header): Credential => ({ kind: 'user', header }));
  const adminCredential = fc
    .constantFrom(ctx.adminIdToken)
    .chain(accepted)
    .map((header): Credential => ({ kind: 'admin', header }));
  const jwtGarbage = fc
    .tuple(b64url(0, 80), b64url(0, 200), b64url(0, 120), fc.integer({ min: 0, max: 4 }))
    .map(([a, b, c, dots]) => [`eyJ${a}`, `eyJ${b}`, c, 'x', 'y'].slice(0, dots + 1).join('.'));
  const realTokenMutated = fc
    .tuple(
      fc.constantFrom(ctx.userIdToken, ctx.adminIdToken),
      fc.constantFrom('payload', 'signature', 'truncate', 'header', 'extra-part'),
      fc.nat(),
      b64urlChar,
    )
    .map(([jwt, part, at, char]) => {
      const [h, p, s] = jwt.split('.') as [string, string, string];
      // Not the signature's last character: its spare bits may decode to the same bytes.
      const flip = (t: string) => mutate(t.slice(0, -1), ['flip', at, char]) + t.slice(-1);
      switch (part) {
        case 'payload':
          return `${h}.${flip(p)}.${s}`;
        case 'signature':
          return `${h}.${p}.${flip(s)}`;
        case 'truncate':
          return `${h}.${p}.${s.slice(0, at % Math.max(1, s.length - 4))}`;
        case 'header':
          return `${flip(h)}.${p}.${s}`;
        default:
          return `${jwt}.${s}`;
      }
    });
  const invalidHeader = fc.oneof(
    {
      weight: 3,
      arbitrary: fc
        .tuple(fc.constantFrom(...ctx.invalidJwts), fc.constantFrom('Bearer ', '', 'bearer '))
        .map(([j, p]) => ({ what: j.what, header: p + j.jwt })),
    },
    {
      weight: 2,
      arbitrary: realTokenMutated.map((jwt) => ({ what: 'altered real ID token', header: `Bearer ${jwt}` })),
    },
    { weight: 2, arbitrary: jwtGarbage.map((jwt) => ({ what: 'JWT-shaped garbage', header: `Bearer ${jwt}` })) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(ctx.userIdToken, ctx.adminIdToken)
        .chain((jwt) =>
          fc.constantFrom(
            `Basic ${jwt}`,
            `Token ${jwt}`,
            `Bearer${jwt}`,
            `Bearer ${jwt} ${jwt}`,
            `Bearer ${jwt},x`,
            `"${jwt}"`,
          ),
        )
        .map((header) => ({ what: 'real ID token in a form API Gateway refuses', header })),
    },
    { weight: 2, arbitrary: printable(300).map((header) => ({ what: 'printable garbage', header })) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(
          '',
          'Bearer',
          'Bearer ',
          'null',
          'undefined',
          'Bearer null',
          'Basic dXNlcjpwYXNz',
          'eyJ',
          'eyJ.eyJ.',
          '..',
        )
        .map((header) => ({ what: 'empty-ish', header })),
    },
    { weight: 2, arbitrary: sigv4LookingHeader(ctx).map((header) => ({ what: 'SigV4-looking header', header })) },
  );
  const invalidCredential = invalidHeader.map(({ what, header }): Credential => ({ kind: 'invalid', header, what }));
  const none = fc.constant<Credential>({ kind: 'none' });
  const signed = fc
    .option(fc.constantFrom(...TAMPERS), { nil: null, freq: 2 })
    .map((tamper): Credential => ({ kind: 'sigv4', tamper }));

  // Scenarios ---------------------------------------------------------------------------------
  const methodFor = (route: RouteDefinition | undefined) =>
    fc.oneof(
      { weight: 6, arbitrary: fc.constant((route?.method ?? 'GET') as Method) },
      { weight: 1, arbitrary: fc.constantFrom(...METHODS) },
    );
  const assemble =
    (scenario: string) =>
    (parts: {
      method: Method;
      path: string;
      query: string;
      body: Buffer | undefined;
      contentType: string | undefined;
      headers: Record<string, string>;
      credential: Credential;
      chunked: boolean;
    }): FuzzRequest => ({
      scenario,
      method: parts.method,
      target: parts.path + parts.query,
      headers: { ...parts.headers, ...(parts.contentType !== undefined && { 'content-type': parts.contentType }) },
      body: parts.body,
      chunked: parts.chunked,
      credential: parts.credential,
    });
  const anyCredential = fc.oneof(
    { weight: 2, arbitrary: none },
    { weight: 4, arbitrary: invalidCredential },
    { weight: 3, arbitrary: userCredential },
    { weight: 3, arbitrary: adminCredential },
  );
  const chunked = fc.integer({ min: 0, max: 4 }).map((n) => n === 0);

  const userRoute = fc.constantFrom(...userRoutes).chain((route) =>
    fc
      .record({
        method: methodFor(route),
        path: decorate(templatePath([route])),
        query,
        body,
        contentType,
        headers: extraHeaders,
        credential: anyCredential,
        chunked,
      })
      .map(assemble(`user route ${route.name}`)),
  );
  const serviceRoute = fc.constantFrom(...serviceRoutes).chain((route) =>
    fc
      .record({
        method: methodFor(route),
        path: fc.oneof(
          { weight: 6, arbitrary: fc.constant(route.path) },
          { weight: 1, arbitrary: decorate(fc.constant(route.path)) },
        ),
        query: fc.oneof({ weight: 6, arbitrary: fc.constant('') }, { weight: 1, arbitrary: query }),
        body: fc.oneof(
          {
            weight: 3,
            arbitrary: (route.name === 'mint-token'
              ? fc.oneof(
                  mintShaped,
                  fieldObject.map((o) => JSON.stringify(o)),
                  text,
                )
              : fc.oneof(
                  { weight: 4, arbitrary: serviceForm },
                  { weight: 1, arbitrary: form },
                  { weight: 1, arbitrary: text },
                )
            ).map((t) => Buffer.from(t, 'utf8')),
          },
          { weight: 1, arbitrary: fc.constant(undefined) },
        ),
        contentType: fc.option(
          fc.constantFrom(route.name === 'mint-token' ? 'application/json' : 'application/x-www-form-urlencoded'),
          { nil: undefined, freq: 5 },
        ),
        headers: extraHeaders.map((h) =>
          Object.fromEntries(Object.entries(h).filter(([name]) => !name.startsWith('x-amz-'))),
        ),
        credential: fc.oneof({ weight: 6, arbitrary: signed }, { weight: 3, arbitrary: anyCredential }),
        chunked: fc.constant(false),
      })
      .map(assemble(`service route ${route.name}`)),
  );
  const unknown = fc
    .record({
      method: fc.constantFrom(...METHODS),
      path: unknownPath,
      query,
      body,
      contentType,
      headers: extraHeaders,
      credential: anyCredential,
      chunked,
    })
    .map(assemble('unknown path'));
  const anything = fc
    .record({
      method: fc.constantFrom(...METHODS),
      path: fc.oneof(decorate(templatePath(ROUTES)), unknownPath),
      query,
      body,
      contentType,
      headers: extraHeaders,
      credential: fc.oneof(anyCredential, signed),
      chunked,
    })
    .map(assemble('any route'));

  return fc.oneof(
    { weight: 6, arbitrary: userRoute },
    { weight: 4, arbitrary: serviceRoute },
    { weight: 2, arbitrary: unknown },
    { weight: 2, arbitrary: anything },
  );
}

/** Token values as an authorization server might present them: never one of the real ones. */
function tokenValueArb(ctx: FuzzContext): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...ctx.tokenValues), mutationArb).map(([v, m]) => mutate(v, m)) },
    // A real token's id with a random secret, and a real secret with a random id.
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom(...ctx.tokenValues), b64url(43, 43))
        .map(([v, s]) => `${v.split('.')[0]}.${s}`),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom(...ctx.tokenValues), b64url(22, 22))
        .map(([v, id]) => `tledger_${id}.${v.split('.')[1]}`),
    },
    { weight: 2, arbitrary: fc.tuple(b64url(22, 22), b64url(43, 43)).map(([id, s]) => `tledger_${id}.${s}`) },
    { weight: 1, arbitrary: fc.constantFrom('', 'tledger_', 'tledger_.', 'TLEDGER_x.y') },
    { weight: 1, arbitrary: longText(1000, 1100) },
    { weight: 1, arbitrary: anyText(80) },
  );
}

/** An Authorization header that looks like SigV4, with random fields: never a valid signature. */
function sigv4LookingHeader(ctx: FuzzContext): fc.Arbitrary<string> {
  const day = fc.oneof(
    fc.constant(new Date().toISOString().slice(0, 10).replace(/-/g, '')),
    fc.stringMatching(/^\d{8}$/),
    printable(10),
  );
  return fc
    .tuple(
      fc.oneof(
        fc.constant(ctx.serviceAccessKeyId),
        fc.stringMatching(/^(AKIA|ASIA|LOCAL)[A-Z0-9]{12,16}$/),
        printable(24),
      ),
      day,
      fc.oneof(fc.constant(ctx.region), fc.constantFrom('eu-west-1', '*', '')),
      fc.oneof(fc.constant('execute-api'), fc.constantFrom('s3', 'dynamodb', '')),
      fc.oneof(
        fc.constantFrom(
          'host;x-amz-date',
          'host',
          'content-type;host;x-amz-content-sha256;x-amz-date',
          'x-amz-date',
          '',
        ),
        fc.stringMatching(/^[a-z0-9;-]{0,60}$/),
      ),
      fc.oneof(hex(64), hex(63), printable(70)),
      fc.constantFrom(', ', ',', ' ', ', ,'),
    )
    .map(
      ([key, d, region, service, signedHeaders, signature, sep]) =>
        `AWS4-HMAC-SHA256 Credential=${key}/${d}/${region}/${service}/aws4_request` +
        `${sep}SignedHeaders=${signedHeaders}${sep}Signature=${signature}`,
    );
}

// ---------------------------------------------------------------------------------------------
// The gateway's routing, mirrored

export interface RouteMatch {
  route: RouteDefinition;
  /** Path parameters, decoded as the gateway decodes them. */
  values: string[];
}

const compiled = ROUTES.map((route) => ({
  route: route as RouteDefinition,
  pattern: new RegExp(`^${route.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{\w+\}/g, '([^/]+)')}$`),
}));

const decodeSegment = (segment: string) => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

/**
 * The URL the gateway sees for a request target, parsed as local/gateway.ts parses it: always as
 * a path (so `//host/tokens` is the path `//host/tokens`, which matches no route); undefined
 * where that parse fails. Such a request reaches no route.
 */
export function gatewayUrl(target: string): URL | undefined {
  try {
    return new URL(`http://127.0.0.1${target}`);
  } catch {
    return undefined;
  }
}

function routesOnPath(target: string): RouteMatch[] {
  const pathname = gatewayUrl(target)?.pathname;
  if (pathname === undefined) return [];
  return compiled.flatMap(({ route, pattern }) => {
    const m = pattern.exec(pathname);
    return m ? [{ route, values: m.slice(1).map(decodeSegment) }] : [];
  });
}

export function matchRoute(method: string, target: string): RouteMatch | undefined {
  return routesOnPath(target).find((m) => m.route.method === method);
}

// ---------------------------------------------------------------------------------------------
// Guarding the requests that could write

/** The routes a signed-in user or admin can write through. */
const WRITE_ROUTE_INPUT: Record<string, { parameter: z.ZodMiniType; body: z.ZodMiniType }> = {
  'revoke-token': { parameter: tokenIdSchema, body: revokeBodySchema },
  'revoke-app': { parameter: externalId('clientId'), body: appRevokeBodySchema },
  'revoke-user-tokens': { parameter: externalId('userId'), body: bulkRevokeBodySchema },
};

/** What the functions make of a body: the gateway reads it as UTF-8 text. */
const bodyText = (body: Buffer | undefined) => (body ?? Buffer.alloc(0)).toString('utf8');

/** Whether `http/request.ts`'s jsonBodyOf would refuse this body for `schema`. */
function jsonBodyRefused(text: string, schema: z.ZodMiniType): boolean {
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) return true;
  if (text.trim() === '') return !schema.safeParse({}).success;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return true;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return true;
  return !schema.safeParse(parsed).success;
}

/**
 * Whether a revoking route would refuse this input with 400 before touching the table, judged by
 * the path parameter and the body only. The query is left out on purpose: whether a parameter
 * reaches the function at all depends on the gateway (one named `__proto__` is easily lost while
 * building the event), so a refusal for the query alone is not relied upon.
 */
function inputRefused(match: RouteMatch, body: Buffer | undefined): boolean {
  const input = WRITE_ROUTE_INPUT[match.route.name];
  if (!input) return true;
  if (match.values.some((v) => !input.parameter.safeParse(v).success)) return true;
  return jsonBodyRefused(bodyText(body), input.body);
}

export interface Guarded {
  request: FuzzRequest;
  /** Why the request was changed, if it was. */
  rewritten?: string;
}

/**
 * The requests that may write by design are a real ID token on a revoking route naming a real
 * token, client or user with input the route accepts, and a correctly signed mint with a valid
 * body (introspection and revocation by value need a real value, which the arbitraries never
 * produce; the guard checks that too). Such a request gets an unknown id in its path, or an
 * unknown field in its mint body, so every request of the run is one that must change nothing.
 */
export function guardWrites(request: FuzzRequest, ctx: FuzzContext, known: ReadonlySet<string>): Guarded {
  const { credential } = request;
  const match = matchRoute(request.method, request.target);
  if (!match) return { request };
  if ((credential.kind === 'user' || credential.kind === 'admin') && match.route.name in WRITE_ROUTE_INPUT) {
    if (match.values.some((v) => known.has(v)) && !inputRefused(match, request.body)) {
      const search = gatewayUrl(request.target)?.search ?? '';
      const unknownId = `fuzz-unknown-${createHash('sha256').update(request.target).digest('hex').slice(0, 16)}`;
      const target = match.route.path.replace(/\{\w+\}/g, unknownId) + search;
      return { request: { ...request, target }, rewritten: `${match.route.name} on a real id with accepted input` };
    }
  }
  if (credential.kind === 'sigv4' && credential.tamper === null) {
    const text = bodyText(request.body);
    if (match.route.name === 'mint-token' && !jsonBodyRefused(text, mintBodySchema)) {
      const parsed = text.trim() === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
      return {
        request: { ...request, body: Buffer.from(JSON.stringify({ ...parsed, fuzzGuard: true })) },
        rewritten: 'a valid mint body',
      };
    }
    const values = [...new URLSearchParams(text).values()];
    if (ctx.tokenValues.some((v) => text.includes(v) || values.includes(v))) {
      return {
        request: { ...request, body: Buffer.from('token=tledger_x.y&client_id=fuzz-app') },
        rewritten: 'a real token value',
      };
    }
  }
  return { request };
}
