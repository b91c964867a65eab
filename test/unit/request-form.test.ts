import { introspectFormSchema, MAX_BODY_BYTES, revokeFormSchema } from '../../lambdas/http/input';
import { formBodyOf } from '../../lambdas/http/request';
import { apiEvent } from '../support/api-event';
import { refusal } from '../support/refusal';

const form = (body: string, isBase64Encoded = false) =>
  apiEvent({
    httpMethod: 'POST',
    body: isBase64Encoded ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded,
  });

const VALUE = 'tledger_AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB';

describe('formBodyOf', () => {
  it('parses an application/x-www-form-urlencoded body', () => {
    expect(formBodyOf(form(`token=${VALUE}&token_type_hint=access_token`), introspectFormSchema)).toStrictEqual({
      token: VALUE,
      token_type_hint: 'access_token',
    });
  });

  it('decodes percent-encoding and + as a space', () => {
    expect(formBodyOf(form('token=a%2Bb%3Dc+d%26e'), introspectFormSchema)).toStrictEqual({ token: 'a+b=c d&e' });
  });

  it('reads a base64-encoded body', () => {
    expect(formBodyOf(form(`token=${VALUE}&client_id=client-a`, true), revokeFormSchema)).toStrictEqual({
      token: VALUE,
      client_id: 'client-a',
    });
  });

  it.each([
    ['token twice', `token=${VALUE}&token=${VALUE}`, 'token'],
    ['token twice, different values', `token=a&token=b`, 'token'],
    ['client_id twice', `token=a&client_id=c&client_id=d`, 'client_id'],
    ['an unknown parameter twice', `token=a&extra=1&extra=2`, 'extra'],
    ['an empty duplicate', `token=a&token=`, 'token'],
  ])('refuses a repeated parameter (%s) with 400', (_, body, name) => {
    const schema = name === 'client_id' ? revokeFormSchema : introspectFormSchema;
    expect(refusal(() => formBodyOf(form(body), schema)).message).toContain(name);
  });

  it('ignores unknown parameters for introspection (RFC 7662)', () => {
    expect(formBodyOf(form(`token=${VALUE}&resource=https%3A%2F%2Fapi&foo=bar`), introspectFormSchema)).toStrictEqual({
      token: VALUE,
    });
  });

  // Parameter names that are also properties of every object must be treated like any other
  // unknown parameter, not as "given more than once".
  it.each(['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__'])(
    'ignores an unknown parameter named %s',
    (name) => {
      expect(formBodyOf(form(`token=${VALUE}&${name}=x`), introspectFormSchema)).toStrictEqual({ token: VALUE });
    },
  );

  it('requires token', () => {
    refusal(() => formBodyOf(form(''), introspectFormSchema));
    refusal(() => formBodyOf(form('token='), introspectFormSchema));
    refusal(() => formBodyOf(form('token_type_hint=access_token'), introspectFormSchema));
  });

  it('requires client_id for revocation', () => {
    expect(refusal(() => formBodyOf(form(`token=${VALUE}`), revokeFormSchema)).message).toContain('client_id');
    refusal(() => formBodyOf(form(`token=${VALUE}&client_id=`), revokeFormSchema));
    expect(
      formBodyOf(form(`token=${VALUE}&client_id=client-a&token_type_hint=refresh_token`), revokeFormSchema),
    ).toStrictEqual({
      token: VALUE,
      client_id: 'client-a',
      token_type_hint: 'refresh_token',
    });
  });

  it('refuses a body over the size limit', () => {
    refusal(() => formBodyOf(form(`token=${'a'.repeat(MAX_BODY_BYTES)}`), introspectFormSchema));
  });

  it('refuses a token longer than 1024 characters', () => {
    refusal(() => formBodyOf(form(`token=${'a'.repeat(1025)}`), introspectFormSchema));
    expect(formBodyOf(form(`token=${'a'.repeat(1024)}`), introspectFormSchema)).toStrictEqual({
      token: 'a'.repeat(1024),
    });
  });
});
