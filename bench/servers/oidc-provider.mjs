// node-oidc-provider (the certified Node provider) issuing ES256 JWT access tokens for the client
// credentials grant, through resource indicators, to the same client as our auth-server's.
import { createServer } from 'node:http';
import { Provider } from 'oidc-provider';

const { BENCH_PORT, BENCH_ISSUER, BENCH_CLIENT_ID, BENCH_CLIENT_SECRET, BENCH_JWK } = process.env;
const audience = 'api://user-service';

const provider = new Provider(BENCH_ISSUER, {
  clients: [
    {
      client_id: BENCH_CLIENT_ID,
      client_secret: BENCH_CLIENT_SECRET,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      // Only ES256 keys are loaded; the default RS256 for ID tokens would be refused.
      id_token_signed_response_alg: 'ES256',
      scope: 'users:read',
    },
  ],
  jwks: { keys: [JSON.parse(BENCH_JWK)] },
  scopes: ['users:read'],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => audience,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, resource) => {
        if (resource !== audience) throw new Error(`unknown resource ${resource}`);
        return { scope: 'users:read', audience, accessTokenTTL: 900, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } };
      },
    },
  },
});
createServer(provider.callback()).listen(Number(BENCH_PORT), '127.0.0.1', () => process.stdout.write('listening\n'));
