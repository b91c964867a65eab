/**
 * openapi.json against the code, so the document and the API never drift: the route table
 * (paths, methods, names, access), the input schemas (query parameters, tokenId, revoke body),
 * the view (`toView`) and the error codes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_STATUS, type ErrorCode } from '../../lambdas/domain/errors';
import {
  adminListQuerySchema,
  DEFAULT_PAGE_SIZE,
  MAX_BODY_BYTES,
  MAX_REASON_LENGTH,
  noQuerySchema,
  ownListQuerySchema,
  revokeBodySchema,
  tokenIdSchema,
} from '../../lambdas/domain/input';
import { TOKEN_STATUSES, TOKEN_TYPES, type TokenRecord, toView } from '../../lambdas/domain/token';
import { ROUTES, type RouteName } from '../../lambdas/routes';

// The document is plain JSON; walk it loosely.
type Node = any;

const doc: Node = JSON.parse(readFileSync(join(__dirname, '..', '..', 'openapi.json'), 'utf8'));

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** Which schema each route's handler validates its query with. A new route fails to compile until added. */
const QUERY_SCHEMAS: Record<RouteName, { shape: Record<string, unknown> }> = {
  'list-own-tokens': ownListQuerySchema,
  'list-all-tokens': adminListQuerySchema,
  'get-token': noQuerySchema,
  'revoke-token': noQuerySchema,
};

/** Which routes take a JSON body, and its schema. */
const BODY_SCHEMAS: Record<RouteName, { shape: Record<string, unknown> } | undefined> = {
  'list-own-tokens': undefined,
  'list-all-tokens': undefined,
  'get-token': undefined,
  'revoke-token': revokeBodySchema,
};

/** Contract section 5, every key a view may carry. */
const CONTRACT_VIEW_KEYS = [
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
    if (node === null || typeof node !== 'object' || !Object.prototype.hasOwnProperty.call(node, part)) return undefined;
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
function allRefs(node: Node, at = '#', out: Array<{ at: string; ref: string }> = []): Array<{ at: string; ref: string }> {
  if (Array.isArray(node)) node.forEach((child, i) => allRefs(child, `${at}/${i}`, out));
  else if (node && typeof node === 'object') {
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

/** The statuses a route can answer, from the route table and the contract's order of checks. */
function expectedStatuses(route: (typeof ROUTES)[number]): string[] {
  const statuses = ['200', '400', '401', '404', '429', '500'];
  if (route.access === 'admin') statuses.push('403');
  if (route.table === 'read-update') statuses.push('409'); // a conditional write that can lose a race
  return sorted(statuses);
}

describe('openapi.json is a structurally valid OpenAPI 3.1 document', () => {
  it('declares OpenAPI 3.1 and the required info', () => {
    expect(typeof doc.openapi).toBe('string');
    expect(doc.openapi.startsWith('3.1')).toBe(true);
    expect(doc.info).toMatchObject({ title: 'Token Ledger API', version: '1.0.0' });
    expect(doc.servers).toEqual(expect.arrayContaining([expect.objectContaining({ url: 'http://127.0.0.1:3000/' })]));
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

  it('applies the Cognito security scheme globally', () => {
    expect(doc.security).toEqual([{ cognito: [] }]);
    expect(doc.components.securitySchemes.cognito).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'Authorization',
      'x-amazon-apigateway-authtype': 'cognito_user_pools',
    });
    expect(doc.components.securitySchemes.cognito.description).toMatch(/ID token/);
    for (const route of ROUTES) expect(operationOf(route).security).toBeUndefined(); // no override
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

  it.each(ROUTES.map((r) => [r.name, r] as const))('%s: operationId, summary and x-access', (_name, route) => {
    const op = operationOf(route);
    expect(op.operationId).toBe(route.name);
    expect(op.summary).toBe(route.summary);
    expect(op['x-access']).toBe(route.access);
  });

  it.each(ROUTES.map((r) => [r.name, r] as const))('%s: documents every answer it can give', (_name, route) => {
    const op = operationOf(route);
    expect(sorted(Object.keys(op.responses))).toEqual(expectedStatuses(route));
    for (const [status, response] of Object.entries<Node>(op.responses)) {
      if (status === '200') continue;
      const json = deref(response).content?.['application/json'];
      expect(json?.schema).toEqual({ $ref: '#/components/schemas/Error' });
      // The example's code is the one the API uses for that status.
      expect(ERROR_STATUS[json.example.error as ErrorCode]).toBe(Number(status));
    }
    const ok = deref(op.responses['200']).content['application/json'].schema;
    expect(ok).toEqual({ $ref: route.cursors ? '#/components/schemas/TokenPage' : '#/components/schemas/TokenView' });
  });

  it('admin routes document 403', () => {
    const admin = ROUTES.filter((r) => r.access === 'admin');
    expect(admin.length).toBeGreaterThan(0);
    for (const route of admin) expect(deref(operationOf(route).responses['403']).content['application/json'].schema.$ref).toBe('#/components/schemas/Error');
  });

  it.each(ROUTES.map((r) => [r.name, r] as const))('%s: query parameters equal its zod schema', (_name, route) => {
    const documented = parametersOf(operationOf(route), 'query');
    expect(sorted(documented.map((p) => p.name))).toEqual(sorted(Object.keys(QUERY_SCHEMAS[route.name].shape)));
    for (const p of documented) expect(p.required ?? false).toBe(false);
  });

  it.each(ROUTES.map((r) => [r.name, r] as const))('%s: path parameters equal the placeholders of its path', (_name, route) => {
    const placeholders = [...route.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
    const documented = parametersOf(operationOf(route), 'path');
    expect(sorted(documented.map((p) => p.name))).toEqual(sorted(placeholders));
    for (const p of documented) expect(p.required).toBe(true);
  });

  it.each(ROUTES.map((r) => [r.name, r] as const))('%s: request body matches its zod schema', (_name, route) => {
    const op = operationOf(route);
    const bodySchema = BODY_SCHEMAS[route.name];
    if (!bodySchema) {
      expect(op.requestBody).toBeUndefined();
      return;
    }
    const body = deref(op.requestBody);
    expect(body.required).toBe(false); // an empty body is fine
    expect(body.description).toMatch(/code points/);
    expect(body.description).toContain(String(MAX_BODY_BYTES));
    const schema = deref(body.content['application/json'].schema);
    expect(schema.type).toBe('object');
    expect(schema.additionalProperties).toBe(false);
    expect(sorted(Object.keys(schema.properties))).toEqual(sorted(Object.keys(bodySchema.shape)));
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
    for (const sample of samples) expect([sample, regex.test(sample)]).toEqual([sample, tokenIdSchema.safeParse(sample).success]);
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

  it('revoke reason: the length limit the API enforces, in code points', () => {
    const reason = doc.components.schemas.RevokeRequest.properties.reason;
    expect(reason).toMatchObject({ type: 'string', maxLength: MAX_REASON_LENGTH });
    const emoji = '😀'; // two UTF-16 units, one code point
    expect(revokeBodySchema.safeParse({ reason: emoji.repeat(reason.maxLength) }).success).toBe(true);
    expect(revokeBodySchema.safeParse({ reason: 'x'.repeat(reason.maxLength + 1) }).success).toBe(false);
    expect(doc.components.schemas.TokenView.properties.revokeReason.maxLength).toBe(MAX_REASON_LENGTH);
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

  it('TokenView has exactly the contract keys, and toView() of a full record yields them', () => {
    expect(viewSchema.additionalProperties).toBe(false);
    expect(sorted(Object.keys(viewSchema.properties))).toEqual(sorted(CONTRACT_VIEW_KEYS));
    expect(sorted(Object.keys(toView(full)))).toEqual(sorted(CONTRACT_VIEW_KEYS));
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
      if (property.format === 'date-time') expect(new Date(value as string).toISOString().replace('.000Z', 'Z')).toBe(value);
      if (property.pattern) expect(value).toMatch(new RegExp(property.pattern, 'u'));
    }
  });

  it('TokenPage is items + nextCursor (string or null)', () => {
    const page = doc.components.schemas.TokenPage;
    expect(sorted(page.required)).toEqual(['items', 'nextCursor']);
    expect(page.properties.items).toEqual({ ...page.properties.items, type: 'array', items: { $ref: '#/components/schemas/TokenView' } });
    expect(sorted(page.properties.nextCursor.type)).toEqual(['null', 'string']);
  });

  it('Error lists exactly the contract codes and requires error and message', () => {
    const error = doc.components.schemas.Error;
    expect(sorted(error.required)).toEqual(['error', 'message']);
    expect(error.properties.message.type).toBe('string');
    expect(sorted(error.properties.error.enum)).toEqual(sorted(Object.keys(ERROR_STATUS)));
  });

  it('every reusable error response carries a code for its kind', () => {
    const codes = Object.values<Node>(doc.components.responses).map((r) => r.content['application/json'].example.error);
    expect(sorted(codes)).toEqual(sorted(Object.keys(ERROR_STATUS)));
  });
});
