import { setFlagsFromString } from 'node:v8';

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
 * - `mmap_threshold` fixed at 128 KiB: every block over that gets its own mapping, given back to the
 *   system when freed. By default glibc raises the threshold to the size of the largest such block
 *   freed so far (up to 32 MiB), and later blocks of that size come from the heap and stay resident:
 *   a password hash (scrypt, 16 MiB) left its 16 MiB in the auth-server for good. Measured (issue 28):
 *   auth-server peak RSS through its start (two hashes) and token load 150 -> 131 MB, the same CPU per token.
 * - `arena_max=2`: glibc gives each thread that allocates an arena of its own, up to 8 per core. The
 *   thread pool's six threads verify client assertions (WebCrypto) and hash, the signing thread signs,
 *   V8's helpers compile and collect; each arena keeps what it once held. Two arenas shared by all of
 *   them: auth-server peak RSS in `npm run bench` on Node 24 149-153 -> 142-146 MB (two runs each,
 *   the drop at scenario 1b, the assertions' load), CPU per token within the machine's noise
 *   (bench/README.md, "The modules a start need not load").
 */
export const APP_GLIBC_TUNABLES = 'glibc.malloc.mmap_threshold=131072:glibc.malloc.arena_max=2';

/**
 * V8 settings every app applies itself, first thing in its main() (applyAppV8Settings): NODE_OPTIONS
 * refuses V8's own flags, and a setting made in the process reaches every launcher, a team's own
 * included. Each is read when it is used, so it takes effect when set at run time (measured; not
 * every flag does: `--no-maglev` set at run time cost +30 % CPU per token, `--liftoff-only` did nothing).
 * Measured in issue 28 (bench/README.md, Memory):
 * - `--no-maglev-destroy-on-background` (V8 12+; Maglev, V8's mid-tier compiler, is on by default
 *   in Node 24): Maglev hands each finished compilation job to a background thread to free. When load
 *   starts, hundreds of functions get hot at once; on a small machine those threads are busy
 *   compiling, so the finished jobs wait with their memory: 164 jobs holding 20.8 MB at once in the
 *   auth-server, which glibc then keeps. Freed on the main thread instead (a few frees per job), the
 *   peak is 4-6 MB: auth-server peak RSS under token load 165-185 -> 150-159 MB on Node 24, the same CPU.
 * - `--no-wasm-dynamic-tiering --no-wasm-tier-up`: Node's fetch parses HTTP with WebAssembly
 *   (undici's llhttp); after the first responses V8 recompiles its parser with its optimizing
 *   compiler, ~25-31 MB for about a second, in every app (JWKS, the revocation feed, calls to other
 *   services). Kept on the baseline compiler: no such moment (user-service's start 141-143 -> 122 MB
 *   on Node 24; a bare process's first fetch 83 -> 55 MB on Node 20), at 6-14 µs more per outbound request.
 */
export const APP_V8_FLAGS: readonly { flag: string; sinceV8Major: number }[] = [
  { flag: '--no-maglev-destroy-on-background', sinceV8Major: 12 },
  { flag: '--no-wasm-dynamic-tiering', sinceV8Major: 11 },
  { flag: '--no-wasm-tier-up', sinceV8Major: 11 },
];

/** The APP_V8_FLAGS a V8 of this version has (an older V8 would print "unrecognized flag"). */
export function appV8Flags(v8Version: string): string[] {
  const major = Number(v8Version.split('.')[0]);
  return APP_V8_FLAGS.filter(({ sinceV8Major }) => major >= sinceV8Major).map(({ flag }) => flag);
}

/** Applies to this process the APP_V8_FLAGS its V8 has. */
export function applyAppV8Settings(): void {
  for (const flag of appV8Flags(process.versions.v8)) setFlagsFromString(flag);
}

/** `env` with APP_NODE_OPTIONS and APP_GLIBC_TUNABLES added to whatever it already has of them. */
export function withAppRuntime(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    ...env,
    NODE_OPTIONS: [env.NODE_OPTIONS, APP_NODE_OPTIONS].filter(Boolean).join(' '),
    GLIBC_TUNABLES: [env.GLIBC_TUNABLES, APP_GLIBC_TUNABLES].filter(Boolean).join(':'),
  };
}
