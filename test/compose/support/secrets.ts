/**
 * Finding a secret in logs in the forms a careless log line would carry it: as is, URL-encoded,
 * JSON-escaped, hex, and base64/base64url anywhere inside a longer encoded value (a Basic
 * `Authorization` header encodes `client:secret`, so the secret starts at any byte offset).
 */

/**
 * The base64 text every encoding of `secret` contains, whatever precedes it: for each of the three
 * byte alignments, the characters that depend on the secret's bytes alone.
 */
export function base64Fragments(secret: string, alphabet: 'base64' | 'base64url' = 'base64'): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const fragments: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString(alphabet).replace(/=+$/, '');
    // Leading characters mix in the padding bytes; trailing ones depend on what follows the secret.
    const start = Math.ceil((offset * 8) / 6);
    const end = Math.floor(((offset + bytes.length) * 8) / 6);
    if (end - start >= 8) fragments.push(encoded.slice(start, end));
  }
  return fragments;
}

/** Every form of `secret` to look for. */
export function secretForms(secret: string): string[] {
  const forms = new Set<string>([
    secret,
    encodeURIComponent(secret),
    JSON.stringify(secret).slice(1, -1),
    Buffer.from(secret, 'utf8').toString('hex'),
    ...base64Fragments(secret, 'base64'),
    ...base64Fragments(secret, 'base64url'),
  ]);
  return [...forms];
}

export interface SecretLeak {
  name: string;
  form: string;
  line: string;
}

/** The first line of `text` holding any form of any secret (case-insensitive for hex), per secret. */
export function findSecrets(text: string, secrets: Record<string, string>): SecretLeak[] {
  const leaks: SecretLeak[] = [];
  const lines = text.split('\n');
  for (const [name, secret] of Object.entries(secrets)) {
    for (const form of secretForms(secret)) {
      const hex = /^[0-9a-f]+$/.test(form);
      const line = lines.find((l) => (hex ? l.toLowerCase() : l).includes(form));
      if (line !== undefined) {
        leaks.push({ name, form, line: line.length > 300 ? `${line.slice(0, 300)}…` : line });
        break;
      }
    }
  }
  return leaks;
}
