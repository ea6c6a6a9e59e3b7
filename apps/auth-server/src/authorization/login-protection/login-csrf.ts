import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { parse as parseCookies, serialize as serializeCookie, type SerializeOptions } from 'cookie';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { authServerConfig } from '../../config/auth-server.config';
import { derivedKey } from './derived-key';

const LIFETIME_SECONDS = 600;
const NONCE_BYTES = 16;

export interface IssuedCsrf {
  /** Goes in the form's hidden `csrf` field. */
  token: string;
  /** The whole Set-Cookie header value. */
  setCookie: string;
}

/**
 * CSRF protection of the sign-in form, bound to the login transaction.
 *
 * The form's token is `expiry.nonce.mac`, with mac = HMAC(server key, expiry, nonce, the
 * authorization request it was shown for). The browser also gets the nonce in an HttpOnly,
 * SameSite=Strict cookie (`__Host-` and `Secure` when the issuer is https, so no other origin or
 * subdomain can plant it). A submission is accepted only with a token this server made, not expired,
 * for this very authorization request (client, redirect URI, PKCE challenge, state, scope), and
 * whose nonce is the cookie's. A double-submit check that only compares cookie and field lets
 * anyone who can plant a cookie choose both; here the attacker cannot make a token at all, and one
 * taken from their own page fails both the cookie and the transaction binding.
 */
@Injectable()
export class LoginCsrf {
  private readonly key: Buffer;
  readonly cookieName: string;
  private readonly cookieAttributes: SerializeOptions;

  constructor(@Inject(authServerConfig.KEY) config: ConfigType<typeof authServerConfig>) {
    this.key = derivedKey(config.keyEncryptionKey, 'login-csrf/v1');
    const secure = new URL(config.issuer).protocol === 'https:';
    // __Host- requires Secure, Path=/ and no Domain; over plain http (development) the old scoped cookie.
    this.cookieName = secure ? '__Host-csrf' : 'csrf';
    this.cookieAttributes = { path: secure ? '/' : '/oauth', secure, httpOnly: true, sameSite: 'strict' };
  }

  issue(transaction: Record<string, string>, now = Date.now()): IssuedCsrf {
    const nonce = randomBytes(NONCE_BYTES).toString('base64url');
    const expires = Math.floor(now / 1000) + LIFETIME_SECONDS;
    return {
      token: `${expires}.${nonce}.${this.mac(expires, nonce, transaction)}`,
      setCookie: serializeCookie(this.cookieName, nonce, { ...this.cookieAttributes, maxAge: LIFETIME_SECONDS }),
    };
  }

  /** Whether a submitted token is ours, current, for this transaction, and matches the browser's cookie. */
  verify(token: string | undefined, cookieHeader: string | undefined, transaction: Record<string, string>, now = Date.now()): boolean {
    const parts = token?.split('.');
    if (!parts || parts.length !== 3) return false;
    const [expiresText, nonce, mac] = parts as [string, string, string];
    if (!/^\d{1,12}$/.test(expiresText) || Number(expiresText) <= now / 1000) return false;
    const cookie = parseCookies(cookieHeader ?? '')[this.cookieName];
    return sameText(cookie, nonce) && sameText(mac, this.mac(Number(expiresText), nonce, transaction));
  }

  /** Clears the cookie once the form has done its job. */
  get clearCookie(): string {
    return serializeCookie(this.cookieName, '', { ...this.cookieAttributes, maxAge: 0 });
  }

  private mac(expires: number, nonce: string, transaction: Record<string, string>): string {
    // Length-prefixed fields in a fixed order: no two transactions share an encoding.
    const binding = createHash('sha256');
    for (const name of Object.keys(transaction).sort()) {
      const value = transaction[name]!;
      binding.update(`${name.length}:${name}${value.length}:${value}`);
    }
    return createHmac('sha256', this.key).update(`${expires}.${nonce}.`).update(binding.digest()).digest('base64url');
  }
}

function sameText(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const [left, right] = [Buffer.from(a), Buffer.from(b)];
  return left.length === right.length && timingSafeEqual(left, right);
}
