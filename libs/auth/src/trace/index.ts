export * from './flow-trace';
export * from './active-span';
