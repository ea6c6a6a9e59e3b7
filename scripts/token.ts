/** `npm run -s token -- --user alice [--resource …] [--scope …] [--json]`: see scripts/support/user-token.ts. */
import { loadEnvFiles } from '@app/platform/env';
import { runTokenCommand } from './support/user-token';

// The same sources, in the same order, as the apps: the environment, then .env, then .env.example.
loadEnvFiles();

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

runTokenCommand(process.argv.slice(2), {
  env: process.env,
  readStdin,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
})
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error: Error) => {
    process.stderr.write(`token: ${error.message}\n`);
    process.exitCode = 1;
  });
