export * from './api-docs';
export * from './route-security';
export * from './route-table';
export * from './resource-server-docs';
export * from './openapi-decorators';
