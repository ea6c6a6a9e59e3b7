import { Repository } from 'typeorm';
import { ClientRegistry } from './client-registry';
import { ClientSecretEntity } from './client-secret.entity';
import { ClientEntity } from './client.entity';

// The cache logic alone (single flight, invalidation races); the registry against PostgreSQL is
// covered by the token-endpoint and client-secrets e2e tests.
function registryWith(reads: { count: number; release?: () => void }) {
  const gate = () =>
    new Promise<void>((resolve) => {
      reads.release = resolve;
    });
  const clients = {
    findOne: async ({ where }: { where: { clientId: string } }) => {
      reads.count++;
      await gate();
      return { clientId: where.clientId } as ClientEntity;
    },
  } as unknown as Repository<ClientEntity>;
  const secrets = { find: async () => [] as ClientSecretEntity[] } as unknown as Repository<ClientSecretEntity>;
  return new ClientRegistry(clients, secrets, { clientCacheTtlMs: 5_000 } as never);
}

describe('ClientRegistry', () => {
  it('reads the database once for many concurrent lookups of an uncached client', async () => {
    const reads = { count: 0 } as { count: number; release?: () => void };
    const registry = registryWith(reads);
    const lookups = Array.from({ length: 50 }, () => registry.find('svc'));
    reads.release!();
    const results = await Promise.all(lookups);
    expect(reads.count).toBe(1);
    expect(new Set(results).size).toBe(1);
    await registry.find('svc');
    expect(reads.count).toBe(1); // now cached
  });

  it('does not cache a registration read before invalidate()', async () => {
    const reads = { count: 0 } as { count: number; release?: () => void };
    const registry = registryWith(reads);
    const stale = registry.find('svc');
    registry.invalidate('svc');
    reads.release!();
    await stale;
    const fresh = registry.find('svc');
    await new Promise((resolve) => setImmediate(resolve));
    expect(reads.count).toBe(2);
    reads.release!();
    await fresh;
  });
});
