/**
 * `npm run start:dev` (issue 25): a saved controller is rebuilt and only its app restarts, in
 * seconds, on the same embedded database; the `ready:` line and the `[app]` prefixes stay.
 * In a copy of the repository, so the edit never touches this checkout.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CheckoutCopy } from '../scaffold/support/checkout-copy';
import { Running } from '../scaffold/support/commands';
import { freePort } from '../support/ports';
import { builtCopy, developerEnv, killAll, processTree, startPlatform } from './support/platform';

const ROOT = resolve(__dirname, '../..');
const CONTROLLER = 'apps/order-service/src/debug/token-stats.controller.ts';

describe('npm run start:dev: edit, save, the new answer from the one app that changed', () => {
  let checkout: CheckoutCopy;
  let platform: Running | undefined;
  let pids: number[] = [];

  beforeAll(() => {
    checkout = builtCopy(ROOT);
  });
  afterAll(async () => {
    await platform?.stop();
    killAll(pids);
    checkout?.remove();
  });

  it('restarts order-service alone after a controller edit, and answers with the edit', async () => {
    const { env, ports } = await developerEnv();
    const pgPort = await freePort();
    const devEnv = { ...env, EMBEDDED_PG_PORT: String(pgPort), EMBEDDED_PG_DIR: join(checkout.dir, '.data', 'postgres') };
    platform = await startPlatform(checkout.dir, devEnv, ['run', 'start:dev']);
    pids = processTree(platform.child.pid!).map((info) => info.pid);
    expect(platform.output()).toMatch(/^ready: all 3 apps up in [\d.]+ s \(rebuilding and restarting what changes/m);
    expect(platform.output()).toMatch(/^\[order-service\] /m);
    const appPid = (name: string) => processTree(platform!.child.pid!).find((info) => info.args.includes(`dist/apps/${name}/src/main.js`))?.pid;
    const before = { auth: appPid('auth-server'), users: appPid('user-service'), orders: appPid('order-service') };
    const stats = async () => (await fetch(`http://127.0.0.1:${ports['order-service']}/debug/service-token`)).json() as Promise<Record<string, unknown>>;
    expect(await stats()).not.toHaveProperty('editedBy');

    const source = join(checkout.dir, CONTROLLER);
    const original = readFileSync(source, 'utf8');
    const edited = original
      .replace('stats(): TokenProviderStats {', 'stats(): TokenProviderStats & { editedBy: string } {')
      .replace('return { ...this.tokens.stats };', "return { ...this.tokens.stats, editedBy: 'dev-loop test' };");
    expect(edited).not.toBe(original);
    const savedAt = Date.now();
    writeFileSync(source, edited);

    let answer: Record<string, unknown> = {};
    while (answer.editedBy !== 'dev-loop test') {
      if (Date.now() - savedAt > 120_000) throw new Error(`no new answer within 120 s:\n${platform.output().slice(-3000)}`);
      await new Promise((done) => setTimeout(done, 200));
      answer = await stats().catch(() => ({}));
    }
    const seconds = (Date.now() - savedAt) / 1000;
    process.stdout.write(`start:dev: saved → new answer in ${seconds.toFixed(1)} s\n`);
    expect(platform.output()).toMatch(/^\[build\] dist\/apps\/order-service\/src\/debug\/token-stats\.controller\.js: restarting order-service$/m);
    // The launcher prints it once its own readiness poll has seen the new process answer.
    const restartedLine = /^ready: order-service restarted in [\d.]+ s$/m;
    for (const deadline = Date.now() + 30_000; !restartedLine.test(platform.output()) && Date.now() < deadline; ) await new Promise((done) => setTimeout(done, 100));
    expect(platform.output()).toMatch(restartedLine);
    // Not a full restart: the other apps are the same processes, the new order-service another one.
    expect({ auth: appPid('auth-server'), users: appPid('user-service') }).toEqual({ auth: before.auth, users: before.users });
    expect(appPid('order-service')).not.toBe(before.orders);
  });
});
