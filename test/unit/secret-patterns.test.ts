import { newTokenValue } from '../../lambdas/domain/token-value';
import { findSecrets } from '../../scripts/secret-patterns';

/** The scanner must find what it is for, or a clean scan proves nothing. */
describe('the log secret scanner', () => {
  const token = newTokenValue(Buffer.alloc(32)).value;
  const jwt = 'eyJhbGciOiJSUzI1NiIsImtpZCI6IkNvZ25pdG9Mb2NhbCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlX2hlcmU';

  it.each([
    ['a token value', `{"level":"INFO","body":"token=${token}"}`, 'token value'],
    ['a JWT', `{"headers":{"x":"${jwt}"}}`, 'JWT'],
    ['a Bearer Authorization header', '{"authorization":"Bearer abc.def"}', 'Authorization header'],
    [
      'a SigV4 Authorization header',
      'Authorization: AWS4-HMAC-SHA256 Credential=X/1/r/execute-api/aws4_request, SignedHeaders=host, ' +
        `Signature=${'a'.repeat(64)}`,
      'SigV4 signature',
    ],
  ])('finds %s', (_, text, kind) => {
    expect(findSecrets(text).map((f) => f.kind)).toContain(kind);
  });

  it('passes ordinary log lines', () => {
    const lines = [
      '{"level":"INFO","message":"request failed","route":"revoke-token","tokenId":"hrEA0G9mBBT3adTl8c1CyA"}',
      'Token API listening on http://127.0.0.1:3000/, web console on http://127.0.0.1:3001/',
      '{"error":"unauthorized","message":"Sign in and send a valid ID token in the Authorization header."}',
    ];
    expect(findSecrets(lines.join('\n'))).toEqual([]);
  });

  it('never echoes a whole secret in its findings', () => {
    for (const f of findSecrets(`token=${token}`))
      expect(token.includes(f.sample.replace('…', '')) && f.sample.length < token.length).toBe(true);
  });
});
