import { ClientGrantEntity } from './client-grant.entity';
import { summarize } from './client-views';
import { ClientSecretEntity } from './client-secret.entity';
import { ClientEntity } from './client.entity';

function grant(resourceUri: string, kind: ClientGrantEntity['kind']): ClientGrantEntity {
  return Object.assign(new ClientGrantEntity(), { resourceUri, kind, scopes: ['read'], defaultScopes: [] });
}

describe('summarize', () => {
  const client = (grants: ClientGrantEntity[]) =>
    Object.assign(new ClientEntity(), { clientId: 'c', name: 'c', enabled: true, authMethod: 'client_secret_basic', grants, secrets: [], ownedAudiences: [], grantTypes: ['client_credentials'], redirectUris: [] });

  it('lists grants by resource, then kind, in code-unit order whatever the locale', () => {
    const grants = [grant('api://orders', 'delegation'), grant('api://b', 'direct'), grant('api://B', 'direct'), grant('api://orders', 'direct'), grant('api://ä', 'direct')];
    const listed = summarize(client(grants), new Date()).grants.map((view) => `${view.resource} ${view.kind}`);
    // localeCompare would put api://b before api://B and api://ä before api://b.
    expect(listed).toEqual(['api://B direct', 'api://b direct', 'api://orders delegation', 'api://orders direct', 'api://ä direct']);
  });

  it('leaves the entity\'s own grant and secret lists as they were', () => {
    const grants = [grant('api://z', 'direct'), grant('api://a', 'direct')];
    const secret = (id: string, createdAt: string) => Object.assign(new ClientSecretEntity(), { id, createdAt: new Date(createdAt), expiresAt: null });
    const secrets = [secret('newer', '2026-02-01T00:00:00Z'), secret('older', '2026-01-01T00:00:00Z')];
    const view = summarize(Object.assign(client(grants), { secrets }), new Date('2026-03-01T00:00:00Z'));
    expect(view.secrets.map((each) => each.id)).toEqual(['older', 'newer']);
    expect(grants.map((each) => each.resourceUri)).toEqual(['api://z', 'api://a']);
    expect(secrets.map((each) => each.id)).toEqual(['newer', 'older']);
  });
});
