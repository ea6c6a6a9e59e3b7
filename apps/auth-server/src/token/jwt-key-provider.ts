import { JwtModuleOptions, JwtSecretRequestType, JwtSignOptions } from '@nestjs/jwt';
import { decodeProtectedHeader } from 'jose';
import { SigningKeysService } from '../keys/signing-keys.service';

/**
 * JwtService's key lookup, answered from the database-held keys by `kid`: signing uses the key the
 * caller put in the header (so `kid` and signature can never disagree across a rotation), verifying
 * uses the published key the token names, and only with the algorithm that key was made for.
 *
 * A provider rather than `privateKey` in each call's options: JwtService deletes `privateKey` from its
 * copy of the options, which costs the token endpoint about 2 µs per token (see README).
 */
export function signingKeyProvider(keys: SigningKeysService): NonNullable<JwtModuleOptions['secretOrKeyProvider']> {
  return (type, tokenOrPayload, options) => {
    if (type === JwtSecretRequestType.SIGN) {
      const kid = (options as JwtSignOptions | undefined)?.header?.kid;
      const key = kid === undefined ? undefined : keys.publishedKey(kid)?.privateKey;
      if (!key) throw new Error(`no private key for kid ${String(kid)}`);
      return key;
    }
    const header = decodeProtectedHeader(String(tokenOrPayload));
    const key = typeof header.kid === 'string' ? keys.publishedKey(header.kid) : undefined;
    if (!key || header.alg !== key.alg) throw new Error('token not signed by a published key');
    return key.publicKey;
  };
}
