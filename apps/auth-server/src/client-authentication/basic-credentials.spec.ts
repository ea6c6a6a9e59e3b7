import { formUrlDecode, parseBasicCredentials } from './basic-credentials';

/** `Basic base64(raw)`, with `raw` sent exactly as given (no form-encoding applied). */
const basic = (raw: string, scheme = 'Basic') => `${scheme} ${Buffer.from(raw, 'utf8').toString('base64')}`;

describe('parseBasicCredentials (RFC 6749 §2.3.1 and Appendix B)', () => {
  it('reads a plain client id and secret', () => {
    expect(parseBasicCredentials(basic('order-service:s3cret'))).toEqual({ clientId: 'order-service', secret: 's3cret' });
  });

  it('form-urldecodes both parts: "+" is a space', () => {
    expect(parseBasicCredentials(basic('my+client:a+b+c'))).toEqual({ clientId: 'my client', secret: 'a b c' });
  });

  it('form-urldecodes %-escapes: %2B is a literal "+", %25 a literal "%"', () => {
    expect(parseBasicCredentials(basic('client:a%2Bb%25c%2F%3D'))).toEqual({ clientId: 'client', secret: 'a+b%c/=' });
  });

  it('an encoded colon (%3A) in the client id stays part of the id', () => {
    expect(parseBasicCredentials(basic('urn%3Aexample%3Aclient:secret'))).toEqual({
      clientId: 'urn:example:client',
      secret: 'secret',
    });
  });

  it('splits on the first colon only: later colons belong to the secret', () => {
    expect(parseBasicCredentials(basic('client:abc:def:ghi'))).toEqual({ clientId: 'client', secret: 'abc:def:ghi' });
  });

  it('decodes the encoding a compliant client produces for a secret with + / = : %', () => {
    const clientId = 'order-service';
    const secret = 'test-order-service-secret-with-+/=:%-chars';
    const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
    expect(parseBasicCredentials(basic(`${encode(clientId)}:${encode(secret)}`))).toEqual({ clientId, secret });
  });

  it('decodes UTF-8 percent-escapes', () => {
    expect(parseBasicCredentials(basic('client:%C3%A9t%C3%A9'))).toEqual({ clientId: 'client', secret: 'été' });
  });

  it('accepts the scheme in any case and surrounding blanks after the token', () => {
    expect(parseBasicCredentials(`basic ${Buffer.from('a:b').toString('base64')}`)).toEqual({ clientId: 'a', secret: 'b' });
    expect(parseBasicCredentials(`BASIC \t${Buffer.from('a:b').toString('base64')} `)).toEqual({ clientId: 'a', secret: 'b' });
  });

  it('malformed %-escapes in the secret or the id: null', () => {
    expect(parseBasicCredentials(basic('client:bad%zzsecret'))).toBeNull();
    expect(parseBasicCredentials(basic('client:trailing%'))).toBeNull();
    expect(parseBasicCredentials(basic('cli%Gent:secret'))).toBeNull();
    // A truncated multi-byte UTF-8 sequence.
    expect(parseBasicCredentials(basic('client:%E2%82'))).toBeNull();
  });

  it('an empty client id: null', () => {
    expect(parseBasicCredentials(basic(':secret'))).toBeNull();
  });

  it('no colon at all: null', () => {
    expect(parseBasicCredentials(basic('client-and-secret'))).toBeNull();
    expect(parseBasicCredentials(basic(''))).toBeNull();
  });

  it('a scheme other than Basic: null', () => {
    expect(parseBasicCredentials(basic('client:secret', 'Bearer'))).toBeNull();
    expect(parseBasicCredentials(basic('client:secret', 'Digest'))).toBeNull();
    expect(parseBasicCredentials(basic('client:secret', 'Basicx'))).toBeNull();
  });

  it('a missing or non-base64 token, or extra tokens: null', () => {
    expect(parseBasicCredentials('Basic')).toBeNull();
    expect(parseBasicCredentials('Basic ')).toBeNull();
    expect(parseBasicCredentials('Basic !!!')).toBeNull();
    expect(parseBasicCredentials(`Basic ${Buffer.from('a:b').toString('base64')} extra`)).toBeNull();
    expect(parseBasicCredentials('')).toBeNull();
  });
});

describe('formUrlDecode', () => {
  it('turns "+" into a space before decoding escapes', () => {
    expect(formUrlDecode('a+b%2Bc')).toBe('a b+c');
  });

  it('returns null for malformed escapes instead of throwing', () => {
    expect(formUrlDecode('%')).toBeNull();
    expect(formUrlDecode('%4')).toBeNull();
    expect(formUrlDecode('%ZZ')).toBeNull();
  });
});
