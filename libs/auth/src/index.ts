export * from './errors/error-description';
export * from './errors/oauth.errors';
export * from './errors/oauth-exception.filter';
export * from './errors/www-authenticate';
export * from './resource-server';
export * from './client';
export * from './trace';
