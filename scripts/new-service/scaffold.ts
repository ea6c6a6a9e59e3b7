/**
 * Writes a new service into a checkout: its folder, its nest-cli.json project, its .env.example block,
 * and, when the checkout has them, its docker-compose.yml services and its deploy/k8s manifests.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { resolvedEnvironment } from '@app/platform/env';
import { portVariable } from '../support/launcher';
import { withComposeService } from './compose-file';
import { withEnvExampleBlock } from './env-files';
import { addToK8sBase } from './k8s-base';
import { assertNoPlatformCollision, nextFreePort, NewServiceError, ServiceNames } from './naming';
import { withNestProject } from './nest-cli';
import { serviceFiles } from './templates';

/**
 * Every app's default port (apps/<name>/app.json) and the port it is configured on (<NAME>_PORT, as
 * `npm start` reads it: environment, .env, .env.example), so the new one takes none of them: with
 * the others moved to 3200–3202 in .env, the next is 3203.
 */
export function appPorts(root: string, env: NodeJS.ProcessEnv = resolvedEnvironment(root)): number[] {
  const apps = join(root, 'apps');
  return readdirSync(apps, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => {
      const descriptor = join(apps, entry.name, 'app.json');
      const byDefault = existsSync(descriptor) ? (JSON.parse(readFileSync(descriptor, 'utf8')) as { port?: unknown }).port : undefined;
      return [byDefault, Number(env[portVariable(entry.name)] || NaN)];
    })
    .filter((port): port is number => typeof port === 'number' && Number.isInteger(port));
}

export interface Scaffolded {
  port: number;
  files: string[];
}

export function scaffoldService(root: string, n: ServiceNames): Scaffolded {
  const folder = join(root, 'apps', n.name);
  if (existsSync(folder)) throw new NewServiceError(`apps/${n.name} already exists: pick another name, or remove it first`);
  const nestCliPath = join(root, 'nest-cli.json');
  const nestCli = JSON.parse(readFileSync(nestCliPath, 'utf8')) as Parameters<typeof withNestProject>[0];
  if (nestCli.projects[n.name]) throw new NewServiceError(`nest-cli.json already has a project ${n.name}: remove it first`);
  const envExample = join(root, '.env.example');
  assertNoPlatformCollision(n, readFileSync(envExample, 'utf8'));

  const port = nextFreePort(appPorts(root));
  // Computed before anything is written: a compose file it cannot extend stops the scaffold unchanged.
  const composePath = join(root, 'docker-compose.yml');
  const compose = existsSync(composePath) ? withComposeService(readFileSync(composePath, 'utf8'), n, port) : undefined;
  const files = serviceFiles(n, port);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content, { flag: 'wx' });
  }
  writeFileSync(nestCliPath, `${JSON.stringify(withNestProject(nestCli, n.name), null, 2)}\n`);
  writeFileSync(envExample, withEnvExampleBlock(readFileSync(envExample, 'utf8'), n, port));
  if (compose !== undefined) writeFileSync(composePath, compose);
  const deployment = [...(compose !== undefined ? ['docker-compose.yml'] : []), ...addToK8sBase(root, n, port)];
  return { port, files: [...Object.keys(files), 'nest-cli.json', '.env.example', ...deployment] };
}
