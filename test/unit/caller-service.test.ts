import type { APIGatewayProxyEvent } from 'aws-lambda';
import { servicePrincipalFromEvent } from '../../lambdas/http/caller';
import { apiEvent } from '../support/api-event';
import { thrownApiError } from '../support/refusal';

const withIdentity = (identity: Record<string, string | null> | undefined): APIGatewayProxyEvent =>
  apiEvent({
    requestContext: (identity === undefined ? {} : { identity }) as unknown as APIGatewayProxyEvent['requestContext'],
  });

const NO_IDENTITY = { userArn: null, caller: null, accessKey: null, sourceIp: '127.0.0.1', user: null };

describe('servicePrincipalFromEvent', () => {
  it.each<[string, APIGatewayProxyEvent]>([
    ['no requestContext identity', withIdentity(undefined)],
    ['an identity without a principal (unsigned call)', withIdentity(NO_IDENTITY)],
    ['empty strings', withIdentity({ ...NO_IDENTITY, userArn: '', caller: '', accessKey: '' })],
    ['Cognito claims only', apiEvent({ claims: { sub: 'alice', 'cognito:groups': 'token-admins' } })],
  ])('refuses %s with 403 forbidden', (_, event) => {
    thrownApiError(() => servicePrincipalFromEvent(event), 'forbidden', 403);
  });

  it('answers the userArn when there is one', () => {
    const arn = 'arn:aws:sts::123456789012:assumed-role/auth-server/session';
    expect(
      servicePrincipalFromEvent(
        withIdentity({ ...NO_IDENTITY, userArn: arn, caller: 'AROAX:session', accessKey: 'ASIAX' }),
      ),
    ).toBe(arn);
  });

  it('falls back to caller, then accessKey', () => {
    expect(servicePrincipalFromEvent(withIdentity({ ...NO_IDENTITY, caller: 'AIDAX', accessKey: 'AKIAX' }))).toBe(
      'AIDAX',
    );
    expect(servicePrincipalFromEvent(withIdentity({ ...NO_IDENTITY, accessKey: 'AKIALOCAL' }))).toBe('AKIALOCAL');
  });
});
