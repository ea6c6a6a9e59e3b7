import { LoginThrottle } from './login-throttle';

const throttle = () => new LoginThrottle({ loginProtection: { failureLimit: 3, failureWindowSeconds: 60 } } as never);

describe('LoginThrottle (per account and address)', () => {
  it('waits from the limit-th failure on, doubling with each further one, capped at 15 minutes', () => {
    const t = throttle();
    const now = 1_000_000;
    expect([1, 2].map(() => t.failed('alice', 'a', now))).toEqual([0, 0]);
    expect(t.waitSeconds('alice', 'a', now)).toBe(0);
    expect([3, 4, 5, 6].map(() => t.failed('alice', 'a', now))).toEqual([1, 2, 4, 8]);
    expect(t.waitSeconds('alice', 'a', now)).toBe(8);
    expect(t.waitSeconds('alice', 'a', now + 8_000)).toBe(0);
    for (let i = 0; i < 30; i++) t.failed('alice', 'a', now);
    expect(t.waitSeconds('alice', 'a', now)).toBe(900);
  });

  it('keys on the pair: other addresses and other accounts are not held', () => {
    const t = throttle();
    for (let i = 0; i < 5; i++) t.failed('alice', 'attacker', 0);
    expect(t.waitSeconds('alice', 'attacker', 0)).toBeGreaterThan(0);
    expect(t.waitSeconds('alice', 'home', 0)).toBe(0);
    expect(t.waitSeconds('bob', 'attacker', 0)).toBe(0);
  });

  it('a success clears the pair; failures are forgotten after the window', () => {
    const t = throttle();
    for (let i = 0; i < 3; i++) t.failed('alice', 'a', 0);
    t.succeeded('alice', 'a');
    expect(t.waitSeconds('alice', 'a', 0)).toBe(0);
    expect(t.failed('alice', 'a', 0)).toBe(0);
    t.failed('alice', 'a', 0);
    // Past the window (60 s) since the last failure, the count starts again.
    expect(t.failed('alice', 'a', 61_000)).toBe(0);
  });
});
