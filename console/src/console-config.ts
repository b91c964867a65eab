/**
 * `config.json`, served next to the console: written at deploy time by the CDK stack and at
 * start by the local stack. The console reads it before anything else, so one build serves
 * every stack.
 */
export interface ConsoleConfig {
  /** The token API's base URL, ending with "/". */
  apiUrl: string;
  region: string;
  userPoolId: string;
  userPoolClientId: string;
  adminGroupName: string;
  auth: PasswordAuth | HostedAuth;
  /**
   * Plain-language descriptions of OAuth scopes, by scope, where the deployment supplies them
   * (`-c scopeDescriptions=…`, `SCOPE_DESCRIPTIONS` locally); a scope without one shows as it is.
   */
  scopeDescriptions?: Record<string, string>;
}

/** Local stack: sign in with USER_PASSWORD_AUTH straight against cognito-local. */
export interface PasswordAuth {
  kind: 'password';
  /** cognito-local's endpoint, e.g. http://127.0.0.1:9229 */
  cognitoEndpoint: string;
}

/** Deployed: Cognito's managed login with the authorization code flow and PKCE. */
export interface HostedAuth {
  kind: 'hosted';
  /** e.g. https://<prefix>.auth.<region>.amazoncognito.com (no trailing slash) */
  domain: string;
  /** The console's own URL, registered as the app client's callback and sign-out URL. */
  redirectUri: string;
}
