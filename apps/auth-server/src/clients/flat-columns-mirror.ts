import { EntityManager } from 'typeorm';
import { ClientGrantEntity } from './client-grant.entity';

/**
 * TRANSITIONAL (issue 27): main's token path (token/token-request.ts, authorization/) still reads the
 * flat columns clients.allowed_scopes / default_scopes / allowed_audiences. Until the grant policy
 * reads client.grants, they are written here, and only here, as the image of the client's grants (the
 * registration no longer takes or shows them). Delete this file and its two callers when the columns go.
 * The first audience stays the one the client had first (today's default `aud`); new ones follow in
 * the order granted.
 */
export async function mirrorGrantsIntoFlatColumns(manager: EntityManager, clientId: string, grantedInOrder: string[] = []): Promise<void> {
  const grants = await manager.find(ClientGrantEntity, { where: { clientId } });
  const byResource = new Map(grants.map((grant) => [grant.resourceUri, grant]));
  const [row]: { allowed_audiences: string[] }[] = await manager.query('SELECT allowed_audiences FROM clients WHERE client_id = $1', [clientId]);
  const order = [...new Set([...(row?.allowed_audiences ?? []), ...grantedInOrder, ...[...byResource.keys()].sort()])];
  const audiences = order.filter((uri) => byResource.has(uri));
  const union = (pick: (grant: ClientGrantEntity) => string[]) => [...new Set(audiences.flatMap((uri) => pick(byResource.get(uri)!)))];
  await manager.query('UPDATE clients SET allowed_audiences = $2, allowed_scopes = $3, default_scopes = $4 WHERE client_id = $1', [
    clientId,
    audiences,
    union((grant) => grant.scopes),
    union((grant) => grant.defaultScopes),
  ]);
}
