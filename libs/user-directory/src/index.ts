export * from './service-variables';
export * from './user-service-caller.config';
export * from './user-directory.service';
export * from './user-directory.module';
