import { DEMO_USERS } from '@app/platform';
import { DelegatedOrderService, startDelegatedOrderService } from '../test/support/delegated-order-service';
import { startPlatform, TestPlatform } from '../test/support/platform.harness';

/**
 * `npm run demo` against a platform of its own (in this process), as the terminal sees it: every
 * verdict as expected, both modes of order-service (USER_LOOKUP=client_credentials and
 * token_exchange), their downstream tokens side by side, and bob's profile out of reach of a token
 * for alice. test/compose runs the same demo against the containers.
 */
describe('npm run demo: the flow in both modes', () => {
  let platform: TestPlatform;
  let delegatedOrders: DelegatedOrderService;
  const saved = { ...process.env };

  beforeAll(async () => {
    platform = await startPlatform();
    delegatedOrders = await startDelegatedOrderService();
  });
  afterAll(async () => {
    process.env = saved;
    await delegatedOrders?.close();
    await platform?.close();
  });

  /** Runs the demo module with these URLs; its stdout, and its error if it stopped. */
  async function demo(urls: Record<string, string>): Promise<{ output: string; error?: Error }> {
    Object.assign(process.env, {
      DEMO_AUTH_SERVER_URL: platform.auth.url,
      DEMO_USER_SERVICE_URL: platform.users.url,
      DEMO_ORDER_SERVICE_URL: platform.orders.url,
      ...urls,
    });
    let output = '';
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      output += chunk.toString();
      return true;
    });
    try {
      // A fresh module each time: the demo reads its URLs when loaded.
      let runDemo: () => Promise<void> = async () => undefined;
      jest.isolateModules(() => {
        runDemo = (jest.requireActual('./demo') as typeof import('./demo')).runDemo;
      });
      const error = await runDemo().then(
        () => undefined,
        (failure: Error) => failure,
      );
      return { output, error };
    } finally {
      write.mockRestore();
      delete process.env.DEMO_DELEGATED_ORDER_SERVICE_URL;
    }
  }

  /** The rows of the side-by-side table, by claim: [client credentials, token exchange]. */
  function claimRows(output: string): Map<string, [string, string]> {
    const table = output.split('side by side')[1]!.split('\n').filter((line) => /^ {3}\S+ {2,}\S/.test(line));
    return new Map(table.map((line) => {
      const [claim, left, right] = line.trim().split(/ {2,}/);
      return [claim!, [left!, right ?? '']];
    }));
  }

  it('runs both modes with every verdict as expected, and prints the two downstream tokens side by side', async () => {
    const { output, error } = await demo({ DEMO_DELEGATED_ORDER_SERVICE_URL: delegatedOrders.url });
    expect(error).toBeUndefined();
    expect(output).not.toContain('✗');
    expect(output).toContain(`order-service in token-exchange mode at ${delegatedOrders.url} (configured)`);
    expect(output).toContain("order-service exchanged alice's token");
    // The client-credentials token reused on the second call, and the delegated one too.
    expect(output.match(/\(reused ✓\)/g)).toHaveLength(2);

    const rows = claimRows(output);
    expect(rows.get('sub')).toEqual(['order-service', DEMO_USERS.alice.id]);
    expect(rows.get('act')).toEqual(['—', '{"sub":"order-service"}']);
    expect(rows.get('client_id')).toEqual(['order-service', 'order-service']);
    expect(rows.get('aud')).toEqual(['api://user-service', 'api://user-service']);
    expect(rows.get('scope')?.[1]).toBe('users:read');

    // The confused deputy: its own token reads bob too; alice's delegated token reads alice only.
    expect(output).toMatch(/its own token, GET \/users\/<bob>: +200 ✓ as expected/);
    expect(output).toMatch(/alice's delegated token, GET \/users\/<alice>: 200 ✓ as expected/);
    expect(output).toMatch(/alice's delegated token, GET \/users\/<bob>: +404 ✓ as expected/);
    // Claims only: no token (nor its signature) on the terminal.
    expect(output).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/);
    // The delegated order-service exchanged alice's token once and reused it (its dev-only counters, as the bench reads them).
    const exchanges = (await (await fetch(`${delegatedOrders.url}/debug/delegated-tokens`)).json()) as Record<string, number>;
    expect(exchanges).toMatchObject({ fetches: 1, failures: 0 });
    expect(exchanges.hits).toBeGreaterThanOrEqual(1);
  });

  it('against a platform elsewhere (docker compose) without a token-exchange instance: says so, and still shows both tokens', async () => {
    const { output, error } = await demo({});
    expect(error).toBeUndefined();
    expect(output).not.toContain('✗');
    expect(output).toContain('no order-service in token-exchange mode here');
    const rows = claimRows(output);
    expect(rows.get('sub')).toEqual(['order-service', DEMO_USERS.alice.id]);
    expect(rows.get('act')).toEqual(['—', '{"sub":"order-service"}']);
    expect(output).toMatch(/alice's delegated token, GET \/users\/<bob>: +404 ✓ as expected/);
  });
});
