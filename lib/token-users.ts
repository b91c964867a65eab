import { Aws, Fn, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { RESERVED_DOMAIN_WORDS } from './stack-config';

export interface TokenUsersProps {
  readonly adminGroupName: string;
  readonly selfSignUp: boolean;
  readonly allowPasswordAuth: boolean;
  readonly removalPolicy: RemovalPolicy;
  /** The console's URL (ending in "/"): where managed login returns after sign-in and sign-out. */
  readonly consoleUrl: string;
  /** Prefix of the managed login domain; undefined derives one unique to this stack. */
  readonly domainPrefix: string | undefined;
}

/**
 * Who may call the API: the user pool, the app client that signs users in, the admin group, and
 * the managed login domain where the console sends people to sign in.
 */
export class TokenUsers extends Construct {
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;
  readonly adminGroup: cognito.UserPoolGroup;
  readonly domain: cognito.UserPoolDomain;

  constructor(scope: Construct, id: string, props: TokenUsersProps) {
    super(scope, id);

    this.userPool = new cognito.UserPool(this, 'Pool', {
      signInAliases: { email: true },
      autoVerify: { email: true },
      selfSignUpEnabled: props.selfSignUp,
      standardAttributes: { email: { required: true, mutable: true } },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
      },
      // Recovery by SMS would need an SNS role and is weaker than email here.
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      // Managed login (below) needs Essentials or Plus; Lite only has the classic hosted UI. It
      // is also the default for new pools: stated here so nobody lowers it without noticing.
      featurePlan: cognito.FeaturePlan.ESSENTIALS,
      // Anyone may add an authenticator app (TOTP), and should if they are an admin: an admin's
      // password alone can revoke every token. Not required: test suites and API clients
      // sign in unattended, with a password or SRP. SMS would need an SNS role and is phishable.
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      removalPolicy: props.removalPolicy,
    });
    NagSuppressions.addResourceSuppressions(this.userPool, [
      {
        id: 'AwsSolutions-COG2',
        reason:
          "MFA is optional (TOTP), not required: required MFA would put every sign-in, test suites' password " +
          "sign-ins and API clients' SRP sign-ins included, through a TOTP challenge they cannot answer unattended. " +
          'Admins are expected to enroll an authenticator app.',
      },
      {
        id: 'AwsSolutions-COG8',
        reason:
          'Threat protection (compromised-credential checks, adaptive authentication) ' +
          'needs the Plus feature plan, billed per monthly active user; the pool stays on ' +
          'Essentials, which managed login needs, until the operator decides to pay for it.',
      },
    ]);

    this.client = this.userPool.addClient('WebClient', {
      // A browser or CLI client cannot keep a secret, so the app client has none: the console
      // proves itself with PKCE instead.
      generateSecret: false,
      // Direct sign-in (SRP, or passwords on test stacks) for API clients and test suites.
      authFlows: { userSrp: true, userPassword: props.allowPasswordAuth },
      // The console signs in through managed login: authorization code grant only (no implicit
      // grant, which would put tokens in the URL), back to the console's own URL only.
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
        callbackUrls: [props.consoleUrl],
        logoutUrls: [props.consoleUrl],
      },
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
    });

    this.domain = this.userPool.addDomain('Domain', {
      cognitoDomain: { domainPrefix: props.domainPrefix ?? derivedDomainPrefix(this) },
      managedLoginVersion: cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });
    // Managed login shows an app client's pages only once the client has a style: Cognito's own.
    const branding = new cognito.CfnManagedLoginBranding(this, 'LoginBranding', {
      userPoolId: this.userPool.userPoolId,
      clientId: this.client.userPoolClientId,
      useCognitoProvidedValues: true,
    });
    branding.node.addDependency(this.domain);

    this.adminGroup = this.userPool.addGroup('AdminGroup', {
      // Fixed by configuration because it is what the functions compare `cognito:groups` with.
      groupName: props.adminGroupName,
      description: 'Members may list and revoke every user’s tokens',
    });
  }
}

/**
 * `<stack name>-<12 hex digits>`, the digits being the last group of the UUID in the stack's id:
 * a prefix must be unique in its region across every AWS account, and a fixed default (or one
 * derived only from names in this code) would collide between two deployments of this app. The
 * id is fixed for the life of the stack and reveals nothing (unlike the account id). The name
 * part is the stack name in lowercase without the words Cognito reserves, at most 50 characters
 * so the prefix stays within 63.
 */
function derivedDomainPrefix(scope: Construct): string {
  const stackUuid = Fn.select(2, Fn.split('/', Aws.STACK_ID));
  const uuidTail = Fn.select(4, Fn.split('-', stackUuid));
  let name = Stack.of(scope).stackName.toLowerCase();
  // Until none is left: removing one can join the letters around it into another.
  while (RESERVED_DOMAIN_WORDS.some((word) => name.includes(word))) {
    for (const word of RESERVED_DOMAIN_WORDS) name = name.split(word).join('');
  }
  name = name
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, 50)
    .replace(/^-+|-+$/g, '');
  return `${name || 'token-ledger'}-${uuidTail}`;
}
