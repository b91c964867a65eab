import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Hash } from '@smithy/hash-node';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

/** AWS refuses signatures more than 5 minutes away from its clock. */
const MAX_SKEW_MS = 5 * 60 * 1000;

const AUTHORIZATION = new RegExp(
  [
    '^AWS4-HMAC-SHA256 ',
    'Credential=(?<key>[^/]+)/(?<day>\\d{8})/(?<region>[^/]+)/(?<service>[^/]+)/aws4_request, ?',
    'SignedHeaders=(?<signed>[a-z0-9;-]+), ?',
    'Signature=(?<signature>[0-9a-f]{64})$',
  ].join(''),
);

/** What a request's Authorization header claims, before anything is checked. */
interface SignatureClaim {
  readonly accessKeyId: string;
  /** The credential scope's day, `YYYYMMDD`. */
  readonly day: string;
  readonly region: string;
  readonly service: string;
  /** The names of the signed headers, lower case. */
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

export function signatureClaim(authorization: string | undefined): SignatureClaim | undefined {
  const groups = AUTHORIZATION.exec(authorization ?? '')?.groups;
  return groups
    ? {
        accessKeyId: groups.key ?? '',
        day: groups.day ?? '',
        region: groups.region ?? '',
        service: groups.service ?? '',
        signedHeaders: (groups.signed ?? '').split(';'),
        signature: groups.signature ?? '',
      }
    : undefined;
}

/** `20261128T150000Z` → a Date, or undefined if malformed. */
function amzDate(value: string | undefined): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value ?? '');
  if (!m) return undefined;
  const [year, month, day, hours, minutes, seconds] = m.slice(1).map(Number) as number[];
  return new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, day, hours, minutes, seconds));
}

const sha256Hex = async (body: Buffer) => {
  const hash = new Hash('sha256');
  hash.update(body);
  return Buffer.from(await hash.digest()).toString('hex');
};

/**
 * What AWS checks of a SigV4 signature: the Smithy signer recomputes it (for the service and
 * region the caller must sign for) over the headers the caller signed, and it is compared in
 * constant time. Returns the caller's access key id, or undefined for an unsigned, badly signed or
 * stale request, or one signed with a key `secretOf` does not know.
 */
export function sigv4Verifier(
  expected: { service: string; region: string },
  secretOf: (key: string) => string | undefined,
) {
  const signers = new Map<string, SignatureV4>();
  const signerFor = (accessKeyId: string, secretAccessKey: string) => {
    let signer = signers.get(accessKeyId);
    if (!signer) {
      signer = new SignatureV4({
        ...expected,
        credentials: { accessKeyId, secretAccessKey },
        sha256: Hash.bind(null, 'sha256'),
        // The payload hash must come from the body (or the signed header checked below), never be added.
        applyChecksum: false,
      });
      signers.set(accessKeyId, signer);
    }
    return signer;
  };

  return async function verify(request: IncomingMessage, url: URL, body: Buffer): Promise<string | undefined> {
    const claim = signatureClaim(request.headers.authorization);
    const secret = claim && secretOf(claim.accessKeyId);
    const dateHeader = request.headers['x-amz-date'];
    const signingDate = amzDate(typeof dateHeader === 'string' ? dateHeader : undefined);
    if (
      !claim ||
      secret === undefined ||
      claim.region !== expected.region ||
      claim.service !== expected.service ||
      !signingDate ||
      Math.abs(Date.now() - signingDate.getTime()) > MAX_SKEW_MS ||
      !String(dateHeader).startsWith(claim.day)
    ) {
      return undefined;
    }
    if (!claim.signedHeaders.includes('host')) return undefined;
    const headers: Record<string, string> = {};
    for (const name of claim.signedHeaders) {
      const value = request.headers[name];
      if (value === undefined) return undefined;
      headers[name] = Array.isArray(value) ? value.join(',') : value;
    }
    // A signed payload hash must be the body's, or a captured request could carry another body.
    const claimedHash = headers['x-amz-content-sha256'];
    if (claimedHash !== undefined && claimedHash !== (await sha256Hex(body))) {
      return undefined;
    }
    const query: Record<string, string | string[]> = {};
    for (const [name, value] of url.searchParams) {
      const seen = query[name];
      query[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
    }
    const expectedRequest = await signerFor(claim.accessKeyId, secret).sign(
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
    const recomputed = /Signature=([0-9a-f]{64})/.exec(String(expectedRequest.headers.authorization))?.[1] ?? '';
    const given = claim.signature;
    const same = recomputed.length === given.length && timingSafeEqual(Buffer.from(recomputed), Buffer.from(given));
    return same ? claim.accessKeyId : undefined;
  };
}
