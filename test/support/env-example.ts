import { isPlaceholderSecret } from '@app/platform';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Variables holding a secret or a password (by name), as opposed to ports, levels and algorithms. */
const SECRET_NAME = /SECRET|PASSWORD|PEPPER|ENCRYPTION_KEY/;

/**
 * The secrets `.env.example` ships with their development placeholder, as [name, value] pairs: the
 * production placeholder tests are driven from the file itself, so a variable added there later is
 * covered without anyone remembering to.
 */
export function envExamplePlaceholders(): [string, string][] {
  const text = readFileSync(join(__dirname, '..', '..', '.env.example'), 'utf8');
  const pairs: [string, string][] = [];
  for (const line of text.split('\n')) {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match && SECRET_NAME.test(match[1]!) && isPlaceholderSecret(match[2]!)) pairs.push([match[1]!, match[2]!]);
  }
  return pairs;
}
