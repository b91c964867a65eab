import { createHash, createHmac } from 'node:crypto';
import {
  hashSecret,
  newTokenValue,
  parseTokenValue,
  secretMatches,
  TOKEN_PREFIX,
} from '../../lambdas/domain/token-value';

const pepper = Buffer.alloc(32, 7);
const otherPepper = Buffer.alloc(32, 8);
const FORMAT = /^tledger_[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/;

describe('newTokenValue', () => {
  it('has the format tledger_<22 base64url>.<43 base64url>', () => {
    const { tokenId, value } = newTokenValue(pepper);
    expect(TOKEN_PREFIX).toBe('tledger_');
    expect(value).toMatch(FORMAT);
    expect(value.startsWith(`${TOKEN_PREFIX}${tokenId}.`)).toBe(true);
    expect(tokenId).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('carries 256 random bits in the secret (43 base64url characters = 32 bytes)', () => {
    const { secret } = parseTokenValue(newTokenValue(pepper).value)!;
    expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
  });

  it('gives 1000 distinct values, token ids and hashes', () => {
    const minted = Array.from({ length: 1000 }, () => newTokenValue(pepper));
    for (const m of minted) expect(m.value).toMatch(FORMAT);
    expect(new Set(minted.map((m) => m.value)).size).toBe(1000);
    expect(new Set(minted.map((m) => m.tokenId)).size).toBe(1000);
    expect(new Set(minted.map((m) => parseTokenValue(m.value)!.secret)).size).toBe(1000);
    expect(new Set(minted.map((m) => m.secretHash)).size).toBe(1000);
  });

  it('returns the hash of its own secret', () => {
    const { value, secretHash } = newTokenValue(pepper);
    expect(secretHash).toBe(hashSecret(parseTokenValue(value)!.secret, pepper));
  });
});

describe('parseTokenValue', () => {
  it('round-trips: the parts rebuild the value', () => {
    for (let i = 0; i < 50; i++) {
      const { tokenId, value } = newTokenValue(pepper);
      const parts = parseTokenValue(value);
      expect(parts?.tokenId).toBe(tokenId);
      expect(`${TOKEN_PREFIX}${parts!.tokenId}.${parts!.secret}`).toBe(value);
    }
  });

  const { value } = newTokenValue(pepper);
  const id = value.slice(8, 30);
  const secret = value.slice(31);

  it.each<[string, string]>([
    ['an empty string', ''],
    ['another prefix', `tledgr_${id}.${secret}`],
    ['an upper-case prefix', `TLEDGER_${id}.${secret}`],
    ['no prefix', `${id}.${secret}`],
    ['a prefix without the underscore', `tledger${id}.${secret}`],
    ['a doubled prefix', `tledger_tledger_${id}.${secret}`],
    ['a short token id', `tledger_${id.slice(1)}.${secret}`],
    ['a long token id', `tledger_${id}A.${secret}`],
    ['a short secret', `tledger_${id}.${secret.slice(1)}`],
    ['a long secret', `tledger_${id}.${secret}A`],
    ['no dot', `tledger_${id}${secret}`],
    ['an extra dot in the secret', `tledger_${id}.${secret.slice(0, 20)}.${secret.slice(21)}`],
    ['an extra trailing dot', `tledger_${id}.${secret}.`],
    ['two dots', `tledger_${id}..${secret.slice(1)}`],
    ['a leading space', ` ${value}`],
    ['a trailing space', `${value} `],
    ['a trailing newline', `${value}\n`],
    ['a leading newline', `\n${value}`],
    ['a space inside', `tledger_${id}. ${secret.slice(1)}`],
    ['padding', `tledger_${id}.${secret.slice(0, 42)}=`],
    ['standard base64 characters', `tledger_${id}.${secret.slice(0, 42)}+`],
    ['a slash', `tledger_${id.slice(0, 21)}/.${secret}`],
    ['a Bearer prefix', `Bearer ${value}`],
  ])('rejects %s', (_, candidate) => {
    expect(parseTokenValue(candidate)).toBeUndefined();
  });
});

describe('hashSecret', () => {
  const { value, secretHash } = newTokenValue(pepper);
  const { secret } = parseTokenValue(value)!;

  it('is an HMAC-SHA256 keyed with the pepper', () => {
    expect(secretHash).toBe(createHmac('sha256', pepper).update(secret).digest('base64url'));
  });

  it('depends on the pepper', () => {
    expect(hashSecret(secret, otherPepper)).not.toBe(secretHash);
    expect(hashSecret(secret, pepper)).toBe(secretHash);
  });

  it('is not a plain hash of the value or the secret in any usual encoding', () => {
    for (const algorithm of ['sha256', 'sha512', 'sha1', 'md5']) {
      for (const input of [value, secret]) {
        for (const encoding of ['hex', 'base64', 'base64url'] as const) {
          const plain = createHash(algorithm).update(input).digest(encoding);
          expect(secretHash).not.toBe(plain);
          expect(plain).not.toContain(secretHash);
        }
      }
    }
  });
});

describe('secretMatches', () => {
  const { value, secretHash } = newTokenValue(pepper);
  const { secret } = parseTokenValue(value)!;

  it('accepts the right secret', () => {
    expect(secretMatches(secret, secretHash, pepper)).toBe(true);
  });

  it('refuses a wrong secret, a wrong pepper, another token’s hash, or no stored hash', () => {
    const other = newTokenValue(pepper);
    expect(secretMatches(parseTokenValue(other.value)!.secret, secretHash, pepper)).toBe(false);
    expect(secretMatches(`${secret.slice(0, 42)}${secret.endsWith('A') ? 'B' : 'A'}`, secretHash, pepper)).toBe(false);
    expect(secretMatches(secret, secretHash, otherPepper)).toBe(false);
    expect(secretMatches(secret, other.secretHash, pepper)).toBe(false);
    expect(secretMatches(secret, undefined, pepper)).toBe(false);
    expect(secretMatches(secret, '', pepper)).toBe(false);
    expect(secretMatches(secret, secretHash.slice(1), pepper)).toBe(false);
    expect(secretMatches('', secretHash, pepper)).toBe(false);
  });
});

describe('tokenId', () => {
  it('is not derived from the value or the secret by a plain hash', () => {
    for (let i = 0; i < 20; i++) {
      const { tokenId, value } = newTokenValue(pepper);
      const { secret } = parseTokenValue(value)!;
      for (const algorithm of ['sha256', 'sha512', 'sha1', 'md5']) {
        for (const input of [value, secret, `${TOKEN_PREFIX}${secret}`]) {
          for (const encoding of ['hex', 'base64', 'base64url'] as const) {
            expect(createHash(algorithm).update(input).digest(encoding)).not.toContain(tokenId);
          }
        }
      }
      // Nor is it the keyed hash that is stored, nor part of the secret.
      expect(hashSecret(secret, pepper)).not.toContain(tokenId);
      expect(secret).not.toContain(tokenId);
    }
  });
});
