import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** The deny-list of revoked access tokens (RFC 7009), by `jti` until the token's own expiry. */
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

  async isRevoked(jti: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query('SELECT 1 FROM revoked_tokens WHERE jti = $1', [jti]);
    return rows.length > 0;
  }
}
