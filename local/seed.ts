import { randomBytes } from 'node:crypto';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  type CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TokenRecord } from '../lambdas/domain/token';
import type { LocalState } from './state';

/** Demo sign-ins, listed in the README. Local only: cognito-local is not a real identity provider. */
export const DEMO_PASSWORD = 'Demo-Passw0rd!';
const DEMO_USERS = [
  { email: 'alice@example.com', admin: false },
  { email: 'bob@example.com', admin: false },
  { email: 'admin@example.com', admin: true },
] as const;

const HOUR = 3600;
const DAY = 24 * HOUR;
const demoTokenId = () => `demo_${randomBytes(12).toString('base64url')}`;

async function createUser(cognito: CognitoIdentityProviderClient, state: LocalState, email: string, admin: boolean) {
  const { User } = await cognito.send(
    new AdminCreateUserCommand({
      UserPoolId: state.userPoolId,
      Username: email,
      UserAttributes: [
        { Name: 'email', Value: email },
        { Name: 'email_verified', Value: 'true' },
      ],
      MessageAction: 'SUPPRESS',
    }),
  );
  await cognito.send(
    new AdminSetUserPasswordCommand({
      UserPoolId: state.userPoolId,
      Username: email,
      Password: DEMO_PASSWORD,
      Permanent: true,
    }),
  );
  if (admin) {
    await cognito.send(
      new AdminAddUserToGroupCommand({
        UserPoolId: state.userPoolId,
        Username: email,
        GroupName: state.adminGroupName,
      }),
    );
  }
  const sub = User?.Attributes?.find((a) => a.Name === 'sub')?.Value;
  if (!sub) throw new Error(`cognito-local returned no sub for ${email}`);
  return sub;
}

function demoTokens(alice: string, bob: string, now: number): TokenRecord[] {
  const token = (fields: Omit<TokenRecord, 'tokenId'>): TokenRecord => ({ tokenId: demoTokenId(), ...fields });
  const calendarRefresh = token({
    userId: alice,
    clientId: 'calendar-sync',
    clientName: 'Calendar Sync',
    tokenType: 'refresh_token',
    scope: 'calendar.read calendar.write offline_access',
    issuedAt: now - 3 * DAY,
    expiresAt: now + 27 * DAY,
  });
  return [
    calendarRefresh,
    token({
      userId: alice,
      clientId: 'calendar-sync',
      clientName: 'Calendar Sync',
      tokenType: 'access_token',
      scope: 'calendar.read calendar.write',
      issuedAt: now - 600,
      expiresAt: now + HOUR - 600,
      parentTokenId: calendarRefresh.tokenId,
      lastUsedAt: now - 120,
    }),
    token({
      userId: alice,
      clientId: 'photo-printer',
      clientName: 'Photo Printer',
      tokenType: 'access_token',
      scope: 'photos.read',
      issuedAt: now - 2 * DAY,
      expiresAt: now + 5 * DAY,
      revokedAt: now - DAY,
      revokedBy: alice,
      revokeReason: 'No longer use this printer',
    }),
    token({
      userId: alice,
      clientId: 'photo-printer',
      clientName: 'Photo Printer',
      tokenType: 'access_token',
      scope: 'photos.read photos.write',
      issuedAt: now - HOUR,
      expiresAt: now + 6 * DAY,
    }),
    // Expired but not yet purged by TTL: the API must not show it.
    token({
      userId: alice,
      clientId: 'fitness-tracker',
      clientName: 'Fitness Tracker',
      tokenType: 'access_token',
      scope: 'activity.read',
      issuedAt: now - 2 * HOUR,
      expiresAt: now - HOUR,
    }),
    token({
      userId: bob,
      clientId: 'calendar-sync',
      clientName: 'Calendar Sync',
      tokenType: 'access_token',
      scope: 'calendar.read',
      issuedAt: now - 300,
      expiresAt: now + HOUR - 300,
    }),
    // Client credentials: no user; only admins see it.
    token({
      clientId: 'reporting-service',
      clientName: 'Reporting Service',
      tokenType: 'access_token',
      scope: 'reports.read',
      issuedAt: now - 900,
      expiresAt: now + HOUR - 900,
    }),
  ];
}

export async function seedDemoData(
  cognito: CognitoIdentityProviderClient,
  documents: DynamoDBDocumentClient,
  state: LocalState,
): Promise<void> {
  const [alice, bob] = await Promise.all(DEMO_USERS.map((u) => createUser(cognito, state, u.email, u.admin)));
  if (!alice || !bob) throw new Error('the demo users were not created');
  const items = demoTokens(alice, bob, Math.floor(Date.now() / 1000));
  await documents.send(
    new BatchWriteCommand({ RequestItems: { [state.tableName]: items.map((Item) => ({ PutRequest: { Item } })) } }),
  );
}
