import type { RemovalPolicy } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

export interface TokenUsersProps {
  readonly adminGroupName: string;
  readonly selfSignUp: boolean;
  readonly allowPasswordAuth: boolean;
  readonly removalPolicy: RemovalPolicy;
}

/** Who may call the API: the user pool, the app client that signs users in, and the admin group. */
export class TokenUsers extends Construct {
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;
  readonly adminGroup: cognito.UserPoolGroup;

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
      removalPolicy: props.removalPolicy,
    });

    this.client = this.userPool.addClient('WebClient', {
      // A browser or CLI client cannot keep a secret, and the contract says it has none.
      generateSecret: false,
      authFlows: { userSrp: true, userPassword: props.allowPasswordAuth },
      // Users sign in with SRP (or passwords) directly; leaving OAuth on would enable CDK's default
      // code and implicit grants with a placeholder callback URL.
      disableOAuth: true,
      preventUserExistenceErrors: true,
    });

    this.adminGroup = this.userPool.addGroup('AdminGroup', {
      // Fixed by configuration because it is what the functions compare `cognito:groups` with.
      groupName: props.adminGroupName,
      description: 'Members may list and revoke every user’s tokens',
    });
  }
}
