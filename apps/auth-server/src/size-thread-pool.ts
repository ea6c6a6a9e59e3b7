// Imported first by main.ts, before tracing.ts (whose SDK may read files on the pool): libuv sizes its
// thread pool once, when it is first used (thread-pool.ts says why the auth-server needs more than 4).
import { sizeThreadPool } from './thread-pool';

sizeThreadPool();
