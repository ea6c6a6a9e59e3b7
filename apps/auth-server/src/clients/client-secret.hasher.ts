import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { authServerConfig } from '../config/auth-server.config';

/** Longest secret we will hash; anything longer is rejected outright (never truncated to a prefix). */
export const MAX_SECRET_LENGTH = 512;
const SECRET_BYTES = 32; // 256 bits

/**
 * Client secrets are 256-bit random values, so a keyed fast hash is as strong as a slow one
 * (nothing to brute-force) and keeps the token endpoint off the bcrypt/argon2 bottleneck.
 * The whole secret is hashed: unlike bcrypt there is no 72-byte cut-off.
 */
@Injectable()
export class ClientSecretHasher {
  constructor(@Inject(authServerConfig.KEY) private readonly config: ConfigType<typeof authServerConfig>) {}

  generate(): string {
    return randomBytes(SECRET_BYTES).toString('base64url');
  }

  hash(secret: string): Buffer {
    return createHmac('sha256', this.config.clientSecretPepper).update(secret, 'utf8').digest();
  }

  /**
   * Constant-time check of a presented secret against stored hashes: the index of the one that
   * matched (-1: none), so the caller learns which secret was used. It always compares against
   * `slots` hashes (padding with a dummy) so the time does not tell how many secrets a client has,
   * or whether the client exists at all.
   */
  matchingIndex(presented: Buffer, stored: readonly Buffer[], slots = 2): number {
    let matched = -1;
    for (let i = 0; i < Math.max(slots, stored.length); i++) {
      const candidate = stored[i] ?? DUMMY_HASH;
      // Every slot is compared whatever the earlier ones said.
      if (timingSafeEqual(candidate, presented) && i < stored.length) matched = i;
    }
    return matched;
  }
}

const DUMMY_HASH = Buffer.alloc(32, 0xa5);
