/**
 * openapi.json against the code, so the document and the API never drift: the route table
 * (paths, methods, names, access), the input schemas (query parameters, tokenId, JSON and form
 * bodies), the answers (`toView`, introspection, connected apps, bulk revocation, minted values)
 * and the error codes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as z from 'zod/mini';
import type { Access } from '../../lambdas/domain/authorization';
import type { ErrorCode } from '../../lambdas/domain/errors';
import { INACTIVE, type Introspection } from '../../lambdas/domain/introspection';
import {
  DEFAULT_PAGE_SIZE,
  MAX_EMAIL_LENGTH,
  MAX_EXPIRES_IN,
  MAX_PEOPLE_FOUND,
  MAX_REASON_LENGTH,
  MIN_EXPIRES_IN,
} from '../../lambdas/domain/limits';
import { type Person, withUserEmails } from '../../lambdas/domain/people';
import { TOKEN_STATUSES, TOKEN_TYPES, type TokenRecord, toView } from '../../lambdas/domain/token';
import { newTokenValue, TOKEN_PREFIX } from '../../lambdas/domain/token-value';
import type { BulkPreview, ConnectedApp } from '../../lambdas/domain/views';
import { ERROR_STATUS } from '../../lambdas/http/error-response';
import {
  adminListQuerySchema,
  appRevokeBodySchema,
  bulkRevokeBodySchema,
  introspectFormSchema,
  MAX_BODY_BYTES,
  mintBodySchema,
  noQuerySchema,
  ownListQuerySchema,
  revokeBodySchema,
  revokeFormSchema,
  tokenIdSchema,
  userSearchQuerySchema,
} from '../../lambdas/http/input';
import { ROUTES, type RouteName } from '../../lambdas/routes';
import { InMemoryUserDirectory } from '../support/in-memory-user-directory';

// The document is plain JSON; walk it loosely.
type Node = any;

const doc: Node = JSON.parse(readFileSync(join(__dirname, '..', '..', 'openapi.json'), 'utf8'));

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** The parts of a zod object schema the document is checked against. */
interface ZodShape {
  readonly shape: Readonly<Record<string, z.ZodMiniType>>;
  readonly def: { readonly catchall?: { readonly _zod: { readonly def: { readonly type: string } } } };
}

interface BodyDoc {
  readonly contentType: 'application/json' | 'application/x-www-form-urlencoded';
  /** The zod schema the handler parses the body with. */
  readonly schema: ZodShape;
  /** Whether an empty body can succeed. */
  readonly optional: boolean;
}

/**
 * What each route's documentation must say, per route: a new route fails to compile here until
 * it is documented. The rest (401 or 403 by access, 400, 404, 429, 500) follows from the route
 * table and the API's order of checks (docs/api.md#input-rules-and-order-of-checks).
 */
interface RouteDoc {
  /** The success status and its schema (`undefined`: an empty body). */
  readonly ok: readonly ['200' | '201', string | undefined];
  /** Which schema the handler validates its query with. */
  readonly query: ZodShape;
  readonly body?: BodyDoc;
  /** Error statuses beyond the common ones, e.g. 409 for a conditional write that can lose a race. */
  readonly also?: readonly string[];
}

const schemaRef = (name: string) => `#/components/schemas/${name}`;

const ROUTE_DOCS: Record<RouteName, RouteDoc> = {
  'list-own-tokens': { ok: ['200', 'TokenPage'], query: ownListQuerySchema },
  'list-all-tokens': { ok: ['200', 'TokenPage'], query: adminListQuerySchema },
  'get-token': { ok: ['200', 'TokenView'], query: noQuerySchema },
  'revoke-token': {
    ok: ['200', 'TokenView'],
    query: noQuerySchema,
    body: { contentType: 'application/json', schema: revokeBodySchema, optional: true },
    also: ['409'],
  },
  'list-apps': { ok: ['200', 'ConnectedAppList'], query: noQuerySchema },
  'revoke-app': {
    ok: ['200', 'RevokedCount'],
    query: noQuerySchema,
    body: { contentType: 'application/json', schema: appRevokeBodySchema, optional: true },
  },
  'revoke-user-tokens': {
    ok: ['200', 'BulkRevokeResult'],
    query: noQuerySchema,
    body: { contentType: 'application/json', schema: bulkRevokeBodySchema, optional: true },
  },
  'find-users': { ok: ['200', 'PersonList'], query: userSearchQuerySchema },
  'mint-token': {
    ok: ['201', 'MintedToken'],
    query: noQuerySchema,
    body: { contentType: 'application/json', schema: mintBodySchema, optional: false },
  },
  'introspect-token': {
    ok: ['200', 'IntrospectionResponse'],
    query: noQuerySchema,
    body: { contentType: 'application/x-www-form-urlencoded', schema: introspectFormSchema, optional: false },
  },
  'revoke-token-value': {
    ok: ['200', undefined],
    query: noQuerySchema,
    body: { contentType: 'application/x-www-form-urlencoded', schema: revokeFormSchema, optional: false },
  },
};

/** The security scheme API Gateway enforces for each kind of caller. */
const SECURITY: Record<Access, string> = { user: 'cognito', admin: 'cognito', service: 'sigv4' };

/** docs/api.md#the-token-view: every key a view may carry. */
const VIEW_KEYS = [
  'tokenId',
  'userId',
  'clientId',
  'clientName',
  'tokenType',
  'scopes',
  'issuedAt',
  'expiresAt',
  'status',
  'revokedAt',
  'revokedBy',
  'revokeReason',
  'parentTokenId',
  'lastUsedAt',
];
/** docs/api.md#the-token-view: the keys only views sent to admins carry, added to toView()'s. */
const ADMIN_VIEW_KEYS = ['userEmail'];

const sorted = (values: Iterable<string>): string[] => [...values].sort();

/** Resolves a local JSON pointer (`#/a/b`); undefined when it leads nowhere. */
function resolvePointer(ref: string): Node {
  if (!ref.startsWith('#')) return undefined;
  const parts = ref
    .slice(1)
    .split('/')
    .slice(1)
    .map((p) => decodeURIComponent(p).replace(/~1/g, '/').replace(/~0/g, '~'));
  let node: Node = doc;
  for (const part of parts) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, part)) return undefined;
    node = node[part];
  }
  return node;
}

/** Follows `$ref`s until a real node. */
function deref(node: Node): Node {
  const seen = new Set<string>();
  while (node && typeof node === 'object' && typeof node.$ref === 'string') {
    if (seen.has(node.$ref)) throw new Error(`$ref cycle at ${node.$ref}`);
    seen.add(node.$ref);
    const target = resolvePointer(node.$ref);
    if (target === undefined) throw new Error(`unresolved $ref ${node.$ref}`);
    node = target;
  }
  return node;
}

/** Every `$ref` in the document, with where it was found. */
function allRefs(
  node: Node,
  at = '#',
  out: Array<{ at: string; ref: string }> = [],
): Array<{ at: string; ref: string }> {
  if (Array.isArray(node)) {
    for (const [i, child] of node.entries()) allRefs(child, `${at}/${i}`, out);
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') out.push({ at, ref: value });
      else allRefs(value, `${at}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, out);
    }
  }
  return out;
}

function operationOf(route: (typeof ROUTES)[number]): Node {
  const op = doc.paths?.[route.path]?.[route.method.toLowerCase()];
  if (!op) throw new Error(`${route.method} ${route.path} is not documented`);
  return op;
}

const parametersOf = (op: Node, where: 'query' | 'path'): Node[] =>
  (op.parameters ?? []).map(deref).filter((p: Node) => p.in === where);

/** The statuses a route can answer, from its documentation entry and the API's order of checks. */
function expectedStatuses(route: (typeof ROUTES)[number]): string[] {
  const { ok, also = [] } = ROUTE_DOCS[route.name];
  const statuses = [ok[0], '400', '404', '429', '500', ...also];
  // Service routes are refused by IAM with 403 when unsigned; the others by Cognito with 401.
  statuses.push(route.access === 'service' ? '403' : '401');
  if (route.access === 'admin') statuses.push('403');
  return sorted(statuses);
}

/** Zod's strictObject refuses unknown keys; a plain object ignores them. */
const isStrict = (schema: ZodShape): boolean => schema.def.catchall?._zod.def.type === 'never';
const requiredKeys = (schema: ZodShape): string[] =>
  Object.entries(schema.shape)
    .filter(([, field]) => !field.safeParse(undefined).success)
    .map(([key]) => key);

describe('openapi.json is a structurally valid OpenAPI 3.1 document', () => {
  it('declares OpenAPI 3.1 and the required info', () => {
    expect(typeof doc.openapi).toBe('string');
    expect(doc.openapi.startsWith('3.1')).toBe(true);
    expect(doc.info).toMatchObject({ title: 'Token Ledger API', version: '1.0.0' });
    // The local stack on its default port; no trailing slash, so `{server}/tokens` has one slash.
    expect(doc.servers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          url: 'http://127.0.0.1:{port}',
          variables: { port: expect.objectContaining({ default: '3000' }) },
        }),
      ]),
    );
    for (const server of doc.servers) expect(server.url).not.toMatch(/\/$/);
  });

  it('resolves every $ref inside the document', () => {
    const refs = allRefs(doc);
    expect(refs.length).toBeGreaterThan(0);
    const unresolved = refs.filter(({ ref }) => resolvePointer(ref) === undefined);
    expect(unresolved).toEqual([]);
  });

  it('has unique operationIds and responses on every operation', () => {
    const ids: string[] = [];
    for (const pathItem of Object.values<Node>(doc.paths)) {
      for (const method of HTTP_METHODS) {
        const op = pathItem[method];
        if (!op) continue;
        ids.push(op.operationId);
        expect(Object.keys(op.responses ?? {}).length).toBeGreaterThan(0);
        for (const status of Object.keys(op.responses)) expect(status).toMatch(/^[1-5]\d\d$/);
      }
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('declares the Cognito and SigV4 security schemes, and no global default', () => {
    expect(doc.security).toBeUndefined(); // each operation says which it needs
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['cognito', 'sigv4']);
    expect(doc.components.securitySchemes.cognito).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'Authorization',
      'x-amazon-apigateway-authtype': 'cognito_user_pools',
    });
    expect(doc.components.securitySchemes.cognito.description).toMatch(/ID token/);
    expect(doc.components.securitySchemes.sigv4).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'Authorization',
      'x-amazon-apigateway-authtype': 'awsSigv4',
    });
    expect(doc.components.securitySchemes.sigv4.description).toMatch(/execute-api/);
    expect(doc.components.securitySchemes.sigv4.description).toContain('ServicePolicyArn');
  });
});

describe('openapi.json matches the route table', () => {
  it('documents exactly the routes of the table, no more, no fewer', () => {
    const documented: string[] = [];
    for (const [path, pathItem] of Object.entries<Node>(doc.paths)) {
      for (const method of HTTP_METHODS) if (pathItem[method]) documented.push(`${method.toUpperCase()} ${path}`);
    }
    expect(sorted(documented)).toEqual(sorted(ROUTES.map((r) => `${r.method} ${r.path}`)));
    expect(doc.paths['/openapi.json']).toBeUndefined();
  });

  it.each(ROUTES.map((r) => [r.name, r] as const))(
    '%s: operationId, summary, x-access and security',
    (_name, route) => {
      const op = operationOf(route);
      expect(op.operationId).toBe(route.name);
      expect(op.summary).toBe(route.summary);
      expect(op['x-access']).toBe(route.access);
      expect(op.security).toEqual([{ [SECURITY[route.access]]: [] }]);
    },
  );

  it.each(ROUTES.map((r) => [r.name, r] as const))('%s: documents every answer it can give', (_name, route) => {
    const op = operationOf(route);
    expect(sorted(Object.keys(op.responses))).toEqual(expectedStatuses(route));
    for (const [status, response] of Object.entries<Node>(op.responses)) {
      if (status.startsWith('2')) continue;
      const json = deref(response).content?.['application/json'];
      expect(json?.schema).toEqual({ $ref: '#/components/schemas/Error' });
      // The example's code is the one the API uses for that status.
      expect(ERROR_STATUS[json.example.error as ErrorCode]).toBe(Number(status));
    }
    const [okStatus, okSchema] = ROUTE_DOCS[route.name].ok;
    const ok = deref(op.responses[okStatus]);
    if (okSchema === undefined) expect(ok.content).toBeUndefined();
    else expect(ok.content).toEqual({ 'application/json': { schema: { $ref: schemaRef(okSchema) } } });
  });

  it('admin routes document 403 for non-admins; service routes 403 for unsigned calls, and no 401', () => {
    const admin = ROUTES.filter((r) => r.access === 'admin');
    const service = ROUTES.filter((r) => r.access === 'service');
    expect(admin.length).toBeGreaterThan(0);
    expect(service.length).toBeGreaterThan(0);
    for (const route of admin)
      expect(operationOf(route).responses['403']).toEqual({ $ref: '#/components/responses/Forbidden' });
    for (const route of service) {
      expect(operationOf(route).responses['403']).toEqual({ $ref: '#/components/responses/SignatureRequired' });
      expect(operationOf(route).responses['401']).toBeUndefined();
    }
    expect(deref({ $ref: '#/components/responses/SignatureRequired' }).description).toMatch(/unsigned/);
  });

  it('service revoke documents unauthorized_client as its 400', () => {
    const route = ROUTES.find((r) => r.name === 'revoke-token-value')!;
    const refused = deref(operationOf(route).responses['400']).content['application/json'];
    expect(refused.example.error).toBe('unauthorized_client');
    expect(ERROR_STATUS.unauthorized_client).toBe(400);
  });

  it.each(ROUTES.map((r) => [r.name, r] as const))('%s: query parameters equal its zod schema', (_name, route) => {
    const documented = parametersOf(operationOf(route), 'query');
    const { query } = ROUTE_DOCS[route.name];
    expect(sorted(documented.map((p) => p.name))).toEqual(sorted(Object.keys(query.shape)));
    for (const p of documented)
      expect([p.name, p.required ?? false]).toEqual([p.name, requiredKeys(query).includes(p.name)]);
  });

  it.each(ROUTES.map((r) => [r.name, r] as const))(
    '%s: path parameters equal the placeholders of its path',
    (_name, route) => {
      const placeholders = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
      const documented = parametersOf(operationOf(route), 'path');
      expect(sorted(documented.map((p) => p.name))).toEqual(sorted(placeholders));
      for (const p of documented) expect(p.required).toBe(true);
    },
  );

  it.each(ROUTES.map((r) => [r.name, r] as const))('%s: request body matches its zod schema', (_name, route) => {
    const op = operationOf(route);
    const expected = ROUTE_DOCS[route.name].body;
    if (!expected) {
      expect(op.requestBody).toBeUndefined();
      return;
    }
    const body = deref(op.requestBody);
    expect(body.required).toBe(!expected.optional);
    expect(body.description).toMatch(/code points/);
    expect(body.description).toContain(String(MAX_BODY_BYTES));
    expect(Object.keys(body.content)).toEqual([expected.contentType]);
    const schema = deref(body.content[expected.contentType].schema);
    expect(schema.type).toBe('object');
    // JSON bodies refuse unknown fields; RFC 7662 and 7009 forms must ignore unknown parameters.
    expect(schema.additionalProperties === false).toBe(isStrict(expected.schema));
    expect(isStrict(expected.schema)).toBe(expected.contentType === 'application/json');
    expect(sorted(Object.keys(schema.properties))).toEqual(sorted(Object.keys(expected.schema.shape)));
    expect(sorted(schema.required ?? [])).toEqual(sorted(requiredKeys(expected.schema)));
    // The documented example is accepted by the handler's schema.
    const example = body.content[expected.contentType].example;
    if (example && !JSON.stringify(example).includes('…'))
      expect((expected.schema as unknown as z.ZodMiniType).safeParse(example).success).toBe(true);
  });
});

describe('openapi.json matches the input schemas', () => {
  const param = (name: string): Node => deref({ $ref: `#/components/parameters/${name}` });

  it('tokenId: the same pattern as tokenIdSchema', () => {
    const pattern: string = param('tokenId').schema.pattern;
    // The regex zod actually checks (zod 4 keeps it on the check's definition).
    const checks: Node[] = (tokenIdSchema as Node).def.checks ?? [];
    const zodPatterns = checks.map((c) => c._zod?.def?.pattern).filter((p): p is RegExp => p instanceof RegExp);
    expect(zodPatterns.map((p) => p.source)).toEqual([pattern]);
    // And behaviourally, whatever zod's internals look like.
    const regex = new RegExp(pattern, 'u');
    const samples = [
      'abcdefgh',
      'abcdefg',
      'a'.repeat(128),
      'a'.repeat(129),
      'short',
      'bad id;',
      'abc_DEF-123',
      'ABCDEFGH-_',
      'abcdefgh\n',
      'abcdéfgh',
      '../../etc',
      '',
      'tok_0123456789',
    ];
    for (const sample of samples)
      expect([sample, regex.test(sample)]).toEqual([sample, tokenIdSchema.safeParse(sample).success]);
    expect(doc.components.schemas.TokenView.properties.tokenId.pattern).toBe(pattern);
  });

  it('limit: integer 1–100, default the page size, as the zod schema accepts', () => {
    const schema = param('limit').schema;
    expect(schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 100, default: DEFAULT_PAGE_SIZE });
    for (let n = schema.minimum - 1; n <= schema.maximum + 1; n++) {
      const inRange = n >= schema.minimum && n <= schema.maximum;
      expect([n, ownListQuerySchema.safeParse({ limit: String(n) }).success]).toEqual([n, inRange]);
    }
  });

  it('tokenType and status: the enums the API accepts', () => {
    expect(deref(param('tokenType').schema).enum).toEqual([...TOKEN_TYPES]);
    expect(deref(param('status').schema).enum).toEqual([...TOKEN_STATUSES]);
    for (const tokenType of TOKEN_TYPES) expect(ownListQuerySchema.safeParse({ tokenType }).success).toBe(true);
    for (const status of TOKEN_STATUSES) expect(ownListQuerySchema.safeParse({ status }).success).toBe(true);
    expect(ownListQuerySchema.safeParse({ tokenType: 'id_token' }).success).toBe(false);
    expect(ownListQuerySchema.safeParse({ status: 'expired' }).success).toBe(false);
  });

  it('admin/users: email 1–254 code points and required; limit 1–20, default 20, as the zod schema accepts', () => {
    const email = param('emailPrefix');
    expect(email).toMatchObject({ name: 'email', required: true });
    expect(email.schema).toMatchObject({ type: 'string', minLength: 1, maxLength: MAX_EMAIL_LENGTH });
    expect(userSearchQuerySchema.safeParse({ email: '😀'.repeat(MAX_EMAIL_LENGTH) }).success).toBe(true);
    expect(userSearchQuerySchema.safeParse({ email: 'x'.repeat(MAX_EMAIL_LENGTH + 1) }).success).toBe(false);
    expect(userSearchQuerySchema.safeParse({ email: '' }).success).toBe(false);
    expect(userSearchQuerySchema.safeParse({}).success).toBe(false);
    const limit = param('peopleLimit');
    expect(limit.schema).toMatchObject({
      type: 'integer',
      minimum: 1,
      maximum: MAX_PEOPLE_FOUND,
      default: MAX_PEOPLE_FOUND,
    });
    for (let n = 0; n <= MAX_PEOPLE_FOUND + 1; n++) {
      const inRange = n >= 1 && n <= MAX_PEOPLE_FOUND;
      expect([n, userSearchQuerySchema.safeParse({ email: 'a', limit: String(n) }).success]).toEqual([n, inRange]);
    }
  });

  it('revoke reason: the length limit the API enforces, in code points', () => {
    const reason = doc.components.schemas.RevokeRequest.properties.reason;
    expect(reason).toMatchObject({ type: 'string', maxLength: MAX_REASON_LENGTH });
    const emoji = '😀'; // two UTF-16 units, one code point
    expect(revokeBodySchema.safeParse({ reason: emoji.repeat(reason.maxLength) }).success).toBe(true);
    expect(revokeBodySchema.safeParse({ reason: 'x'.repeat(reason.maxLength + 1) }).success).toBe(false);
    expect(doc.components.schemas.TokenView.properties.revokeReason.maxLength).toBe(MAX_REASON_LENGTH);
    expect(doc.components.schemas.BulkRevokeRequest.properties.reason).toMatchObject({
      type: 'string',
      maxLength: MAX_REASON_LENGTH,
    });
    expect(bulkRevokeBodySchema.safeParse({ reason: 'x'.repeat(MAX_REASON_LENGTH + 1) }).success).toBe(false);
  });

  describe('mint body', () => {
    const mint: Node = doc.components.schemas.MintRequest;
    const valid = { clientId: 'c', clientName: 'C', tokenType: 'access_token', scope: 'read', expiresIn: 3600 };

    it('expiresIn: whole seconds within the documented range, as the zod schema accepts', () => {
      const { minimum, maximum } = mint.properties.expiresIn;
      expect(mint.properties.expiresIn.type).toBe('integer');
      expect([minimum, maximum]).toEqual([MIN_EXPIRES_IN, MAX_EXPIRES_IN]);
      expect([minimum, maximum]).toEqual([60, 31_536_000]); // docs/api.md#service-routes
      for (const [expiresIn, ok] of [
        [minimum - 1, false],
        [minimum, true],
        [maximum, true],
        [maximum + 1, false],
        [3600.5, false],
        ['3600', false],
      ] as const) {
        expect([expiresIn, mintBodySchema.safeParse({ ...valid, expiresIn }).success]).toEqual([expiresIn, ok]);
      }
    });

    it('tokenType, scope, parentTokenId and text limits: as the zod schema checks them', () => {
      expect(mint.properties.tokenType).toEqual({ $ref: '#/components/schemas/TokenType' });
      expect(mint.properties.parentTokenId.pattern).toBe(
        deref({ $ref: '#/components/parameters/tokenId' }).schema.pattern,
      );
      const scope = new RegExp(mint.properties.scope.pattern, 'u');
      for (const sample of [
        'read',
        'read write',
        'a:b/c',
        'read  write',
        ' read',
        'read ',
        'caf\u00e9',
        'say"hi"',
        'back\\slash',
        '',
      ]) {
        expect([sample, scope.test(sample)]).toEqual([
          sample,
          mintBodySchema.safeParse({ ...valid, scope: sample }).success,
        ]);
      }
      for (const [field, max] of [
        ['clientId', mint.properties.clientId.maxLength],
        ['clientName', mint.properties.clientName.maxLength],
        ['userId', mint.properties.userId.maxLength],
      ] as const) {
        expect([field, mintBodySchema.safeParse({ ...valid, [field]: '😀'.repeat(max) }).success]).toEqual([
          field,
          true,
        ]);
        expect([field, mintBodySchema.safeParse({ ...valid, [field]: 'x'.repeat(max + 1) }).success]).toEqual([
          field,
          false,
        ]);
        expect([field, mintBodySchema.safeParse({ ...valid, [field]: '' }).success]).toEqual([field, false]);
      }
      expect(mintBodySchema.safeParse({ ...valid, extra: 1 }).success).toBe(false);
    });
  });
});

describe('openapi.json matches the lifecycle answers', () => {
  const schemas: Node = doc.components.schemas;

  it('MintedToken is exactly the token view plus the value, whose format the minting code produces', () => {
    const minted = schemas.MintedToken;
    expect(minted.additionalProperties).toBe(false);
    expect(sorted(Object.keys(minted.properties))).toEqual(sorted([...VIEW_KEYS, 'token']));
    for (const key of VIEW_KEYS)
      expect(minted.properties[key]).toEqual({ $ref: `#/components/schemas/TokenView/properties/${key}` });
    expect(sorted(minted.required)).toEqual(sorted([...schemas.TokenView.required, 'token']));
    const { value } = newTokenValue(Buffer.alloc(32, 7));
    const pattern = new RegExp(minted.properties.token.pattern, 'u');
    expect(value).toMatch(pattern);
    expect(minted.example.token).toMatch(pattern);
    expect(value.startsWith(TOKEN_PREFIX)).toBe(true);
    expect(minted.properties.token.description).toContain(`\`${TOKEN_PREFIX}\``);
    expect(minted.example.token.startsWith(TOKEN_PREFIX)).toBe(true);
  });

  it('IntrospectionResponse: the active claims, or exactly {active: false}', () => {
    // Every key of an active answer; a key added to the type fails to compile until documented.
    const activeKeys: Record<keyof Extract<Introspection, { active: true }>, 'required' | 'optional'> = {
      active: 'required',
      scope: 'required',
      client_id: 'required',
      sub: 'optional',
      token_type: 'required',
      token_use: 'required',
      exp: 'required',
      iat: 'required',
      jti: 'required',
    };
    const [active, inactive] = schemas.IntrospectionResponse.oneOf;
    expect(schemas.IntrospectionResponse.oneOf).toHaveLength(2);
    expect(active.additionalProperties).toBe(false);
    expect(sorted(Object.keys(active.properties))).toEqual(sorted(Object.keys(activeKeys)));
    expect(sorted(active.required)).toEqual(
      sorted(Object.keys(activeKeys).filter((k) => activeKeys[k as keyof typeof activeKeys] === 'required')),
    );
    expect(active.properties.active).toEqual({ const: true });
    expect(active.properties.token_type).toEqual({ const: 'Bearer' });
    expect(deref(active.properties.token_use).enum).toEqual([...TOKEN_TYPES]);
    expect(active.properties.jti.pattern).toBe(deref({ $ref: '#/components/parameters/tokenId' }).schema.pattern);
    for (const key of ['exp', 'iat']) expect(active.properties[key].type).toBe('integer');
    // Inactive: exactly {"active": false}, which is what the code answers.
    expect(inactive).toMatchObject({
      additionalProperties: false,
      required: ['active'],
      properties: { active: { const: false } },
    });
    expect(Object.keys(inactive.properties)).toEqual(['active']);
    expect(INACTIVE).toEqual({ active: false });
    expect(sorted(Object.keys(schemas.IntrospectionResponse.example))).toEqual(sorted(Object.keys(activeKeys)));
  });

  it('ConnectedApp has exactly the keys connectedApps() answers, all required', () => {
    const keys: Record<keyof ConnectedApp, true> = {
      clientId: true,
      clientName: true,
      scopes: true,
      activeTokens: true,
      lastIssuedAt: true,
      expiresAt: true,
    };
    const app = schemas.ConnectedApp;
    expect(app.additionalProperties).toBe(false);
    expect(sorted(Object.keys(app.properties))).toEqual(sorted(Object.keys(keys)));
    expect(sorted(app.required)).toEqual(sorted(Object.keys(keys)));
    expect(app.properties.lastIssuedAt.format).toBe('date-time');
    expect(app.properties.expiresAt.format).toBe('date-time');
    expect(schemas.ConnectedAppList).toMatchObject({
      required: ['items'],
      properties: { items: { type: 'array', items: { $ref: '#/components/schemas/ConnectedApp' } } },
    });
  });

  it('PersonList is items of at least userId and email, at most the search limit, with no cursor', () => {
    const keys: Record<keyof Person, true> = { userId: true, email: true };
    expect(schemas.Person.additionalProperties).toBeUndefined(); // items may carry more fields
    expect(sorted(Object.keys(schemas.Person.properties))).toEqual(sorted(Object.keys(keys)));
    expect(sorted(schemas.Person.required)).toEqual(sorted(Object.keys(keys)));
    expect(schemas.PersonList).toMatchObject({
      additionalProperties: false,
      required: ['items'],
      properties: {
        items: { type: 'array', maxItems: MAX_PEOPLE_FOUND, items: { $ref: '#/components/schemas/Person' } },
      },
    });
    expect(Object.keys(schemas.PersonList.properties)).toEqual(['items']);
  });

  it('bulk revocation answers {revoked} or the dry-run preview', () => {
    const previewKeys: Record<keyof BulkPreview, true> = { wouldRevoke: true, byClient: true };
    expect(schemas.BulkRevokeResult.oneOf).toEqual([
      { $ref: '#/components/schemas/RevokedCount' },
      { $ref: '#/components/schemas/BulkRevokePreview' },
    ]);
    expect(schemas.RevokedCount).toMatchObject({
      additionalProperties: false,
      required: ['revoked'],
      properties: { revoked: { type: 'integer', minimum: 0 } },
    });
    const preview = schemas.BulkRevokePreview;
    expect(preview.additionalProperties).toBe(false);
    expect(sorted(Object.keys(preview.properties))).toEqual(sorted(Object.keys(previewKeys)));
    expect(sorted(preview.required)).toEqual(sorted(Object.keys(previewKeys)));
    expect(preview.properties.byClient.additionalProperties.type).toBe('integer');
  });
});

describe('openapi.json matches the view and the errors', () => {
  const full: TokenRecord = {
    tokenId: 'tok_full_000001',
    userId: 'user-sub-1',
    clientId: 'client-1',
    clientName: 'Client One',
    tokenType: 'access_token',
    scope: 'read write',
    issuedAt: 1_800_000_000,
    expiresAt: 1_800_003_600,
    revokedAt: 1_800_000_600,
    revokedBy: 'user-sub-1',
    revokeReason: 'lost device',
    parentTokenId: 'tok_parent_00001',
    lastUsedAt: 1_800_000_300,
  };
  const minimal: TokenRecord = {
    tokenId: 'tok_min_0000001',
    clientId: 'client-2',
    clientName: 'Client Two',
    tokenType: 'refresh_token',
    scope: 'read',
    issuedAt: 1_800_000_000,
    expiresAt: 1_800_003_600,
  };
  const viewSchema: Node = doc.components.schemas.TokenView;

  it('TokenView has exactly the documented view keys, and toView() of a full record yields them', () => {
    expect(viewSchema.additionalProperties).toBe(false);
    expect(sorted(Object.keys(viewSchema.properties))).toEqual(sorted([...VIEW_KEYS, ...ADMIN_VIEW_KEYS]));
    expect(sorted(Object.keys(toView(full)))).toEqual(sorted(VIEW_KEYS));
  });

  it("an admin's view of a full record also carries the owner's email, as documented", async () => {
    const directory = new InMemoryUserDirectory([{ userId: 'user-sub-1', email: 'one@example.com' }]);
    const [view] = await withUserEmails(directory, { sub: 'admin', isAdmin: true }, [toView(full)]);
    expect(sorted(Object.keys(view!))).toEqual(sorted([...VIEW_KEYS, ...ADMIN_VIEW_KEYS]));
    expect(viewSchema.properties.userEmail).toMatchObject({ type: 'string' });
    expect(viewSchema.properties.userEmail.description).toMatch(/admins/);
    expect(viewSchema.required).not.toContain('userEmail');
  });

  it('TokenView requires exactly what toView() always shows', () => {
    expect(sorted(viewSchema.required)).toEqual(sorted(Object.keys(toView(minimal))));
  });

  it('toView() values have the documented types', () => {
    for (const [key, value] of Object.entries(toView(full))) {
      const property = deref(viewSchema.properties[key]);
      if (property.type === 'array') expect(Array.isArray(value)).toBe(true);
      else expect([key, typeof value]).toEqual([key, property.type]);
      if (property.enum) expect(property.enum).toContain(value);
      if (property.format === 'date-time')
        expect(new Date(value as string).toISOString().replace('.000Z', 'Z')).toBe(value);
      if (property.pattern) expect(value).toMatch(new RegExp(property.pattern, 'u'));
    }
  });

  it('TokenPage is items + nextCursor (string or null)', () => {
    const page = doc.components.schemas.TokenPage;
    expect(sorted(page.required)).toEqual(['items', 'nextCursor']);
    expect(page.properties.items).toEqual({
      ...page.properties.items,
      type: 'array',
      items: { $ref: '#/components/schemas/TokenView' },
    });
    expect(sorted(page.properties.nextCursor.type)).toEqual(['null', 'string']);
  });

  it('Error lists exactly the API error codes and requires error and message', () => {
    const error = doc.components.schemas.Error;
    expect(sorted(error.required)).toEqual(['error', 'message']);
    expect(error.properties.message.type).toBe('string');
    expect(sorted(error.properties.error.enum)).toEqual(sorted(Object.keys(ERROR_STATUS)));
  });

  it('every reusable error response carries a code for its kind, and every code has one', () => {
    const codes = Object.values<Node>(doc.components.responses).map((r) => r.content['application/json'].example.error);
    expect(sorted(new Set(codes))).toEqual(sorted(Object.keys(ERROR_STATUS)));
  });
});
