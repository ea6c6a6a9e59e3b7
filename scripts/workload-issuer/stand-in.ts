/**
 * The stand-in for a cluster's workload identity, shared by the compose `workload-identity` stack
 * (main.ts) and `npm run start:workload-identity` (scripts/start.ts): a WorkloadIssuer serving metadata
 * and JWKS (the API server's role) and, in the kubelet's role, each service's projected-token-shaped
 * token written to `<tokenDir>/<service>/auth-server`, rewritten at 80 % of its lifetime, the signing
 * key rotated every `rotationSeconds` (the previous key stays published for one more period).
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkloadIssuer } from './workload-issuer';

export const TOKEN_FILE = 'auth-server';

export interface StandInOptions {
  host: string;
  port: number;
  /** The `iss` as the auth-server reaches it (default http://<host>:<port>). */
  issuerUrl?: string;
  /** The tokens' `aud`: the auth-server's issuer identifier. */
  audience: string;
  tokenDir: string;
  services: string[];
  namespace: string;
  lifetimeSeconds: number;
  /** 0: never. */
  rotationSeconds: number;
  log: (line: string) => void;
}

export interface StandIn {
  issuer: WorkloadIssuer;
  /** Where `service`'s token is. */
  tokenFile(service: string): string;
  close(): Promise<void>;
}

/** Written beside and renamed over, so a reader never sees half a token (the kubelet swaps a symlink for the same reason). */
function writeAtomically(path: string, content: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode: 0o644 });
  renameSync(temporary, path);
}

/** Starts the issuer and writes the first tokens before resolving. */
export async function startStandIn(options: StandInOptions): Promise<StandIn> {
  const issuer = await WorkloadIssuer.start({ host: options.host, port: options.port, issuer: options.issuerUrl, defaultLifetimeSeconds: options.lifetimeSeconds });
  const tokenFile = (service: string) => join(options.tokenDir, service, TOKEN_FILE);
  const writeTokens = async (): Promise<void> => {
    for (const serviceAccount of options.services) {
      mkdirSync(join(options.tokenDir, serviceAccount), { recursive: true });
      const token = await issuer.kubernetesToken({ namespace: options.namespace, serviceAccount, audience: options.audience, pod: { name: `${serviceAccount}-stand-in` } });
      writeAtomically(tokenFile(serviceAccount), token);
    }
  };
  await writeTokens();
  const failed = (error: Error) => options.log(`workload-issuer: writing tokens failed: ${error.message}`);
  // The kubelet refreshes a projected token once 80 % of its lifetime has passed.
  const refresh = setInterval(() => void writeTokens().catch(failed), options.lifetimeSeconds * 800);
  refresh.unref();
  const rotation =
    options.rotationSeconds > 0
      ? setInterval(() => {
          void issuer
            .rotate()
            .then((kid) => {
              options.log(`workload-issuer: signing key rotated (new kid ${kid}; the previous one stays published)`);
              return writeTokens();
            })
            .catch(failed);
        }, options.rotationSeconds * 1000)
      : undefined;
  rotation?.unref();
  return {
    issuer,
    tokenFile,
    close: async () => {
      clearInterval(refresh);
      clearInterval(rotation);
      await issuer.close();
    },
  };
}
