import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { DataSource } from 'typeorm';
import { MAX_ACCESS_TOKEN_TTL_SECONDS } from '../config/auth-server.config';

/**
 * What a resource server needs to refuse revoked JWTs without asking per request (Keycloak's
 * "not-before" push, as a feed it polls). Only entries that can still matter are listed: nothing
 * older than the longest access-token lifetime the config allows, so the feed stays small.
 */
export interface RevocationFeed {
  issuer: string;
  /** Tokens of this client issued before `not_before` (seconds; `iat` < it) are void: disabled clients. */
  clients: { client_id: string; not_before: number }[];
  /** Tokens of this user issued before `not_before` are void: disabled users. */
  users: { sub: string; not_before: number }[];
  /** Revoked end-user grants: every token whose `sid` is listed is void (logouts, refresh-token reuse, code replay, disabled users, new passwords). */
  grants: string[];
}

export interface RevocationFeedSnapshot {
  body: RevocationFeed;
  /** A strong ETag over the body: pollers revalidate with If-None-Match and get 304 while nothing changed. */
  etag: string;
}

/** A revocation in second `t` voids tokens with `iat` < ceil(t): the same rule introspection applies (issuedBeforeRevocation). */
const NOT_BEFORE = `ceil(extract(epoch FROM %s))::bigint`;

@Injectable()
export class RevocationFeedService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async snapshot(issuer: string): Promise<RevocationFeedSnapshot> {
    const window = [MAX_ACCESS_TOKEN_TTL_SECONDS];
    const [clients, users, grants] = await Promise.all([
      this.dataSource.query(
        `SELECT client_id, ${NOT_BEFORE.replace('%s', 'tokens_revoked_before')} AS not_before FROM clients
          WHERE tokens_revoked_before > now() - make_interval(secs => $1)
            -- Set at creation too (the second it was created); only a later disable says anything.
            AND tokens_revoked_before > created_at
          ORDER BY client_id`,
        window,
      ) as Promise<{ client_id: string; not_before: string }[]>,
      this.dataSource.query(
        `SELECT id AS sub, ${NOT_BEFORE.replace('%s', 'updated_at')} AS not_before FROM users
          WHERE status = 'disabled' AND updated_at > now() - make_interval(secs => $1) ORDER BY id`,
        window,
      ) as Promise<{ sub: string; not_before: string }[]>,
      this.dataSource.query(`SELECT grant_id FROM revoked_grants WHERE expires_at > now() ORDER BY grant_id`) as Promise<{ grant_id: string }[]>,
    ]);
    const body: RevocationFeed = {
      issuer,
      clients: clients.map((row) => ({ client_id: row.client_id, not_before: Number(row.not_before) })),
      users: users.map((row) => ({ sub: row.sub, not_before: Number(row.not_before) })),
      grants: grants.map((row) => row.grant_id),
    };
    return { body, etag: `"${createHash('sha256').update(JSON.stringify(body)).digest('base64url')}"` };
  }
}
