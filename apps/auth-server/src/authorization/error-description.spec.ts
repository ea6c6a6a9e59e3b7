import { errorDescription } from './error-description';

describe('errorDescription (RFC 6749 §4.1.2.1 character set)', () => {
  it('keeps printable ASCII other than " and \\', () => {
    expect(errorDescription('scope not allowed: orders:read <x> & y')).toBe('scope not allowed: orders:read <x> & y');
  });

  it('replaces quotes, backslashes, control and non-ASCII characters', () => {
    expect(errorDescription('a"b\\c\nd\te\u00e9f\u{1F600}')).toBe('a?b?c?d?e?f??');
  });

  it('cuts overly long text', () => {
    const cut = errorDescription('x'.repeat(500));
    expect(cut).toHaveLength(200);
    expect(cut.endsWith('...')).toBe(true);
  });
});
