import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

export interface ServiceCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** API Gateway refuses signatures more than 5 minutes away from its clock. */
const MAX_SKEW_MS = 5 * 60 * 1000;

const AUTHORIZATION = new RegExp(
  String.raw`^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?` +
    'SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$',
);

/** `20261128T150000Z` → a Date, or undefined if malformed. */
function amzDate(value: string | undefined): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value ?? '');
  if (!m) return undefined;
  const [year, month, day, hours, minutes, seconds] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return new Date(Date.UTC(year, month - 1, day, hours, minutes, seconds));
}

/**
 * What API Gateway's AWS_IAM authorization checks, against the local stack's one key pair: the
 * Smithy signer recomputes the SigV4 signature (service `execute-api`) over the headers the
 * caller signed, and it is compared in constant time. Returns the caller's access key id, or
 * undefined for an unsigned, badly signed or stale request.
 */
export function sigv4Verifier(credentials: ServiceCredentials, region: string) {
  const signer = new SignatureV4({
    service: 'execute-api',
    region,
    credentials,
    sha256: Hash.bind(null, 'sha256'),
    // The payload hash must come from the body (or the signed header checked below), never be added.
    applyChecksum: false,
  });
  const sha256Hex = async (body: string) => {
    const hash = new Hash('sha256');
    hash.update(body);
    return Buffer.from(await hash.digest()).toString('hex');
  };

  return async function verify(request: IncomingMessage, url: URL, body: string): Promise<string | undefined> {
    const match = AUTHORIZATION.exec(request.headers.authorization ?? '');
    if (!match) return undefined;
    const [, accessKeyId, day, signedRegion, service, signedHeaderList, signature] = match as unknown as string[] as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const signingDate = amzDate(request.headers['x-amz-date'] as string | undefined);
    if (
      accessKeyId !== credentials.accessKeyId ||
      signedRegion !== region ||
      service !== 'execute-api' ||
      !signingDate ||
      Math.abs(Date.now() - signingDate.getTime()) > MAX_SKEW_MS ||
      !(request.headers['x-amz-date'] as string).startsWith(day)
    ) {
      return undefined;
    }
    const signedNames = signedHeaderList.split(';');
    if (!signedNames.includes('host')) return undefined;
    const headers: Record<string, string> = {};
    for (const name of signedNames) {
      const value = request.headers[name];
      if (value === undefined) return undefined;
      headers[name] = Array.isArray(value) ? value.join(',') : value;
    }
    // A signed payload hash must be the body's, or a captured request could carry another body.
    const claimedHash = headers['x-amz-content-sha256'];
    if (claimedHash !== undefined && claimedHash !== (await sha256Hex(body))) return undefined;

    const query: Record<string, string | string[]> = {};
    for (const [name, value] of url.searchParams) {
      const seen = query[name];
      query[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
    }
    const expected = await signer.sign(
      new HttpRequest({
        method: request.method,
        protocol: 'http:',
        hostname: url.hostname,
        path: url.pathname,
        query,
        headers,
        body,
      }),
      { signingDate },
    );
    const recomputed = /Signature=([0-9a-f]{64})/.exec(String(expected.headers.authorization))?.[1] ?? '';
    const same =
      recomputed.length === signature.length && timingSafeEqual(Buffer.from(recomputed), Buffer.from(signature));
    return same ? accessKeyId : undefined;
  };
}
