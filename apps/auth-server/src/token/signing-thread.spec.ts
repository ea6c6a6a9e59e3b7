import type { Worker } from 'node:worker_threads';
import { jwtServiceOver, loadedKey } from '../../test/support/signing-keys.fixture';
import { signAccessTokenJws } from './compact-jws';
import { SigningThread } from './signing-thread';

const claims = (jti: string) => {
  const iat = Math.floor(Date.now() / 1000);
  return { iss: 'https://issuer.test', sub: 'svc', aud: 'api://x', exp: iat + 60, iat, jti, client_id: 'svc', scope: 'a' };
};
const verifyWith = (keys: Awaited<ReturnType<typeof loadedKey>>[]) => (token: string) =>
  jwtServiceOver(keys).verify(token, { algorithms: ['ES256', 'RS256'], issuer: 'https://issuer.test' }) as { jti: string };
const workerOf = (thread: SigningThread) => (thread as unknown as { worker?: Worker }).worker;

describe('SigningThread (the token endpoint signatures, off the event loop)', () => {
  let thread: SigningThread;
  beforeEach(() => (thread = new SigningThread()));
  afterEach(() => thread.onApplicationShutdown());

  it('signs what one turn of the event loop asks for, with several keys, each token verifiable by JwtService', async () => {
    const [es256, rs256] = [await loadedKey('ES256'), await loadedKey('RS256')];
    const keys = Array.from({ length: 40 }, (_, index) => (index % 3 === 0 ? rs256 : es256));
    const tokens = await Promise.all(keys.map((key, index) => signAccessTokenJws(key, claims(`j-${index}`), thread)));
    const verify = verifyWith([es256, rs256]);
    expect(tokens.map((token) => verify(token).jti)).toEqual(keys.map((_, index) => `j-${index}`));
    expect(workerOf(thread)).toBeDefined();
    // A key the thread already holds is not sent again: the next batch signs with it as well.
    expect(verify(await signAccessTokenJws(es256, claims('again'), thread)).jti).toBe('again');
  });

  it('loses nothing when the thread dies with signatures owed: those and the next are signed in the thread pool', async () => {
    const key = await loadedKey('ES256');
    const verify = verifyWith([key]);
    await signAccessTokenJws(key, claims('first'), thread);
    const owed = Array.from({ length: 10 }, (_, index) => signAccessTokenJws(key, claims(`owed-${index}`), thread));
    // The batch goes out at the end of this turn; the thread is killed as it arrives.
    await new Promise((sent) => setImmediate(sent));
    await workerOf(thread)!.terminate();
    expect((await Promise.all(owed)).map((token) => verify(token).jti)).toEqual(Array.from({ length: 10 }, (_, index) => `owed-${index}`));
    expect(verify(await signAccessTokenJws(key, claims('after'), thread)).jti).toBe('after');
  });

  it('after shutdown still signs (in the thread pool), and starts no thread', async () => {
    thread.onApplicationShutdown();
    const key = await loadedKey('ES256');
    expect(verifyWith([key])(await signAccessTokenJws(key, claims('late'), thread)).jti).toBe('late');
    expect(workerOf(thread)).toBeUndefined();
  });

  it('TOKEN_SIGNING_THREAD=false: the thread pool signs, and no thread is started', async () => {
    const off = new SigningThread({ signingThread: false });
    const key = await loadedKey('ES256');
    expect(verifyWith([key])(await signAccessTokenJws(key, claims('pool'), off)).jti).toBe('pool');
    expect(workerOf(off)).toBeUndefined();
  });

  it('refuses a key that may no longer sign', async () => {
    await expect(signAccessTokenJws(await loadedKey('ES256', false), claims('x'), thread)).rejects.toThrow(/no private key/);
  });
});
