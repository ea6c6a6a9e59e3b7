/**
 * Node flags every app runs with (npm start, the Dockerfile, deploy/k8s, the benchmark). Under
 * sustained load V8 otherwise lets the old generation grow to ~2× before a full collection (peak
 * RSS ~210 MB for the auth-server); capped at 128 MB it collects earlier and peaks at ~135 MB for
 * the same throughput (bench/README.md).
 */
export const APP_NODE_OPTIONS = '--max-old-space-size=128';

/** `env` with APP_NODE_OPTIONS added to whatever NODE_OPTIONS it already has. */
export function withAppNodeOptions(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, NODE_OPTIONS: [env.NODE_OPTIONS, APP_NODE_OPTIONS].filter(Boolean).join(' ') };
}
