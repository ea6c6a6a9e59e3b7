/**
 * The two env files a new service touches: `.env.example` (its variables documented, commented out
 * with their defaults; a test checks every variable read is named there) and the developer's `.env`
 * (its client secret, which must never be printed in full or committed).
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ServiceNames } from './naming';

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

/** Sets the variable in the env file; a new file is created readable by its owner only (0600). */
export function writeEnvVariable(path: string, name: string, value: string): void {
  if (!existsSync(path)) {
    writeFileSync(path, withEnvVariable('', name, value), { mode: 0o600 });
    // The umask may have taken bits away, never added: make sure of exactly 0600.
    chmodSync(path, 0o600);
    return;
  }
  writeFileSync(path, withEnvVariable(readFileSync(path, 'utf8'), name, value));
}

/** What may be shown of a secret: enough to recognise it, never enough to use it. */
export function redactSecret(secret: string): string {
  return secret.length <= 8 ? '…' : `${secret.slice(0, 4)}…`;
}
