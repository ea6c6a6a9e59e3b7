export * from './database.config';
export * from './database-logger';
export * from './database.module';
export * from './embedded-postgres';
export * from './migrations';
export * from './postgres-text';
