/**
 * How an authorization server or resource server calls the service routes: every request is
 * signed with AWS SigV4 (service `execute-api`) by the AWS SDK's own signer. Deployed, the
 * credentials are the server's IAM role (attach the stack's `ServicePolicyArn`); locally, the
 * `ServiceAccessKeyId` / `ServiceSecretAccessKey` from `.local/outputs.json`.
 */
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, Provider } from '@smithy/types';

export interface ServiceClientOptions {
  apiUrl: string;
  region: string;
  credentials: AwsCredentialIdentity | Provider<AwsCredentialIdentity>;
}

export function serviceClient({ apiUrl, region, credentials }: ServiceClientOptions) {
  const signer = new SignatureV4({ service: 'execute-api', region, credentials, sha256: Hash.bind(null, 'sha256') });

  async function post(path: string, contentType: string, body: string): Promise<Response> {
    const url = new URL(path, apiUrl);
    const signed = await signer.sign(
      new HttpRequest({
        method: 'POST',
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port ? Number(url.port) : undefined,
        path: url.pathname,
        headers: { host: url.host, 'content-type': contentType },
        body,
      }),
    );
    const { host: _host, ...headers } = signed.headers; // fetch sets Host itself
    return fetch(url, { method: 'POST', headers, body });
  }
  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

  return {
    /** On a grant: store the new token, hand `token` to the client. The value is never shown again. */
    async mint(fields: {
      clientId: string;
      clientName: string;
      tokenType: 'access_token' | 'refresh_token';
      scope: string;
      expiresIn: number;
      userId?: string;
      parentTokenId?: string;
    }) {
      const res = await post('service/tokens', 'application/json', JSON.stringify(fields));
      if (res.status !== 201) throw new Error(`mint failed: ${res.status} ${await res.text()}`);
      return (await res.json()) as { tokenId: string; token: string; expiresAt: string };
    },
    /** On each request to a resource server (RFC 7662). */
    async introspect(token: string) {
      const res = await post('service/introspect', 'application/x-www-form-urlencoded', form({ token }));
      if (res.status !== 200) throw new Error(`introspection failed: ${res.status}`);
      return (await res.json()) as { active: boolean; sub?: string; scope?: string; client_id?: string; exp?: number };
    },
    /** When a client revokes its own token (RFC 7009), after the authorization server authenticated it. */
    async revoke(token: string, clientId: string) {
      const res = await post(
        'service/revoke',
        'application/x-www-form-urlencoded',
        form({ token, client_id: clientId }),
      );
      if (res.status !== 200) throw new Error(`revocation failed: ${res.status} ${await res.text()}`);
    },
  };
}
