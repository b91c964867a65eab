/**
 * Who an ID token says its holder is. Cognito writes the groups into the token's
 * `cognito:groups` claim as a JSON array of names; that array is the only source. A rendering of
 * it as text (API Gateway hands claims to functions as `"a,b"`) cannot tell the group `x,a` from
 * the groups `x` and `a`, so none is ever split.
 */
export function groupsOf(claims: Readonly<Record<string, unknown>>): string[] {
  const groups = claims['cognito:groups'];
  return Array.isArray(groups) ? groups.filter((group): group is string => typeof group === 'string') : [];
}

/** An admin is a member of the group named exactly so (docs/api.md#authorization-and-admins). */
export const isMemberOf = (claims: Readonly<Record<string, unknown>>, group: string): boolean =>
  groupsOf(claims).includes(group);
