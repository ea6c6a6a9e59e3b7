export * from './http-app';
export * from './health.controller';
export * from './demo-users';
export * from './env';
export * from './api-docs';
