export * from './http-app';
export * from './health';
export * from './demo-users';
export * from './env';
export * from './api-docs';
