import { ClientGrantEntity } from './client-grant.entity';
import { summarize } from './client-views';
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

  it('leaves the entity\'s own grant list as it was', () => {
    const grants = [grant('api://z', 'direct'), grant('api://a', 'direct')];
    summarize(client(grants), new Date());
    expect(grants.map((each) => each.resourceUri)).toEqual(['api://z', 'api://a']);
  });
});
