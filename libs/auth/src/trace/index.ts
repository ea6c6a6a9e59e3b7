export * from './flow-trace';
