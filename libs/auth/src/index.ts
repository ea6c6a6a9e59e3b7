export * from './errors/oauth.errors';
export * from './errors/oauth-exception.filter';
export * from './errors/www-authenticate';
