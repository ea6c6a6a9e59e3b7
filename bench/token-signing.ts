/**
 * Micro-benchmark of the token endpoint's signing step, CPU per access token:
 *   - jwtservice: what the auth-server runs, @nestjs/jwt's JwtService with its key provider
 *     (apps/auth-server/src/token/jwt-key-provider.ts) and the per-key sign options;
 *   - node-crypto: a bare compact JWS with node:crypto's one-shot sign, the floor (and what the
 *     auth-server ran before @nestjs/jwt).
 * The two alternate in many short rounds so machine noise hits both alike; medians are reported.
 *
 *   node scripts/run-built.js dist/bench/token-signing.js [ES256|RS256]
 */
import { JwtService, JwtSignOptions } from '@nestjs/jwt';
import { generateKeyPairSync, KeyObject, randomUUID, sign } from 'node:crypto';
import type { LoadedKey, SigningKeysService } from '../apps/auth-server/src/keys/signing-keys.service';
import { signingKeyProvider } from '../apps/auth-server/src/token/jwt-key-provider';

const alg = (process.argv[2] ?? 'ES256') as 'ES256' | 'RS256';
const perRound = alg === 'ES256' ? 4_000 : 400;
const rounds = 31;

const { privateKey } = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
const kid = 'k'.repeat(43); // a thumbprint's length
const signOptions: JwtSignOptions = { algorithm: alg, header: { alg, typ: 'at+jwt', kid }, mutatePayload: true };
const keys = [{ kid: 'previous-key', privateKey }, { kid, privateKey, alg, signOptions }] as unknown as LoadedKey[];
const jwt = new JwtService({ secretOrKeyProvider: signingKeyProvider({ publishedKey: (id: string) => keys.find((key) => key.kid === id) } as unknown as SigningKeysService) });

const encodedHeader = Buffer.from(JSON.stringify({ alg, typ: 'at+jwt', kid })).toString('base64url');
function signWithNodeCrypto(payload: object, key: KeyObject): string {
  const input = `${encodedHeader}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  // JWS ES256 signatures are raw r||s (RFC 7518 §3.4), not DER.
  const signature = sign('sha256', Buffer.from(input), alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key);
  return `${input}.${signature.toString('base64url')}`;
}

/** The claims the auth-server builds per token. */
function claims() {
  const iat = Math.floor(Date.now() / 1000);
  return { iss: 'http://localhost:3000', sub: 'order-service', aud: 'api://user-service', exp: iat + 900, iat, jti: randomUUID(), client_id: 'order-service', scope: 'users:read' };
}

const subjects: Record<string, () => string> = {
  'node-crypto': () => signWithNodeCrypto(claims(), privateKey),
  jwtservice: () => jwt.sign(claims(), signOptions),
};
if (subjects['node-crypto']!().split('.')[0] !== subjects.jwtservice!().split('.')[0]) throw new Error('the two produce different headers');

const samples: Record<string, number[]> = Object.fromEntries(Object.keys(subjects).map((name) => [name, []]));
for (const run of Object.values(subjects)) for (let i = 0; i < perRound; i++) run(); // warm-up
for (let round = 0; round < rounds; round++) {
  for (const [name, run] of Object.entries(subjects)) {
    const start = process.cpuUsage();
    for (let i = 0; i < perRound; i++) run();
    const used = process.cpuUsage(start);
    samples[name]!.push((used.user + used.system) / perRound);
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const floor = median(samples['node-crypto']!);
for (const [name, values] of Object.entries(samples)) {
  const value = median(values);
  process.stdout.write(`${alg} ${name.padEnd(12)} ${value.toFixed(1).padStart(6)} µs CPU per token (median of ${rounds}×${perRound})  ${name === 'node-crypto' ? '' : `+${(value - floor).toFixed(1)} µs`}\n`);
}
