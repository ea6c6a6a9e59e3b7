/**
 * `node dist/scripts/workload-issuer/main.js`: the compose `workload-identity` stack's stand-in for
 * what a Kubernetes cluster gives every pod (stand-in.ts): the issuer's OIDC metadata and JWKS, and
 * each service's service-account token (`system:serviceaccount:<namespace>:<service>`, `aud` = the
 * auth-server's issuer, 600 s) in `<WORKLOAD_TOKEN_DIR>/<service>/auth-server`, rewritten at 80 % of
 * its lifetime, the signing key rotated now and then.
 *
 * Not for production: the signing key lives in this process's memory and is lost at restart (tokens
 * are simply re-minted then).
 *
 * Environment (docker-compose.workload-identity.yml sets them):
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
import { writeFileSync } from 'node:fs';
import { startStandIn } from './stand-in';

function integer(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer >= ${min}`);
  return value;
}

async function main(): Promise<void> {
  const audience = process.env.WORKLOAD_TOKEN_AUDIENCE;
  if (!audience) throw new Error('WORKLOAD_TOKEN_AUDIENCE is required (the auth-server\'s ISSUER)');
  const options = {
    host: '0.0.0.0',
    port: integer('WORKLOAD_ISSUER_PORT', 8443, 1),
    issuerUrl: process.env.WORKLOAD_ISSUER_URL || undefined,
    audience,
    tokenDir: process.env.WORKLOAD_TOKEN_DIR || '/var/run/secrets/tokens',
    services: (process.env.WORKLOAD_SERVICES || 'order-service,user-service').split(',').map((name) => name.trim()).filter(Boolean),
    namespace: process.env.WORKLOAD_NAMESPACE || 'platform',
    lifetimeSeconds: integer('WORKLOAD_TOKEN_LIFETIME_SECONDS', 600, 60),
    rotationSeconds: integer('WORKLOAD_KEY_ROTATION_SECONDS', 3600, 0),
    log: (line: string) => process.stdout.write(`${line}\n`),
  };
  const standIn = await startStandIn(options);
  // Only now: the compose healthcheck (the first tokens exist) lets the services start.
  writeFileSync(process.env.WORKLOAD_READY_FILE || '/tmp/workload-issuer.ready', new Date().toISOString());
  options.log(
    `workload-issuer: ${standIn.issuer.issuer} serving metadata and JWKS; tokens for ${options.services.join(', ')} ` +
      `(system:serviceaccount:${options.namespace}:…, aud ${audience}, ${options.lifetimeSeconds} s) in ${options.tokenDir}`,
  );
  // The intervals are unref'd: the server keeps the process alive until a signal.
  const stop = () => void standIn.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: Error) => {
  process.stderr.write(`workload-issuer: ${error.message}\n`);
  process.exitCode = 1;
});
