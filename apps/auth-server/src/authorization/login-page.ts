import { escapeHtml } from './html';

export interface LoginPageInput {
  clientName: string;
  /** The API the tokens will be for (their audience). */
  api: { uri: string; name: string };
  scopes: string[];
  /** The authorization request, carried through the form as hidden fields. */
  fields: Record<string, string>;
  csrfToken: string;
  error?: string;
  username?: string;
}

/** The sign-in page: plain server-rendered HTML, every interpolation escaped, no scripts. */
export function renderLoginPage(input: LoginPageInput): string {
  const hidden = Object.entries({ ...input.fields, csrf: input.csrfToken })
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('\n      ');
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Sign in</title>
  <style>
    body { font: 16px/1.5 system-ui, sans-serif; background: #f4f5f7; display: grid; place-items: center; min-height: 100vh; margin: 0; }
    form { background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 1px 4px #0002; width: 20rem; }
    label { display: block; margin-top: 1rem; } input[type=text], input[type=password] { width: 100%; padding: .5rem; box-sizing: border-box; }
    button { margin-top: 1.5rem; width: 100%; padding: .6rem; background: #1f6feb; color: #fff; border: 0; border-radius: 4px; font-size: 1rem; }
    .error { color: #b42318; } .scopes { color: #555; font-size: .9rem; }
  </style>
</head>
<body>
  <form method="post" action="/oauth/authorize">
    <h1>Sign in</h1>
    <p><strong>${escapeHtml(input.clientName)}</strong> asks to act for you on ${describeApi(input.api)} with:</p>
    <p class="scopes">${input.scopes.map(escapeHtml).join(', ')}</p>
    ${input.error ? `<p class="error" role="alert">${escapeHtml(input.error)}</p>` : ''}
    <label>Username <input type="text" name="username" autocomplete="username" required value="${escapeHtml(input.username ?? '')}"></label>
    <label>Password <input type="password" name="password" autocomplete="current-password" required></label>
      ${hidden}
    <button type="submit">Sign in</button>
  </form>
</body>
</html>`;
}

function describeApi(api: { uri: string; name: string }): string {
  const uri = `<code>${escapeHtml(api.uri)}</code>`;
  return api.name === api.uri ? uri : `<strong>${escapeHtml(api.name)}</strong> (${uri})`;
}

export function renderErrorPage(message: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Authorization error</title></head>
<body style="font: 16px/1.5 system-ui, sans-serif; padding: 2rem">
  <h1>This sign-in request cannot be completed</h1>
  <p>${escapeHtml(message)}</p>
</body></html>`;
}
