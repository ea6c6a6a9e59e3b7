/**
 * `node dist/scripts/workload-issuer/main.js`: the compose `workload-identity` profile's stand-in for
 * what a Kubernetes cluster gives every pod. It serves the issuer's OIDC metadata and JWKS (the API
 * server's role) and, in the kubelet's role, writes each service a fresh projected-token-shaped
 * service-account token (`system:serviceaccount:<namespace>:<service>`, `aud` = the auth-server's
 * issuer, 600 s) to `<WORKLOAD_TOKEN_DIR>/<service>/auth-server`, rewritten at 80 % of its lifetime like
 * the kubelet does, and rotates its signing key now and then (the previous key stays published for
 * one more period, so a token signed just before a rotation still verifies).
 *
 * Not for production: the signing key lives in this process's memory and is lost at restart (tokens
 * are simply re-minted then).
 *
 * Environment (docker-compose.yml sets them):
 *   WORKLOAD_ISSUER_URL      the `iss` and the metadata's base, as the auth-server reaches it (http://workload-issuer:8443)
 *   WORKLOAD_ISSUER_PORT     port to listen on (8443), on 0.0.0.0
 *   WORKLOAD_TOKEN_AUDIENCE  the `aud`: the auth-server's issuer identifier (its ISSUER)
 *   WORKLOAD_TOKEN_DIR       where the tokens go, one folder per service (/var/run/secrets/tokens)
 *   WORKLOAD_SERVICES        comma list of service accounts (order-service,user-service)
 *   WORKLOAD_NAMESPACE       their namespace (platform)
 *   WORKLOAD_TOKEN_LIFETIME_SECONDS  600, the projected token's expirationSeconds
 *   WORKLOAD_KEY_ROTATION_SECONDS    3600; 0 never rotates
 *   WORKLOAD_READY_FILE      written once the first tokens are (the compose healthcheck), /tmp/workload-issuer.ready
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkloadIssuer } from './workload-issuer';

const TOKEN_FILE = 'auth-server';

function integer(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer >= ${min}`);
  return value;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

/** Written beside and renamed over, so a reader never sees half a token (the kubelet swaps a symlink for the same reason). */
function writeAtomically(path: string, content: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode: 0o644 });
  renameSync(temporary, path);
}

async function main(): Promise<void> {
  const lifetime = integer('WORKLOAD_TOKEN_LIFETIME_SECONDS', 600, 60);
  const rotationSeconds = integer('WORKLOAD_KEY_ROTATION_SECONDS', 3600, 0);
  const audience = required('WORKLOAD_TOKEN_AUDIENCE');
  const directory = process.env.WORKLOAD_TOKEN_DIR || '/var/run/secrets/tokens';
  const namespace = process.env.WORKLOAD_NAMESPACE || 'platform';
  const services = (process.env.WORKLOAD_SERVICES || 'order-service,user-service').split(',').map((name) => name.trim()).filter(Boolean);

  const issuer = await WorkloadIssuer.start({
    host: '0.0.0.0',
    port: integer('WORKLOAD_ISSUER_PORT', 8443, 1),
    issuer: process.env.WORKLOAD_ISSUER_URL,
    defaultLifetimeSeconds: lifetime,
  });

  const writeTokens = async (): Promise<void> => {
    for (const serviceAccount of services) {
      const folder = join(directory, serviceAccount);
      mkdirSync(folder, { recursive: true });
      const token = await issuer.kubernetesToken({ namespace, serviceAccount, audience, pod: { name: `${serviceAccount}-compose` } });
      writeAtomically(join(folder, TOKEN_FILE), token);
    }
  };
  await writeTokens();
  // Only now: the compose healthcheck (the files exist) lets the services start.
  writeFileSync(process.env.WORKLOAD_READY_FILE || '/tmp/workload-issuer.ready', new Date().toISOString());
  process.stdout.write(
    `workload-issuer: ${issuer.issuer} serving metadata and JWKS; tokens for ${services.join(', ')} (system:serviceaccount:${namespace}:…, aud ${audience}, ${lifetime} s) in ${directory}\n`,
  );

  // The kubelet refreshes a projected token once 80 % of its lifetime has passed.
  const refresh = setInterval(() => {
    writeTokens().catch((error: Error) => process.stderr.write(`workload-issuer: writing tokens failed: ${error.message}\n`));
  }, lifetime * 800);
  const rotation =
    rotationSeconds > 0
      ? setInterval(() => {
          void issuer.rotate().then((kid) => {
            process.stdout.write(`workload-issuer: signing key rotated (new kid ${kid}; the previous one stays published)\n`);
            return writeTokens();
          });
        }, rotationSeconds * 1000)
      : undefined;

  const stop = () => {
    clearInterval(refresh);
    clearInterval(rotation);
    void issuer.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: Error) => {
  process.stderr.write(`workload-issuer: ${error.message}\n`);
  process.exitCode = 1;
});
