import { escapeHtml } from './html';

describe('escapeHtml', () => {
  it('escapes markup and both quote kinds', () => {
    expect(escapeHtml(`<script>alert("x")</script>`)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(escapeHtml(`' onmouseover='x`)).toBe('&#39; onmouseover=&#39;x');
    expect(escapeHtml('a & b')).toBe('a &amp; b');
  });

  it('renders null and undefined as empty text', () => {
    expect(escapeHtml(undefined)).toBe('');
    expect(escapeHtml(null)).toBe('');
  });
});
