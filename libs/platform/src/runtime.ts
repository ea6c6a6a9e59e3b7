/**
 * Node flags every app runs with (npm start, the Dockerfile, deploy/k8s, the benchmark).
 * - `--max-old-space-size=128`: under sustained load V8 otherwise lets the old generation grow to ~2×
 *   before a full collection (auth-server peak RSS ~210 MB); capped, it collects earlier.
 * - `--max-semi-space-size=4` (MB): the young generation otherwise grows to 16 MB semi-spaces under
 *   load, ~20-25 MB of peak RSS; the apps' per-request garbage dies young either way. Measured on the
 *   auth-server under 30,000 tokens (issue 28): peak RSS 174-184 -> 153-159 MB, main-thread CPU +~2 %;
 *   2 MB cost +15-25 % CPU in scavenges for no further saving.
 */
export const APP_NODE_OPTIONS = '--max-old-space-size=128 --max-semi-space-size=4';

/**
 * glibc malloc settings every app runs with (the same launchers; ignored by other C libraries).
 * `mmap_threshold` fixed at 128 KiB: every block over that gets its own mapping, given back to the
 * system when freed. By default glibc raises the threshold to the size of the largest such block
 * freed so far (up to 32 MiB), and later blocks of that size come from the heap and stay resident:
 * a password hash (scrypt, 16 MiB) left its 16 MiB in the auth-server for good. Measured (issue 28):
 * auth-server peak RSS through its start (two hashes) and token load 150 -> 131 MB, the same CPU per token.
 */
export const APP_GLIBC_TUNABLES = 'glibc.malloc.mmap_threshold=131072';

/** `env` with APP_NODE_OPTIONS and APP_GLIBC_TUNABLES added to whatever it already has of them. */
export function withAppRuntime(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    ...env,
    NODE_OPTIONS: [env.NODE_OPTIONS, APP_NODE_OPTIONS].filter(Boolean).join(' '),
    GLIBC_TUNABLES: [env.GLIBC_TUNABLES, APP_GLIBC_TUNABLES].filter(Boolean).join(':'),
  };
}
