// Not re-exported by @app/platform's index: it loads the database layer (TypeORM, pg), which the
// scripts that import @app/platform do not need. Import it as '@app/platform/service'.
export * from './resource-service.module';
export * from './run-service';
