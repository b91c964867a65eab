import { routeTable } from '../../local/gateway';
import type { ApiRoute } from '../../local/stack-model';

const route = (method: string, path: string): ApiRoute => ({
  resourceId: path,
  method,
  path,
  authorization: 'NONE',
  integration: { kind: 'function', functionId: `${method} ${path}` },
});
const matched = (table: ReturnType<typeof routeTable>, method: string, path: string) => {
  const found = table(method, path);
  return found && { route: `${found.route.method} ${found.route.path}`, pathParameters: found.pathParameters };
};

test('a literal segment wins over a variable, whichever the template lists first', () => {
  for (const routes of [
    [route('GET', '/tokens/{tokenId}'), route('GET', '/tokens/mine')],
    [route('GET', '/tokens/mine'), route('GET', '/tokens/{tokenId}')],
  ]) {
    const table = routeTable(routes);
    expect(matched(table, 'GET', '/tokens/mine')).toEqual({ route: 'GET /tokens/mine', pathParameters: null });
    expect(matched(table, 'GET', '/tokens/t1')).toEqual({
      route: 'GET /tokens/{tokenId}',
      pathParameters: { tokenId: 't1' },
    });
  }
});

test('a variable wins over a greedy variable, at the first segment where they differ', () => {
  const table = routeTable([
    route('ANY', '/{proxy+}'),
    route('ANY', '/tokens/{tokenId}/{proxy+}'),
    route('POST', '/tokens/{tokenId}/revoke'),
    route('GET', '/tokens/{tokenId}'),
  ]);
  expect(matched(table, 'POST', '/tokens/t1/revoke')?.route).toBe('POST /tokens/{tokenId}/revoke');
  expect(matched(table, 'GET', '/tokens/t1/other/deeper')).toEqual({
    route: 'ANY /tokens/{tokenId}/{proxy+}',
    pathParameters: { tokenId: 't1', proxy: 'other/deeper' },
  });
  expect(matched(table, 'GET', '/apps')?.route).toBe('ANY /{proxy+}');
});

test("a resource's own method wins over its ANY; a resource without either matches nothing", () => {
  const table = routeTable([route('GET', '/tokens'), route('ANY', '/tokens'), route('POST', '/apps')]);
  expect(matched(table, 'GET', '/tokens')?.route).toBe('GET /tokens');
  expect(matched(table, 'DELETE', '/tokens')?.route).toBe('ANY /tokens');
  expect(matched(table, 'GET', '/apps')).toBeUndefined();
  expect(matched(table, 'GET', '/')).toBeUndefined();
});
