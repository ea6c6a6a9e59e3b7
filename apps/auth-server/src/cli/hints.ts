const CLI = 'npm run cli --';

/** Errors the operator can act on, each with what to do next. */
const HINTS: { when: RegExp; hint: string }[] = [
  { when: /^no client "/, hint: `run \`${CLI} clients list\` to see the registered client ids` },
  { when: /^no active secret "/, hint: `run \`${CLI} clients list\` to see each client's secret ids` },
  { when: /^client ".*already exists$/, hint: `choose another --id, or manage the existing client (\`${CLI} clients show <id>\`, \`${CLI} clients update --help\`)` },
  { when: /^no user "/, hint: `run \`${CLI} users list\` to see the usernames` },
  { when: /^user ".*already exists$/, hint: `choose another --username, or set this user's password (\`${CLI} users passwd <username>\`)` },
  { when: /^a password must be/, hint: 'pipe it in with --password-stdin (e.g. `printf %s "$PASSWORD" | …`), or leave that option out to get a generated one' },
  { when: /need at least one redirect URI/, hint: `give one with --redirect-uri (repeatable; redirect_uris in the admin API); see \`${CLI} clients create --help\`` },
  { when: /authenticates with private_key_jwt and has no secrets/, hint: 'its keys live in its JWKS: publish new keys there instead' },
  { when: /^private_key_jwt needs|^jwks|--jwks-file/, hint: `see \`${CLI} clients create --help\` for a private_key_jwt example (--jwks-file or --jwks-uri)` },
  { when: /^federated_issuer: no trusted issuer|^no trusted issuer "/, hint: `run \`${CLI} trusted-issuers list\`, or trust it first with \`${CLI} trusted-issuers create --help\`` },
  { when: /^federated_jwt needs|^federated_subject /, hint: `see \`${CLI} clients create --help\`: --federated-issuer <url> --federated-subject system:serviceaccount:<ns>:<sa> (or a SPIFFE ID)` },
  { when: /still authenticates clients: /, hint: `delete those clients first (\`${CLI} clients delete <id>\`), or bind them to another issuer by recreating them` },
  { when: /authenticates with federated_jwt/, hint: 'its credential is its workload token, rotated by the platform (kubelet, SPIRE): nothing to rotate here' },
  { when: /^no resource "/, hint: `run \`${CLI} resources list\` to see the registered APIs, or register it with \`${CLI} resources create\`` },
  { when: /^scopes not defined by /, hint: `a resource defines its scopes: see \`${CLI} resources show <uri>\`, or add them with \`${CLI} resources update\`` },
  {
    when: /ECONNREFUSED|connect ETIMEDOUT|password authentication failed|does not exist$/,
    hint: 'is PostgreSQL reachable? Check DATABASE_URL, or leave it unset to use the embedded database (`npm start` creates it)',
  },
  {
    when: /^the embedded PostgreSQL of .* already runs on port/,
    hint: 'npm start and the CLI read EMBEDDED_PG_PORT from the environment, else .env, else .env.example: give both the same value',
  },
  {
    when: /^embedded PostgreSQL could not start/,
    hint: 'check that EMBEDDED_PG_DIR is writable and no other PostgreSQL uses it, or set DATABASE_URL to use a running server',
  },
  { when: /^port \d+ is taken by/, hint: 'see above: free that port, or set EMBEDDED_PG_PORT (or DATABASE_URL) in .env' },
  { when: /KEY_ENCRYPTION_KEY|CLIENT_SECRET_PEPPER/, hint: 'set it in the environment or in .env (see .env.example)' },
];

/** The message with a "what to do" line when one is known. */
export function withHint(message: string): string {
  const hint = HINTS.find((candidate) => candidate.when.test(message))?.hint;
  return hint ? `${message}\n  hint: ${hint}` : message;
}
