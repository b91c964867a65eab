/**
 * What must never appear in a log: token values, JWTs (ID tokens), Authorization headers and
 * SigV4 signatures. scripts/acceptance-log-scan.ts scans the local stack's whole output with them.
 */
export const SECRET_PATTERNS: Record<string, RegExp> = {
  'token value': /tledger_[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{20,}/g,
  JWT: /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g,
  'Authorization header': /["']?authorization["']?\s*[:=]\s*["']?(Bearer\s|AWS4-HMAC-SHA256|eyJ)/gi,
  'SigV4 signature': /Signature=[0-9a-f]{64}/g,
};

export function findSecrets(text: string): { kind: string; sample: string }[] {
  const found: { kind: string; sample: string }[] = [];
  for (const [kind, pattern] of Object.entries(SECRET_PATTERNS)) {
    for (const match of text.matchAll(pattern)) found.push({ kind, sample: `${match[0].slice(0, 12)}…` });
  }
  return found;
}
