/**
 * `npm run new:service -- <name> [--no-register]`: scaffolds apps/<name> (a resource server whose
 * sample route calls user-service with its own token), adds it to nest-cli.json and .env.example,
 * registers its resource and client through the operator CLI, and writes the client secret to .env.
 * scripts/new-service/ holds the parts.
 */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { writeEnvVariable } from './new-service/env-files';
import { NewServiceError, serviceNames } from './new-service/naming';
import { CliResult, federatedIdentityOf, registerService, shellCommand, clientCommand } from './new-service/registration';
import { scaffoldService } from './new-service/scaffold';

/** The repository: this file runs as dist/scripts/new-service.js. */
const ROOT = resolve(__dirname, '../..');

const USAGE = `usage: npm run new:service -- <name> [--no-register] [--federated-issuer <url> --federated-subject <sub>]

  <name>                 lower-case words and hyphens, e.g. billing-service (route prefix and scopes: billing)
  --no-register          only write the files; register later with the two commands it prints
  --federated-issuer     secretless: its client authenticates with a workload identity token (federated_jwt)
  --federated-subject    of this trusted issuer, whose exact sub is this (README, "Running without client
                         secrets"); no secret is created, the service reads <NAME>_CLIENT_ASSERTION_FILE
`;

/** \`--flag value\` or \`--flag=value\`; the rest of argv without them. */
function takeOption(argv: string[], flag: string): [string | undefined, string[]] {
  const rest: string[] = [];
  let value: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === flag) value = argv[++i] ?? '';
    else if (arg.startsWith(`${flag}=`)) value = arg.slice(flag.length + 1);
    else rest.push(arg);
  }
  return [value, rest];
}

/** The operator CLI as \`npm run -s cli\` runs it (compiling first when sources changed): stdout captured. */
function runCli(args: string[]): Promise<CliResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(ROOT, 'scripts/run-built.js'), 'dist/apps/auth-server/src/cli/main.js', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.once('error', fail);
    child.once('close', (code) => done({ code: code ?? 1, stdout }));
  });
}

async function main(args: string[]): Promise<number> {
  const [federatedIssuer, withoutIssuer] = takeOption(args, '--federated-issuer');
  const [federatedSubject, argv] = takeOption(withoutIssuer, '--federated-subject');
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const register = !argv.includes('--no-register');
  const unknown = argv.filter((arg) => arg.startsWith('-') && arg !== '--no-register');
  const positional = argv.filter((arg) => !arg.startsWith('-'));
  if (unknown.length || positional.length !== 1) {
    // The option's name only: a mistyped `--secret=…` is never printed back.
    process.stderr.write(`${unknown.length ? `unknown option ${unknown[0]!.split('=')[0]}\n` : 'give exactly one service name\n'}${USAGE}`);
    return 1;
  }
  const names = serviceNames(positional[0]!);
  const federated = federatedIdentityOf(federatedIssuer, federatedSubject);
  const { port, files } = scaffoldService(ROOT, names);
  process.stdout.write(`created apps/${names.name} (default port ${port}, GET /${names.base}/me needs ${names.readScope}):\n${files.map((file) => `  ${file}`).join('\n')}\n`);

  if (register) {
    process.stdout.write(`registering ${names.audience} and the client ${names.name} at the auth-server…\n`);
    const { secret } = await registerService(names, runCli, federated);
    if (secret === undefined) {
      process.stdout.write(
        `registered ${names.name} as a federated client (no secret): it authenticates with the token of ${federated!.issuer} whose sub is ${federated!.subject};\n` +
          `  set ${names.upper}_CLIENT_ASSERTION_FILE to the file the platform keeps that token in (README, "Running without client secrets")\n`,
      );
    } else {
      writeEnvVariable(join(ROOT, '.env'), `${names.upper}_CLIENT_SECRET`, secret);
      // Not one character of the secret: it is in .env (0600) and nowhere else.
      process.stdout.write(`wrote ${names.upper}_CLIENT_SECRET to .env (readable by you only; the secret is never printed)\n`);
    }
  } else if (federated) {
    process.stdout.write(
      `not registered (--no-register): before it starts, run\n  npm run -s cli -- resources create --uri ${names.audience} --scopes "${names.readScope} ${names.writeScope}"\n` +
        `  ${shellCommand(clientCommand(names, federated))}\nand set ${names.upper}_CLIENT_ASSERTION_FILE where it runs.\n`,
    );
  } else {
    process.stdout.write(
      `not registered (--no-register): before it starts, run\n  npm run -s cli -- resources create --uri ${names.audience} --scopes "${names.readScope} ${names.writeScope}"\n` +
        `  npm run -s cli -- clients create --id ${names.name} --grant api://user-service=users:read,users:provision --owns-audience ${names.audience}\n` +
        `and put the printed secret in .env as ${names.upper}_CLIENT_SECRET.\n`,
    );
  }
  process.stdout.write(
    [
      '',
      'next:',
      `  npm start                      runs it with the others on http://localhost:${port}`,
      `  npx jest apps/${names.name}    its e2e test`,
      ...(files.includes('docker-compose.yml') ? [`  docker compose up --build      runs it in the compose stack too (registered there by ${names.name}-registration)`] : []),
      `  a user token for it needs a client allowed ${names.readScope} on ${names.audience}, e.g.`,
      `    npm run -s cli -- clients create --id ${names.base}-web --auth-method none --redirect-uri http://127.0.0.1/callback --grant ${names.audience}=${names.readScope}`,
      `    npm run -s token -- --user alice --client ${names.base}-web --resource ${names.audience} --scope ${names.readScope}`,
      '',
    ].join('\n'),
  );
  return 0;
}

main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error: Error) => {
    process.stderr.write(`new:service: ${error.message}\n`);
    process.exitCode = 1;
  });
