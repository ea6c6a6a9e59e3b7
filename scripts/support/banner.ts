/** What `npm start` and `npm run demo` print for trying the platform: lines that work when pasted into a fresh shell. */
import { parse } from 'dotenv';
import { existsSync, readFileSync } from 'node:fs';

/**
 * A curl for a token of the demo client. With the documented development secret (the one in
 * .env.example, public anyway), the secret itself; with one of the developer's own (.env or the
 * environment), a command that reads it from .env rather than printing it.
 */
export function demoClientTokenCommand(authServerUrl: string, env: NodeJS.ProcessEnv = process.env, exampleFile = '.env.example'): string {
  const clientId = env.ORDER_SERVICE_CLIENT_ID || 'order-service';
  const documented = existsSync(exampleFile) ? parse(readFileSync(exampleFile)).ORDER_SERVICE_CLIENT_SECRET : undefined;
  const secret = env.ORDER_SERVICE_CLIENT_SECRET;
  const credentials =
    secret && secret === documented
      ? `${clientId}:${secret}`
      : `"${clientId}:$(sed -n 's/^ORDER_SERVICE_CLIENT_SECRET=//p' .env | tail -n 1)"`;
  return `curl -u ${credentials} -d grant_type=client_credentials -d scope=users:read ${authServerUrl}/oauth/token`;
}
