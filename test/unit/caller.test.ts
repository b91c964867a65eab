import { ApiError } from '../../lambdas/domain/errors';
import { callerFromEvent, parseGroups } from '../../lambdas/http/caller';
import { apiEvent } from '../support/api-event';
import { thrownApiError } from '../support/refusal';

describe('parseGroups', () => {
  it.each<[string, unknown, string[]]>([
    ['an array (raw JWT)', ['a', 'b'], ['a', 'b']],
    ['one group', 'a', ['a']],
    ['"a,b" (REST Cognito authorizer)', 'a,b', ['a', 'b']],
    ['"a, b"', 'a, b', ['a', 'b']],
    ['"[a b]"', '[a b]', ['a', 'b']],
    ['"[a, b]"', '[a, b]', ['a', 'b']],
    ['a JSON array string', '["a","b"]', ['a', 'b']],
    ['"[a]"', '[a]', ['a']],
    ['an empty string', '', []],
    ['"[]"', '[]', []],
    ['undefined', undefined, []],
    ['null', null, []],
    ['a number', 42, []],
    ['an object', { a: 'b' }, []],
    ['an array with non-strings', ['a', 1, null, 'b'], ['a', 'b']],
  ])('parses %s', (_, value, groups) => {
    expect(parseGroups(value)).toStrictEqual(groups);
  });
});

describe('callerFromEvent', () => {
  const ADMIN = 'token-admins';

  it.each<[string, Record<string, unknown> | undefined]>([
    ['no authorizer', undefined],
    ['no claims', {}],
    ['an empty sub', { sub: '' }],
    ['a non-string sub', { sub: 42 }],
  ])('answers 401 unauthorized with %s', (_, claims) => {
    const event = apiEvent(claims === undefined ? {} : { claims });
    thrownApiError(() => callerFromEvent(event, ADMIN), 'unauthorized', 401);
  });

  it('answers 401 when the event has no requestContext at all', () => {
    const event = { ...apiEvent(), requestContext: undefined } as unknown as Parameters<typeof callerFromEvent>[0];
    expect(() => callerFromEvent(event, ADMIN)).toThrow(ApiError);
  });

  it('takes the caller from sub, not admin without groups', () => {
    expect(callerFromEvent(apiEvent({ claims: { sub: 'alice' } }), ADMIN)).toStrictEqual({
      sub: 'alice',
      isAdmin: false,
    });
  });

  it.each([
    ['token-admins', true],
    ['users,token-admins', true],
    ['token-admins,users', true],
    ['[users token-admins]', true],
    ['["users","token-admins"]', true],
    ['token-admins-x', false],
    ['x-token-admins', false],
    ['Token-Admins', false],
    ['token-admin', false],
    ['users,token-admins-x', false],
    ['', false],
  ])('groups %j → admin %s (exact match only)', (groups, isAdmin) => {
    expect(callerFromEvent(apiEvent({ claims: { sub: 'u', 'cognito:groups': groups } }), ADMIN).isAdmin).toBe(isAdmin);
  });

  it('uses the configured admin group name', () => {
    const event = apiEvent({ claims: { sub: 'u', 'cognito:groups': 'ops,token-admins' } });
    expect(callerFromEvent(event, 'ops').isAdmin).toBe(true);
    expect(callerFromEvent(event, 'admins').isAdmin).toBe(false);
  });
});
