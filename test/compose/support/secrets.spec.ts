import { base64Fragments, findSecrets, secretForms } from './secrets';

const SECRET = 'dev-order-service-secret-change-me';

describe('secret forms in logs', () => {
  it('finds the secret inside a Basic authorization header, at any position', () => {
    for (const prefix of ['order-service:', 'a:', 'ab:']) {
      const header = `authorization: Basic ${Buffer.from(`${prefix}${SECRET}`).toString('base64')}`;
      expect(findSecrets(`{"msg":"request"}\n${header}\n`, { ORDER_SERVICE_CLIENT_SECRET: SECRET })).toEqual([
        expect.objectContaining({ name: 'ORDER_SERVICE_CLIENT_SECRET', line: header }),
      ]);
    }
  });

  it('finds it URL-encoded, JSON-escaped, in hex and in base64url', () => {
    const secret = 'p@ss "w/rd" 42+x';
    const cases = [
      `body=client_secret%3D${encodeURIComponent(secret)}`,
      `{"secret":${JSON.stringify(secret)}}`,
      `pepper=${Buffer.from(secret).toString('hex').toUpperCase()}`,
      `x.${Buffer.from(`{"s":"${secret}"}`).toString('base64url')}.y`,
    ];
    for (const line of cases) expect(findSecrets(line, { S: secret })).toHaveLength(1);
  });

  it('does not flag lines without the secret', () => {
    const text = ['ready: auth-server on :3000', `authorization: Basic ${Buffer.from('order-service:other-secret-value').toString('base64')}`].join('\n');
    expect(findSecrets(text, { S: SECRET })).toEqual([]);
  });

  it('keeps only base64 characters that depend on the secret alone', () => {
    const fragments = base64Fragments(SECRET);
    expect(fragments).toHaveLength(3);
    for (const fragment of fragments) expect(fragment.length).toBeGreaterThanOrEqual(40);
    expect(secretForms(SECRET)).toContain(SECRET);
  });
});
