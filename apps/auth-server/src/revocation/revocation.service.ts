import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { isGrantId } from './revoked-grants';

/** The deny-lists of revoked access tokens (RFC 7009): by `jti`, and by grant (see revoked-grants.ts). */
@Injectable()
export class RevocationService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async revoke(jti: string, clientId: string, exp: number): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO revoked_tokens (jti, client_id, expires_at) VALUES ($1, $2, to_timestamp($3)) ON CONFLICT DO NOTHING`,
      [jti, clientId, exp],
    );
    if (Math.random() < 0.01) await this.dataSource.query('DELETE FROM revoked_tokens WHERE expires_at < now()');
  }

  /**
   * Whether the token was revoked by itself (its `jti`) or with its grant (`sid`, user tokens: code
   * replay, refresh-token reuse or revocation; see revokeGrant). One round trip for both.
   */
  async isRevoked(jti: string, grantId?: string): Promise<boolean> {
    if (!isGrantId(grantId)) {
      const rows: unknown[] = await this.dataSource.query('SELECT 1 FROM revoked_tokens WHERE jti = $1', [jti]);
      return rows.length > 0;
    }
    const rows: unknown[] = await this.dataSource.query(
      'SELECT 1 FROM revoked_tokens WHERE jti = $1 UNION ALL SELECT 1 FROM revoked_grants WHERE grant_id = $2 LIMIT 1',
      [jti, grantId],
    );
    return rows.length > 0;
  }
}
