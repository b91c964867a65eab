import { callerFromEvent } from '../../lambdas/http/caller';
import { apiEvent, idToken, idTokenEvent } from '../support/api-event';
import { thrownApiError } from '../support/refusal';

const CLIENT = 'app-client';
const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_pool';
const settings = { clientId: CLIENT, adminGroup: 'token-admins' };
/** An ID token of this API's app client, as Cognito issues one. */
const claims = (extra: Record<string, unknown> = {}) => ({
  sub: 'alice',
  iss: ISSUER,
  aud: CLIENT,
  token_use: 'id',
  ...extra,
});

describe('callerFromEvent', () => {
  it('takes the caller from the ID token API Gateway verified', () => {
    expect(callerFromEvent(idTokenEvent(claims()), settings)).toStrictEqual({ sub: 'alice', isAdmin: false });
  });

  it('takes the token bare, as API Gateway does, and finds the header whatever its case', () => {
    const token = idToken(claims());
    for (const headers of [{ Authorization: token }, { authorization: `bearer ${token}` }]) {
      expect(callerFromEvent(idTokenEvent(claims(), { headers }), settings).sub).toBe('alice');
    }
  });

  it.each<[string, Record<string, unknown>]>([
    ["another app client's ID token (API Gateway does not pin the client)", { aud: 'other-client' }],
    ['an access token', { token_use: 'access', aud: undefined, client_id: CLIENT }],
    ['a token with no token_use', { token_use: undefined }],
    ['a token for several audiences', { aud: [CLIENT, 'other-client'] }],
  ])('answers 401 for %s', (_, extra) => {
    const payload = Object.fromEntries(Object.entries(claims(extra)).filter(([, v]) => v !== undefined));
    thrownApiError(() => callerFromEvent(idTokenEvent(payload), settings), 'unauthorized', 401);
  });

  it('answers 401 when the header holds another token than the one the authorizer verified', () => {
    const verified = idTokenEvent(claims());
    for (const other of [claims({ sub: 'mallory' }), claims({ iss: 'https://elsewhere.example/pool' })]) {
      const event = { ...verified, headers: { Authorization: `Bearer ${idToken(other)}` } };
      thrownApiError(() => callerFromEvent(event, settings), 'unauthorized', 401);
    }
  });

  it('answers 401 when the request carries two Authorization values, of which the authorizer checked one', () => {
    const verified = idTokenEvent(claims());
    const forged = `Bearer ${idToken(claims({ 'cognito:groups': ['token-admins'] }))}`;
    const twice = [
      { ...verified, multiValueHeaders: { Authorization: [verified.headers.Authorization!, forged] } },
      { ...verified, multiValueHeaders: { authorization: [forged] } },
      { ...verified, headers: { ...verified.headers, authorization: forged } },
    ];
    for (const event of twice) thrownApiError(() => callerFromEvent(event, settings), 'unauthorized', 401);
    const repeated = { ...verified, multiValueHeaders: { Authorization: [verified.headers.Authorization!] } };
    expect(callerFromEvent(repeated, settings).sub).toBe('alice');
  });

  it.each<[string, ReturnType<typeof apiEvent>]>([
    ['no authorizer', apiEvent({ headers: { Authorization: `Bearer ${idToken(claims())}` } })],
    ['no Authorization header', apiEvent({ claims: { sub: 'alice', iss: ISSUER } })],
    ['a header that is no JWT', apiEvent({ claims: { sub: 'alice', iss: ISSUER }, headers: { Authorization: 'x.y' } })],
    ['an empty sub in the claims', apiEvent({ claims: { sub: '' }, headers: { Authorization: idToken(claims()) } })],
  ])('answers 401 with %s', (_, event) => {
    thrownApiError(() => callerFromEvent(event, settings), 'unauthorized', 401);
  });

  it('answers 401 when the event has no requestContext at all', () => {
    const event = { ...idTokenEvent(claims()), requestContext: undefined } as unknown as Parameters<
      typeof callerFromEvent
    >[0];
    thrownApiError(() => callerFromEvent(event, settings), 'unauthorized', 401);
  });

  it.each<[unknown, boolean]>([
    [['token-admins'], true],
    [['users', 'token-admins'], true],
    [['x,token-admins'], false],
    [['[token-admins]'], false],
    [['"token-admins"'], false],
    [['token-admins-x'], false],
    [['Token-Admins'], false],
    [[' token-admins'], false],
    [['token-admins,users'], false],
    ['token-admins', false],
    [undefined, false],
  ])('groups %j in the token → admin %s: the group named exactly so, from the array itself', (groups, isAdmin) => {
    const event = idTokenEvent(claims({ 'cognito:groups': groups }));
    expect(callerFromEvent(event, settings).isAdmin).toBe(isAdmin);
  });

  it('never reads the groups from the claims API Gateway rendered as text', () => {
    // The authorizer's string "x,token-admins" cannot tell one group from two; only the token can.
    const event = idTokenEvent(claims({ 'cognito:groups': ['x,token-admins'] }));
    expect(event.requestContext.authorizer?.claims['cognito:groups']).toBe('x,token-admins');
    expect(callerFromEvent(event, settings).isAdmin).toBe(false);
  });

  it('uses the configured admin group name', () => {
    const event = idTokenEvent(claims({ 'cognito:groups': ['ops', 'token-admins'] }));
    expect(callerFromEvent(event, { ...settings, adminGroup: 'ops' }).isAdmin).toBe(true);
    expect(callerFromEvent(event, { ...settings, adminGroup: 'admins' }).isAdmin).toBe(false);
  });
});
