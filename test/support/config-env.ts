/**
 * For specs of a config namespace: a loader that runs the namespace's factory under exactly the given
 * environment. Registers an afterEach that puts the real environment back.
 */
export function configLoader<T>(factory: () => T): (env: Record<string, string | undefined>) => T {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });
  return (env) => {
    process.env = { ...env } as NodeJS.ProcessEnv;
    return factory();
  };
}
