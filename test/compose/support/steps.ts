/**
 * The compose checks are one story told in steps (up, demo, restart, down): a step after a failed one
 * fails at once, saying which step broke, instead of adding noise.
 */
export function sequentialSteps(defaultTimeoutMs: number): (name: string, body: () => Promise<void>, timeoutMs?: number) => void {
  let firstFailure: string | undefined;
  return (name, body, timeoutMs = defaultTimeoutMs) => {
    it(
      name,
      async () => {
        if (firstFailure) throw new Error(`not run: the step "${firstFailure}" failed`);
        try {
          await body();
        } catch (error) {
          firstFailure = name;
          throw error;
        }
      },
      timeoutMs,
    );
  };
}
