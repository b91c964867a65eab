import { groupsOf, isMemberOf } from '../../lambdas/domain/identity';

describe('groupsOf', () => {
  it.each<[string, unknown, string[]]>([
    ['the array Cognito writes', ['a', 'b'], ['a', 'b']],
    ['an array with non-strings', ['a', 1, null, 'b'], ['a', 'b']],
    ['a text rendering, never split', 'a,b', []],
    ['a bracketed rendering', '[a b]', []],
    ['nothing', undefined, []],
    ['a number', 42, []],
  ])('reads %s', (_, value, groups) => {
    expect(groupsOf({ 'cognito:groups': value })).toStrictEqual(groups);
  });
});

describe('isMemberOf', () => {
  it.each<[string[], boolean]>([
    [['token-admins'], true],
    [['users', 'token-admins'], true],
    [['x,token-admins'], false],
    [['[token-admins]'], false],
    [['"token-admins"'], false],
    [['token-admins '], false],
    [[], false],
  ])('%j → %s', (groups, member) => {
    expect(isMemberOf({ 'cognito:groups': groups }, 'token-admins')).toBe(member);
  });
});
