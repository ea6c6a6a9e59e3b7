import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface CheckoutCopy {
  dir: string;
  remove(): void;
}

/**
 * The repository's files (tracked, and new ones not ignored: `git ls-files`) in a fresh temporary
 * folder, as a team's clean clone would be. node_modules is this checkout's, linked entry by entry,
 * except the workspace package @nest-oauth-m2m/auth, which points at the copy's own libs/auth so the
 * copy builds and runs its own package.
 */
export function copyCheckout(root: string): CheckoutCopy {
  const dir = mkdtempSync(join(tmpdir(), 'new-service-'));
  // mkdtemp makes it 0700; as root, the embedded PostgreSQL runs as a `postgres` user that must reach its data folder inside.
  chmodSync(dir, 0o755);
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
    .split('\0')
    .filter((file) => file !== '' && existsSync(join(root, file)));
  for (const file of files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(join(root, file), join(dir, file));
  }
  const modules = join(root, 'node_modules');
  mkdirSync(join(dir, 'node_modules', '@nest-oauth-m2m'), { recursive: true });
  for (const entry of readdirSync(modules)) {
    if (entry !== '@nest-oauth-m2m') symlinkSync(join(modules, entry), join(dir, 'node_modules', entry));
  }
  symlinkSync('../../libs/auth', join(dir, 'node_modules', '@nest-oauth-m2m', 'auth'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
