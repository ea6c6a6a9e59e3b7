import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { JwtSignOptions } from '@nestjs/jwt';
import { InjectDataSource } from '@nestjs/typeorm';
import { calculateJwkThumbprint, type JWK } from 'jose';
import { createPrivateKey, createPublicKey, generateKeyPairSync, JsonWebKey, KeyObject } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AuditActor, AuditLog, SERVER_ACTOR } from '../audit/audit-log';
import { authServerConfig, SigningAlgorithm } from '../config/auth-server.config';
import { KeyEncryption } from './key-encryption';
import { SigningKeyEntity } from './signing-key.entity';

export interface LoadedKey {
  kid: string;
  alg: string;
  publicJwk: JWK;
  publicKey: KeyObject;
  /** Present only while the key may still sign. */
  privateKey?: KeyObject;
  /**
   * JwtService sign options (alg, and the RFC 9068 header `typ: at+jwt` with `kid`), prepared once per
   * key. `mutatePayload`: the claims object is built per token, so jsonwebtoken need not copy it.
   */
  signOptions: JwtSignOptions;
  activatesAt: number;
  retiredAt: number | null;
}

export interface RotationResult {
  kid: string;
  activatesAt: Date;
  retired: { kid: string; publishUntil: Date }[];
}

const KEYS_LOCK = 'auth:signing-keys';

/**
 * Owns the signing keys: creates the first one, rotates with overlap, and keeps every replica's
 * in-memory view fresh by re-reading the table periodically.
 */
@Injectable()
export class SigningKeysService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(SigningKeysService.name);
  private readonly encryption: KeyEncryption;
  private keys: LoadedKey[] = [];
  private jwks: { keys: JWK[] } = { keys: [] };
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(authServerConfig.KEY) private readonly config: ConfigType<typeof authServerConfig>,
    private readonly audit: AuditLog,
  ) {
    this.encryption = new KeyEncryption(config.keyEncryptionKey);
  }

  async onModuleInit(): Promise<void> {
    await this.ensureKeyExists();
    await this.reload();
    this.timer = setInterval(() => {
      this.reload().catch((error: Error) => this.logger.warn(`key reload failed: ${error.message}`));
    }, this.config.keyReloadIntervalSeconds * 1000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** The key that signs now: the newest one whose activation time has come and that is not retired. */
  signingKey(now = Date.now()): LoadedKey | undefined {
    let chosen: LoadedKey | undefined;
    for (const key of this.keys) {
      if (!key.privateKey || key.activatesAt > now || (key.retiredAt !== null && key.retiredAt <= now)) continue;
      if (!chosen || key.activatesAt > chosen.activatesAt) chosen = key;
    }
    return chosen;
  }

  /** Signing key, re-reading the table once if this replica's view has none (a rotation elsewhere). */
  async requireSigningKey(): Promise<LoadedKey> {
    const key = this.signingKey() ?? (await this.reload(), this.signingKey());
    if (!key) throw new Error('no active signing key');
    return key;
  }

  publishedKey(kid: string): LoadedKey | undefined {
    return this.keys.find((key) => key.kid === kid);
  }

  publicJwks(): { keys: JWK[] } {
    return this.jwks;
  }

  /**
   * Starts a rotation: the new key is published now and signs from now + activation delay; the
   * current key signs until then and stays published until its last token has expired.
   */
  async rotate(options: { activationDelaySeconds?: number } = {}, actor: AuditActor = SERVER_ACTOR): Promise<RotationResult> {
    const delay = options.activationDelaySeconds ?? this.config.keyActivationDelaySeconds;
    const result = await this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [KEYS_LOCK]);
      const now = Date.now();
      const activatesAt = new Date(now + delay * 1000);
      const current = await manager
        .createQueryBuilder(SigningKeyEntity, 'key')
        .where('key.retired_at IS NULL')
        .getMany();
      const publishUntil = new Date(activatesAt.getTime() + this.publishMarginMs());
      for (const key of current) {
        key.retiredAt = activatesAt;
        key.publishUntil = publishUntil;
      }
      await manager.save(current);
      const created = await this.insertKey(manager, activatesAt);
      return {
        kid: created.kid,
        activatesAt,
        retired: current.map((key) => ({ kid: key.kid, publishUntil })),
      };
    });
    await this.reload();
    this.audit.record({
      action: 'signing-key.rotate',
      target: { type: 'signing-key', id: result.kid },
      actor,
      changes: { activates_at: result.activatesAt.toISOString(), retired: result.retired.map((key) => key.kid) },
    });
    return result;
  }

  async reload(): Promise<void> {
    const rows = await this.dataSource
      .getRepository(SigningKeyEntity)
      .createQueryBuilder('key')
      .where('key.publish_until IS NULL OR key.publish_until > now()')
      .orderBy('key.activates_at', 'ASC')
      .getMany();
    const known = new Map(this.keys.map((key) => [key.kid, key]));
    this.keys = rows.map((row) => this.load(row, known.get(row.kid)));
    this.jwks = { keys: this.keys.map((key) => key.publicJwk) };
  }

  private load(row: SigningKeyEntity, previous?: LoadedKey): LoadedKey {
    const retiredAt = row.retiredAt?.getTime() ?? null;
    const canSign = retiredAt === null || retiredAt > Date.now();
    const privateKey =
      previous?.privateKey ??
      (canSign
        ? createPrivateKey({ key: this.encryption.decrypt(row.privateKeyEncrypted), format: 'der', type: 'pkcs8' })
        : undefined);
    const publicJwk: JWK = { ...row.publicJwk, kid: row.kid, alg: row.alg, use: 'sig' };
    return {
      kid: row.kid,
      alg: row.alg,
      publicJwk,
      publicKey: previous?.publicKey ?? publicKeyOf(privateKey, publicJwk),
      privateKey: canSign ? privateKey : undefined,
      signOptions: {
        algorithm: row.alg as JwtSignOptions['algorithm'],
        header: { alg: row.alg, typ: 'at+jwt', kid: row.kid },
        mutatePayload: true,
      },
      activatesAt: row.activatesAt.getTime(),
      retiredAt,
    };
  }

  private async ensureKeyExists(): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      // Replicas starting together: one creates the first key, the others then see it.
      await manager.query('SELECT pg_advisory_xact_lock(hashtext($1))', [KEYS_LOCK]);
      const live = await manager
        .createQueryBuilder(SigningKeyEntity, 'key')
        .where('key.retired_at IS NULL')
        .getCount();
      if (live === 0) {
        const key = await this.insertKey(manager, new Date());
        this.logger.log(`created signing key ${key.kid} (${key.alg})`);
      }
    });
  }

  private async insertKey(manager: EntityManager, activatesAt: Date): Promise<SigningKeyEntity> {
    const alg = this.config.signingAlgorithm;
    const { privateKey } = generateKeyPair(alg);
    const publicJwk = createPublicKey(privateKey).export({ format: 'jwk' }) as JWK;
    // kid: the RFC 7638 thumbprint of the public key.
    const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
    return manager.save(
      manager.create(SigningKeyEntity, {
        kid,
        alg,
        publicJwk,
        privateKeyEncrypted: this.encryption.encrypt(privateKey.export({ format: 'der', type: 'pkcs8' })),
        activatesAt,
        retiredAt: null,
        publishUntil: null,
      }),
    );
  }

  /** A retired key must outlive every token it signed, plus a replica's stale view and clock skew. */
  private publishMarginMs(): number {
    return (this.config.accessTokenTtlSeconds + this.config.keyReloadIntervalSeconds + 60) * 1000;
  }
}

function generateKeyPair(alg: SigningAlgorithm) {
  return alg === 'ES256'
    ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
    : generateKeyPairSync('rsa', { modulusLength: 2048 });
}

function publicKeyOf(privateKey: KeyObject | undefined, jwk: JWK): KeyObject {
  return privateKey ? createPublicKey(privateKey) : createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
}
