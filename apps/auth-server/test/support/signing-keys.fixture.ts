import { JwtService } from '@nestjs/jwt';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { LoadedKey, SigningKeysService } from '../../src/keys/signing-keys.service';
import { signingKeyProvider } from '../../src/token/jwt-key-provider';

/** A signing key as SigningKeysService loads one (fresh key pair; `canSign: false` is a retired key's public half). */
export async function loadedKey(alg: 'ES256' | 'RS256', canSign = true): Promise<LoadedKey> {
  const { privateKey } = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicJwk = createPublicKey(privateKey).export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
  return {
    kid,
    alg,
    publicJwk: { ...publicJwk, kid, alg, use: 'sig' },
    publicKey: createPublicKey(privateKey),
    privateKey: canSign ? privateKey : undefined,
    signOptions: { algorithm: alg, header: { alg, typ: 'at+jwt', kid }, mutatePayload: true },
    activatesAt: 0,
    retiredAt: null,
  };
}

/** JwtService wired as AccessTokenModule wires it (the verifier of every token this server issues), over a fixed set of published keys. */
export function jwtServiceOver(keys: LoadedKey[]): JwtService {
  const view = { publishedKey: (kid: string) => keys.find((key) => key.kid === kid) } as unknown as SigningKeysService;
  return new JwtService({ secretOrKeyProvider: signingKeyProvider(view) });
}
