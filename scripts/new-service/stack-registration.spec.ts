import { serviceNames } from './naming';
import { CliResult } from './registration';
import { ensureRegistered } from './stack-registration';

describe('new:service registration in a stack (compose, Kubernetes)', () => {
  const n = serviceNames('billing-service');
  const secret = 'dev-billing-service-client-secret-change-me-in-compose';

  /** A CLI whose answers come from `answers` by command (first two words); every call recorded. */
  function fakeCli(answers: Record<string, number>) {
    const calls: { args: string[]; stdin?: string }[] = [];
    const run = async (args: string[], stdin?: string): Promise<CliResult> => {
      calls.push({ args, stdin });
      return { code: answers[`${args[0]} ${args[1]}`] ?? 0, stdout: '{}' };
    };
    return { calls, run };
  }

  it('registers what is missing, the client with the stack\'s secret on stdin, never as an argument', async () => {
    const cli = fakeCli({ 'resources show': 1, 'clients show': 1 });
    expect(await ensureRegistered(n, secret, cli.run)).toEqual([
      'resource api://billing-service: registered (billing:read billing:write)',
      'client billing-service: registered with the stack\'s BILLING_SERVICE_CLIENT_SECRET',
    ]);
    expect(cli.calls.map((call) => call.args.slice(0, 2).join(' '))).toEqual(['resources show', 'resources create', 'clients show', 'clients create']);
    const create = cli.calls[3]!;
    expect(create.args).toEqual(['clients', 'create', '--id', 'billing-service', '--grant', 'api://user-service=users:read,users:provision', '--owns-audience', 'api://billing-service', '--json', '--secret-stdin']);
    expect(create.stdin).toBe(secret);
    expect(cli.calls.flatMap((call) => call.args)).not.toContain(secret);
  });

  it('secretless (a cluster\'s workload identity): the client is registered as federated_jwt, bound to the issuer and subject, with nothing on stdin', async () => {
    const cli = fakeCli({ 'resources show': 1, 'clients show': 1 });
    const identity = { issuer: 'https://kubernetes.default.svc.cluster.local', subject: 'system:serviceaccount:oauth:billing-service' };
    expect((await ensureRegistered(n, identity, cli.run))[1]).toBe(
      'client billing-service: registered as federated_jwt (system:serviceaccount:oauth:billing-service of https://kubernetes.default.svc.cluster.local), no secret',
    );
    expect(cli.calls[3]).toEqual({
      args: ['clients', 'create', '--id', 'billing-service', '--auth-method', 'federated_jwt', '--federated-issuer', identity.issuer, '--federated-subject', identity.subject, '--grant', 'api://user-service=users:read,users:provision', '--owns-audience', 'api://billing-service', '--json'],
      stdin: undefined,
    });
  });

  it('leaves what is there as it is (each `up` runs it again)', async () => {
    const cli = fakeCli({});
    expect(await ensureRegistered(n, secret, cli.run)).toEqual([
      'resource api://billing-service: already registered',
      'client billing-service: already registered (its secret unchanged)',
    ]);
    expect(cli.calls.map((call) => call.args[1])).toEqual(['show', 'show']);
  });

  it('fails, saying what to run by hand, when the CLI cannot register', async () => {
    await expect(ensureRegistered(n, secret, fakeCli({ 'resources show': 1, 'resources create': 1 }).run)).rejects.toThrow(
      'registering the resource api://billing-service failed (see above); by hand: npm run -s cli -- resources create --uri api://billing-service --scopes "billing:read billing:write" --json',
    );
    await expect(ensureRegistered(n, secret, fakeCli({ 'clients show': 1, 'clients create': 1 }).run)).rejects.toThrow(/registering the client billing-service failed .*--secret-stdin/);
  });
});
