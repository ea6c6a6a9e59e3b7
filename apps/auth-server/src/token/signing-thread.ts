import { Inject, Injectable, Logger, OnApplicationShutdown, Optional } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { Worker } from 'node:worker_threads';
import { authServerConfig } from '../config/auth-server.config';
import type { LoadedKey } from '../keys/signing-keys.service';
import { JwsSigner, threadPoolSigner } from './compact-jws';

/**
 * What the signing thread runs. Plain JavaScript evaluated by the Worker (`eval: true`), so the same
 * code runs from dist, under ts-jest and in the Docker image, with no second file to ship or resolve.
 * Each message is one batch: the keys it uses that the thread has not seen yet, then one signing
 * input per token. The answer carries one base64url signature per input (null where one failed).
 */
const SIGNING_THREAD_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { sign } = require('node:crypto');
const keys = new Map();
parentPort.on('message', ({ id, added, kids, inputs }) => {
  for (const [kid, key] of added) keys.set(kid, key.asymmetricKeyType === 'ec' ? { key, dsaEncoding: 'ieee-p1363' } : key);
  const signatures = new Array(inputs.length);
  for (let i = 0; i < inputs.length; i++) {
    try {
      signatures[i] = sign('sha256', Buffer.from(inputs[i]), keys.get(kids[i])).toString('base64url');
    } catch {
      signatures[i] = null;
    }
  }
  parentPort.postMessage({ id, signatures });
});
`;

interface Batch {
  id: number;
  keys: LoadedKey[];
  inputs: string[];
  settle: { resolve(signature: string): void; reject(error: Error): void }[];
}

/**
 * The token endpoint's signatures, computed on one thread of their own, a batch per event-loop turn.
 *
 * Why: in libuv's thread pool (node:crypto's `sign` with a callback) every signature woke a pool
 * thread, and on a small VM the wake-ups cost as much CPU as the ECDSA arithmetic: under the token
 * load, futex calls were ~14 % of the auth-server's CPU, twice the signatures themselves, and up to
 * six pool threads took turns on two cores. Here the tokens one turn of the event loop asks for go
 * to this thread as one message, which it signs in a row while the loop answers the next requests.
 * Measured in issue 28 (bench/README.md, "One signing thread"). Batching into the pool instead is
 * no cheaper with its six threads, and as cheap only with two, which would leave sign-in hashes free
 * to hold all of it (thread-pool.ts). Its price is a second V8 isolate, ~11 MB of resident memory,
 * started with the first token, not at boot; TOKEN_SIGNING_THREAD=false keeps the thread pool instead.
 *
 * Nothing is lost if the thread fails: the batches it holds, and every signature after, are
 * computed in libuv's thread pool as before (threadPoolSigner), and the failure is logged once.
 */
@Injectable()
export class SigningThread implements JwsSigner, OnApplicationShutdown {
  private readonly logger = new Logger(SigningThread.name);
  private worker?: Worker;
  /** Set when turned off, or once the thread failed or the application shut down: then the thread pool signs. */
  private unavailable: boolean;
  /** Kids whose private key the thread holds (there is one thread per process: a failed one is not replaced). */
  private readonly sentKids = new Set<string>();
  private queued?: Batch;
  private readonly inFlight = new Map<number, Batch>();
  private nextBatchId = 1;

  constructor(@Optional() @Inject(authServerConfig.KEY) config?: Pick<ConfigType<typeof authServerConfig>, 'signingThread'>) {
    this.unavailable = config?.signingThread === false;
  }

  signature(key: LoadedKey, signingInput: string): Promise<string> {
    if (this.unavailable || !key.privateKey) return threadPoolSigner.signature(key, signingInput);
    return new Promise((resolve, reject) => {
      if (!this.queued) {
        this.queued = { id: this.nextBatchId++, keys: [], inputs: [], settle: [] };
        // Everything this turn of the event loop asks for goes in one message.
        setImmediate(() => this.send());
      }
      this.queued.keys.push(key);
      this.queued.inputs.push(signingInput);
      this.queued.settle.push({ resolve, reject });
    });
  }

  onApplicationShutdown(): void {
    this.unavailable = true;
    void this.worker?.terminate();
  }

  private send(): void {
    const batch = this.queued!;
    this.queued = undefined;
    if (this.unavailable) return this.signInThreadPool(batch);
    let worker: Worker;
    try {
      worker = this.worker ?? this.start();
    } catch (error) {
      this.fail(error);
      return this.signInThreadPool(batch);
    }
    const added: [string, unknown][] = [];
    for (const key of batch.keys) {
      if (this.sentKids.has(key.kid)) continue;
      this.sentKids.add(key.kid);
      added.push([key.kid, key.privateKey]);
    }
    try {
      worker.postMessage({ id: batch.id, added, kids: batch.keys.map((key) => key.kid), inputs: batch.inputs });
    } catch (error) {
      this.fail(error);
      return this.signInThreadPool(batch);
    }
    this.inFlight.set(batch.id, batch);
    // Held open only while it owes signatures: an idle thread never keeps the process alive.
    if (this.inFlight.size === 1) worker.ref();
  }

  private start(): Worker {
    const worker = new Worker(SIGNING_THREAD_SOURCE, {
      eval: true,
      name: 'jws-signing',
      // It holds a few keys and one batch at a time. Its resident memory is its isolate's, ~11 MB
      // whatever these limits (4-16 MB old space measured alike); 16 leaves room for a large batch.
      resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 2 },
    });
    worker.unref();
    worker.on('message', ({ id, signatures }: { id: number; signatures: (string | null)[] }) => this.settle(id, signatures));
    worker.on('error', (error) => this.fail(error));
    // An answer that cannot be read would leave its batch waiting: end the thread, and the pool signs what it owed.
    worker.on('messageerror', (error) => {
      this.fail(error);
      void worker.terminate();
    });
    worker.on('exit', (code) => {
      if (!this.unavailable) this.fail(new Error(`the signing thread exited (${code})`));
      // What it still owed is signed in the thread pool: no token request fails for it.
      for (const batch of this.inFlight.values()) this.signInThreadPool(batch);
      this.inFlight.clear();
    });
    this.worker = worker;
    return worker;
  }

  private settle(id: number, signatures: (string | null)[]): void {
    const batch = this.inFlight.get(id);
    if (!batch) return;
    this.inFlight.delete(id);
    if (this.inFlight.size === 0) this.worker?.unref();
    signatures.forEach((signature, index) => {
      if (signature !== null) batch.settle[index]!.resolve(signature);
      else batch.settle[index]!.reject(new Error(`could not sign with key ${batch.keys[index]!.kid}`));
    });
  }

  private fail(error: unknown): void {
    if (this.unavailable) return;
    this.unavailable = true;
    this.logger.error(`the signing thread failed, signing in the thread pool from now on: ${error instanceof Error ? error.message : String(error)}`);
  }

  private signInThreadPool(batch: Batch): void {
    batch.inputs.forEach((input, index) => {
      const { resolve, reject } = batch.settle[index]!;
      threadPoolSigner.signature(batch.keys[index]!, input).then(resolve, reject);
    });
  }
}
