import { isStorableText } from './postgres-text';

describe('isStorableText', () => {
  it('accepts ordinary and non-ASCII text', () => {
    expect(isStorableText('order-service')).toBe(true);
    expect(isStorableText('été:+/=%')).toBe(true);
    expect(isStorableText('')).toBe(true);
  });

  it('refuses text with a NUL character anywhere (PostgreSQL text cannot hold it)', () => {
    expect(isStorableText('\0')).toBe(false);
    expect(isStorableText('client\0id')).toBe(false);
  });
});
