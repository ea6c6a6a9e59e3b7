/**
 * docker-compose.yml with a new service: the service itself (same image, its own command, port and
 * healthcheck) and a one-shot `<name>-registration` that registers it at the stack's auth-server with
 * the stack's secret (scripts/register-service.ts). The text is inserted as a block after the last
 * service, so every comment and the file's layout stay as they were; the `yaml` package finds where,
 * and checks the result parses with the service in it.
 */
import { isMap, parseDocument, YAMLMap } from 'yaml';
import { NewServiceError, ServiceNames } from './naming';

/** The anchors the block uses; a compose file without them gets no automatic entry. */
const ANCHORS = ['app', 'app-env', 'auth-server-secrets'] as const;

/** The compose-only variables of the service (the file reads only COMPOSE_* names; see its header). */
export function composeVariables(n: ServiceNames): { secret: string; hostPort: string } {
  return { secret: `COMPOSE_${n.upper}_CLIENT_SECRET`, hostPort: `COMPOSE_${n.upper}_HOST_PORT` };
}

/** A development placeholder, like the demo clients' (the apps refuse it under NODE_ENV=production). */
export function composeDefaultSecret(n: ServiceNames): string {
  return `dev-${n.name}-client-secret-change-me-in-compose`;
}

export function composeServiceBlock(n: ServiceNames, port: number): string {
  const { secret, hostPort } = composeVariables(n);
  const secretValue = `\${${secret}:-${composeDefaultSecret(n)}}`;
  return `  # ${n.name} (added by npm run new:service). Its client secret: ${secret}.
  ${n.name}-registration:
    <<: *app
    # One-shot, at every \`up\`: registers ${n.audience} and the client ${n.name} at the auth-server
    # with the operator CLI, unless they are there already; ${n.name} starts once it exited 0.
    restart: "no"
    command: ["node", "dist/scripts/register-service.js", "${n.name}"]
    environment:
      <<: [*app-env, *auth-server-secrets]
      # The auth-server seeds the demo data; the CLI here only registers (and needs no demo secrets).
      SEED_DEMO_DATA: "false"
      ${n.upper}_CLIENT_SECRET: ${secretValue}
    depends_on:
      auth-server:
        condition: service_healthy

  ${n.name}:
    <<: *app
    command: ["node", "dist/apps/${n.name}/src/main.js"]
    environment:
      <<: *app-env
      ${n.upper}_PORT: ${port}
      AUTH_SERVER_URL: http://auth-server:3000
      USER_SERVICE_URL: http://user-service:3001
      ${n.upper}_CLIENT_SECRET: ${secretValue}
    ports:
      - "\${${hostPort}:-${port}}:${port}"
    depends_on:
      postgres:
        condition: service_healthy
      user-service:
        condition: service_healthy
      ${n.name}-registration:
        condition: service_completed_successfully
    healthcheck:
      test: ["CMD", "node", "-e", "fetch('http://127.0.0.1:${port}/health/ready').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"]
      interval: 10s
      timeout: 5s
      retries: 5
      start_period: 30s
`;
}

function servicesOf(text: string): YAMLMap {
  const document = parseDocument(text, { merge: true });
  if (document.errors.length) throw new NewServiceError(`docker-compose.yml does not parse: ${document.errors[0]!.message}`);
  const services = document.get('services', true);
  if (!isMap(services)) throw new NewServiceError('docker-compose.yml has no services map');
  return services;
}

/** The compose file with the service added; refuses (saying why) when it cannot be done safely. */
export function withComposeService(text: string, n: ServiceNames, port: number): string {
  const services = servicesOf(text);
  for (const name of [n.name, `${n.name}-registration`]) {
    if (services.has(name)) throw new NewServiceError(`docker-compose.yml already has a service ${name}: remove it first`);
  }
  const missing = ANCHORS.filter((anchor) => !new RegExp(`&${anchor}(\\s|$)`, 'm').test(text));
  if (missing.length) throw new NewServiceError(`docker-compose.yml has no ${missing.map((a) => `&${a}`).join(', ')} anchor: add ${n.name} to it by hand`);

  // After the last service's last line: past its value, back over the blank lines that follow it.
  let at = services.range![1];
  while (at > 0 && /\s/.test(text[at - 1]!)) at -= 1;
  // The file's own indentation (the block is written with two spaces per level).
  const firstKey = (services.items[0]?.key as { range?: number[] } | undefined)?.range?.[0] ?? 0;
  const indent = ' '.repeat(Math.max(1, firstKey - text.lastIndexOf('\n', firstKey) - 1));
  const block = composeServiceBlock(n, port)
    .trimEnd()
    .replace(/^( +)/gm, (spaces) => indent.repeat(spaces.length / 2));
  const rest = text.slice(at);
  const updated = `${text.slice(0, at)}\n\n${block}${rest === '' ? '\n' : rest}`;

  servicesOf(updated);
  const added = (parseDocument(updated, { merge: true }).toJS() as { services: Record<string, { command?: string[] } | undefined> }).services;
  if (added[n.name]?.command?.[1] !== `dist/apps/${n.name}/src/main.js` || !added[`${n.name}-registration`]) {
    throw new NewServiceError(`adding ${n.name} to docker-compose.yml did not give the expected file: add it by hand`);
  }
  return updated;
}
