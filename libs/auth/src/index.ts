export * from './errors/error-description';
export * from './errors/oauth.errors';
export * from './errors/oauth-error.filter';
export * from './errors/oauth-error.response';
export * from './errors/www-authenticate';
export * from './resource-server';
export * from './client-credentials';
export * from './trace';
