import { oauthErrorResponse } from './oauth-error.response';
import { InvalidToken, OAuthError } from './oauth.errors';

describe('oauthErrorResponse', () => {
  // Issue 10 finding 6: the challenge escaped '"' as '\"' and turned a tab into a space; RFC 6750 §3
  // allows neither '"' nor '\' in error_description at all.
  it('sends the same §5.2-clean error_description in the body and in WWW-Authenticate', () => {
    const sent = oauthErrorResponse(new InvalidToken('alg "E\u00e9256"\tnot \\ accepted'), 'api');
    const description = "alg 'E?256' not ? accepted";
    expect(sent.status).toBe(401);
    expect(JSON.parse(sent.body)).toEqual({ error: 'invalid_token', error_description: description });
    expect(sent.headers['www-authenticate']).toBe(`Bearer realm="api", error="invalid_token", error_description="${description}"`);
  });

  it('sanitises a description that did not come through the OAuthError constructor', () => {
    class Odd extends OAuthError {
      readonly status = 400;
      readonly error = 'invalid_request';
      override challenge = 'Bearer' as const;
    }
    const odd = new Odd('x');
    Object.defineProperty(odd, 'description', { value: 'bad "value"\r\nSet-Cookie: x=1' });
    const sent = oauthErrorResponse(odd, 'api');
    expect(JSON.parse(sent.body).error_description).toBe("bad 'value'  Set-Cookie: x=1");
    expect(sent.headers['www-authenticate']).toBe(`Bearer realm="api", error="invalid_request", error_description="bad 'value'  Set-Cookie: x=1"`);
  });
});
