/**
 * The two env files a new service touches: `.env.example` (its variables documented, commented out
 * with their defaults; a test checks every variable read is named there) and the developer's `.env`
 * (its client secret, which must never be printed in full or committed).
 */
import { closeSync, constants, fchmodSync, fstatSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { NewServiceError, ServiceNames } from './naming';

/** The block `.env.example` gets for the service: every variable it reads that no other app documents. */
export function envExampleBlock(n: ServiceNames, port: number): string {
  return [
    '',
    `# --- ${n.name} (added by npm run new:service) ---`,
    `# ${n.name} listens on ${n.upper}_PORT (default: apps/${n.name}/app.json's port).`,
    `# ${n.upper}_PORT=${port}`,
    `# The audience its tokens must carry.`,
    `# ${n.upper}_AUDIENCE=${n.audience}`,
    `# Its own client, for its client-credentials token to user-service (USER_SERVICE_URL above) and`,
    `# introspection; npm run new:service writes the secret to .env (never commit it).`,
    `# ${n.upper}_CLIENT_ID=${n.name}`,
    `# ${n.upper}_CLIENT_SECRET=`,
    `# Secretless instead (a client created with --federated-subject): the workload identity token file.`,
    `# ${n.upper}_CLIENT_ASSERTION_FILE=/var/run/secrets/tokens/auth-server`,
    '',
  ].join('\n');
}

/** `.env.example` with the service's block appended, or unchanged if it already documents its port. */
export function withEnvExampleBlock(text: string, n: ServiceNames, port: number): string {
  if (new RegExp(`^#?\\s*${n.upper}_PORT=`, 'm').test(text)) return text;
  return `${text.replace(/\n*$/, '\n')}${envExampleBlock(n, port)}`;
}

/** `NAME=value` set in a dotenv text: the (uncommented) line replaced in place, else appended. */
export function withEnvVariable(text: string, name: string, value: string): string {
  if (!/^[A-Z][A-Z0-9_]*$/.test(name)) throw new Error(`not a variable name: ${name}`);
  if (/[\r\n]/.test(value)) throw new Error(`${name}: a value must be one line`);
  const line = `${name}=${value}`;
  const existing = new RegExp(`^${name}=.*$`, 'm');
  if (existing.test(text)) return text.replace(existing, () => line);
  return `${text === '' || text.endsWith('\n') ? text : `${text}\n`}${line}\n`;
}

/**
 * Sets the variable in the env file, which holds a secret from now on: readable by its owner only
 * (0600), a new file and an existing one alike (an existing 0644 .env is tightened, before the secret
 * is written). A symbolic link is refused, not followed (O_NOFOLLOW: no check-then-open race): the
 * secret would land wherever it points.
 */
export function writeEnvVariable(path: string, name: string, value: string): void {
  const fd = openEnvFile(path);
  try {
    if (!fstatSync(fd).isFile()) throw new NewServiceError(`${path} is not a regular file: not writing a secret to it`);
    fchmodSync(fd, 0o600);
    const text = withEnvVariable(readFileSync(fd, 'utf8'), name, value);
    ftruncateSync(fd, 0);
    writeSync(fd, text, 0);
  } finally {
    closeSync(fd);
  }
}

function openEnvFile(path: string): number {
  const { O_RDWR, O_CREAT, O_EXCL, O_NOFOLLOW } = constants;
  try {
    return openSync(path, O_RDWR | O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') throw new NewServiceError(`${path} is a symbolic link: not writing a secret through it (make it a regular file)`);
    if (code !== 'ENOENT') throw error;
    // The umask may take bits away from 0600, never add any; fchmod above makes it exactly 0600.
    return openSync(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
  }
}
