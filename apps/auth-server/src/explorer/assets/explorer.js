// Flow explorer: runs in the learner's browser. It keeps the user's access tokens in sessionStorage
// (the learner's own tokens, shown only as decoded claims) and never sees a client secret: demo-app
// is a public client, and order-service's own token is reported by its dev-only flow trace as claims.
'use strict';

const STORAGE_KEY = 'flow-explorer';
const ACTORS = ['Browser', 'auth-server', 'order-service', 'user-service'];
/**
 * Which token order-service carries to user-service is its USER_LOOKUP setting, not something a
 * request can choose: each mode is a differently configured order-service instance.
 */
const MODES = {
  client_credentials: { title: 'client credentials', url: () => settings.orderServiceUrl },
  token_exchange: { title: 'token exchange', url: () => settings.delegatedOrderServiceUrl },
};
let settings;

// ---- state (sessionStorage: survives the redirect to the sign-in page and back) ----

function loadState() {
  try {
    return JSON.parse(sessionStorage.getItem(STORAGE_KEY) || '{}');
  } catch {
    return {};
  }
}

function saveState(state) {
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(state));
}

// ---- encoding helpers ----

function base64url(bytes) {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64url(text) {
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4);
  const binary = atob(padded);
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

/** A JWT's claims (the payload); the header's key id and the signature are not shown. */
function claimsOf(token) {
  try {
    return JSON.parse(fromBase64url(token.split('.')[1]));
  } catch {
    return {};
  }
}

async function pkcePair() {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return { verifier, challenge: base64url(new Uint8Array(digest)) };
}

// ---- login: authorization code + PKCE with the public client demo-app ----

async function startLogin(scopeKind, then) {
  const { verifier, challenge } = await pkcePair();
  const stateValue = base64url(crypto.getRandomValues(new Uint8Array(16)));
  const state = loadState();
  state.pending = { verifier, state: stateValue, scopeKind, then };
  saveState(state);
  const url = new URL(settings.authorizationEndpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: settings.clientId,
    redirect_uri: settings.redirectUri,
    scope: settings.scopes[scopeKind],
    state: stateValue,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url.toString());
}

async function finishLogin() {
  const params = new URLSearchParams(location.search);
  const state = loadState();
  const pending = state.pending;
  delete state.pending;
  saveState(state);
  history.replaceState(null, '', '/explorer');
  if (!pending || params.get('state') !== pending.state) {
    showMessage('Login failed', 'The callback did not match a login started here (state mismatch).', 'deny');
    return;
  }
  if (params.get('error')) {
    showMessage('Login failed', `${params.get('error')}: ${params.get('error_description') || ''}`, 'deny');
    return;
  }
  const response = await fetch(settings.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: params.get('code') || '',
      redirect_uri: settings.redirectUri,
      client_id: settings.clientId,
      code_verifier: pending.verifier,
    }),
  });
  const body = await response.json();
  if (!response.ok) {
    showMessage('Login failed', `token endpoint answered ${response.status}: ${body.error} ${body.error_description || ''}`, 'deny');
    return;
  }
  // Only the access token is kept (the refresh token is not needed here and is dropped).
  const claims = claimsOf(body.access_token);
  const latest = loadState();
  latest.tokens = latest.tokens || {};
  // A new login as someone else replaces every token of the previous user.
  if (Object.values(latest.tokens).some((token) => token.claims.sub !== claims.sub)) latest.tokens = {};
  latest.tokens[pending.scopeKind] = { accessToken: body.access_token, claims };
  saveState(latest);
  renderSession();
  if (pending.then) {
    await run(pending.then);
    return;
  }
  render(`Logged in (${pending.scopeKind === 'full' ? 'orders:read orders:write' : 'orders:write only'})`, { status: 200, text: 'token issued' }, [
    { from: 'Browser', to: 'auth-server', label: 'GET /oauth/authorize (PKCE S256 challenge)' },
    { from: 'auth-server', to: 'Browser', label: 'sign-in form → 302 to /explorer/callback?code=…', response: true },
    { from: 'Browser', to: 'auth-server', label: 'POST /oauth/token (code + code_verifier)' },
    { from: 'auth-server', to: 'Browser', label: '200 user access token', response: true, claims, claimsTitle: 'user access token (claims)' },
  ]);
}

function usernameOf(sub) {
  const user = settings.users.find((candidate) => candidate.id === sub);
  return user ? user.username : sub;
}

// ---- mode: which order-service instance (USER_LOOKUP) the calls go to ----

function currentMode() {
  const mode = loadState().mode;
  return MODES[mode] ? mode : 'client_credentials';
}

function renderMode() {
  const mode = currentMode();
  for (const input of document.querySelectorAll('input[name="mode"]')) input.checked = input.value === mode;
  document.getElementById('mode-target').textContent = `calls go to order-service at ${MODES[mode].url()} (USER_LOOKUP=${mode})`;
  document.getElementById('result').dataset.mode = mode;
}

function setMode(mode) {
  const state = loadState();
  state.mode = mode;
  saveState(state);
  renderMode();
}

// ---- calls to order-service ----

async function callOrders(path, token) {
  const headers = { 'x-flow-trace': '1' };
  if (token) headers.authorization = `Bearer ${token.accessToken}`;
  const mode = currentMode();
  let response;
  try {
    response = await fetch(MODES[mode].url() + path, { headers });
  } catch (error) {
    // Nothing answers (or not with CORS): in token-exchange mode, most often no such instance runs.
    const hint =
      mode === 'token_exchange'
        ? ` Start an order-service with USER_LOOKUP=token_exchange there (npm run demo does for its run; see README, "Which token should a service call carry?").`
        : '';
    throw new Error(`order-service at ${MODES[mode].url()} did not answer (${error.message}).${hint}`);
  }
  let body;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const traceHeader = response.headers.get('x-flow-trace');
  let trace;
  try {
    trace = traceHeader ? JSON.parse(fromBase64url(traceHeader)) : undefined;
  } catch {
    trace = undefined;
  }
  return { status: response.status, body, trace, challenge: response.headers.get('www-authenticate') };
}

/** The hops of one order-service call, from its answer and its flow trace. */
function hopsOf(method, path, token, result) {
  const hops = [];
  hops.push({
    from: 'Browser',
    to: 'order-service',
    label: `${method} ${path} ${token ? '(Bearer user token)' : '(no Authorization header)'}`,
    claims: token ? token.claims : undefined,
    claimsTitle: 'user access token sent (claims)',
  });
  // With tracing on (OTEL_*), each service reports the trace id it recorded the request under.
  const traceId = result.trace && result.trace.traceId;
  hops[0].traceId = traceId;
  const guard = result.trace && result.trace.guard;
  if (guard) hops.push(guardNote('order-service', guard));
  for (const downstream of (result.trace && result.trace.downstream) || []) {
    const claims = downstream.serviceTokenClaims || {};
    // A delegated token is recognised by what it says (RFC 8693 `act`), not by the mode asked for.
    const delegated = Boolean(claims.act);
    const kind = delegated ? 'delegated token' : 'service token';
    if (downstream.tokenSource === 'token-endpoint') {
      const grant = delegated ? 'token-exchange: subject_token = the user token' : 'client_credentials';
      hops.push({ from: 'order-service', to: 'auth-server', label: `POST /oauth/token (${grant})`, traceId });
      hops.push({ from: 'auth-server', to: 'order-service', label: `200 ${kind}`, response: true });
    } else {
      hops.push({ note: 'order-service', text: `${kind} from cache (no token request${delegated ? '; cached per user token' : ''})` });
    }
    if (delegated) hops.push(actChainNote(claims));
    const target = new URL(downstream.target);
    hops.push({
      from: 'order-service',
      to: 'user-service',
      label: `GET ${target.pathname} (Bearer ${kind})`,
      claims,
      claimsTitle: delegated
        ? `delegated token: sub = ${usernameOf(claims.sub)}, act = ${claims.act.sub} (claims; ${downstream.tokenSource === 'cache' ? 'from cache' : 'just exchanged'})`
        : `order-service's service token (claims; ${downstream.tokenSource === 'cache' ? 'from cache' : 'just fetched'})`,
      traceId: downstream.trace && downstream.trace.traceId,
    });
    if (downstream.trace && downstream.trace.guard) hops.push(guardNote('user-service', downstream.trace.guard));
    hops.push({ from: 'user-service', to: 'order-service', label: `${downstream.status}`, response: true, deny: downstream.status >= 400 });
  }
  if (guard && guard.decision === 'allow' && result.status === 404) {
    // The guard checks the token; whose order it is, the handler checks (the order's owner = token sub).
    hops.push({ note: 'order-service', decision: 'deny', text: "handler: not this user's order → 404 (looks the same as no order)" });
  }
  const error = result.body && result.body.error ? ` ${result.body.error}` : '';
  hops.push({ from: 'order-service', to: 'Browser', label: `${result.status}${error}`, response: true, deny: result.status >= 400, body: result.body });
  return hops;
}

/**
 * The `act` chain of a delegated token, in the order authority passed: the user first, then each
 * actor; the outermost `act` is the one acting now (RFC 8693 §4.1), nested ones acted before it.
 */
function actChain(claims) {
  const actors = [];
  for (let act = claims.act; act && typeof act === 'object' && actors.length < 10; act = act.act) actors.unshift(String(act.sub));
  return [usernameOf(claims.sub), ...actors];
}

function actChainNote(claims) {
  const chain = actChain(claims);
  return { note: 'order-service', kind: 'act-chain', chain, text: `act chain: ${chain.join(' → ')} (acting now: ${chain[chain.length - 1]})` };
}

function guardNote(service, guard) {
  const required = [guard.requiredTokenKind ? `${guard.requiredTokenKind} token` : '', ...guard.requiredScopes].filter(Boolean).join(', ') || 'a valid token';
  const verdict = guard.decision === 'allow' ? `allow${callerOf(guard.caller)}` : `deny (${guard.reason})`;
  return { note: service, decision: guard.decision, text: `guard requires ${required} → ${verdict}` };
}

/** Who the guard let in: a service by its client id, a user, or a user through acting services (`act`). */
function callerOf(caller) {
  if (!caller) return '';
  if (caller.act && caller.act.length) return ` (for ${usernameOf(caller.sub)}, act ${caller.act.join(' ← ')})`;
  return caller.kind === 'service' ? ` (service token of ${caller.client_id})` : ` (${usernameOf(caller.sub)}'s token)`;
}

const ACTIONS = {
  async list(state) {
    return callAndRender('List my orders', '/orders', state.tokens && state.tokens.full, 'list');
  },
  async 'own-order'(state) {
    const token = state.tokens && state.tokens.full;
    const me = token ? usernameOf(token.claims.sub) : undefined;
    const order = settings.orders.find((candidate) => candidate.owner === me);
    return callAndRender('Get my first order', `/orders/${order ? order.id : settings.orders[0].id}`, token, 'own-order');
  },
  async 'no-token'() {
    return callAndRender('Failure: no token', '/orders', undefined);
  },
  async 'wrong-scope'(state) {
    const token = state.tokens && state.tokens.writeOnly;
    if (!token) return startLogin('writeOnly', 'wrong-scope');
    return callAndRender('Failure: wrong scope (orders:write only)', '/orders', token);
  },
  async 'other-order'(state) {
    const token = state.tokens && state.tokens.full;
    if (!token) return startLogin('full', 'other-order');
    const me = usernameOf(token.claims.sub);
    const order = settings.orders.find((candidate) => candidate.owner !== me);
    return callAndRender(`Failure: ${me} asks for ${order.owner}'s order`, `/orders/${order.id}`, token);
  },
};

async function callAndRender(title, path, token, loginThen) {
  if (loginThen && !token) return startLogin('full', loginThen);
  const result = await callOrders(path, token);
  const mode = MODES[currentMode()].title;
  render(`${title} · ${mode}`, { status: result.status, text: result.body && result.body.error_description }, hopsOf('GET', path, token, result));
}

async function run(action) {
  const handler = ACTIONS[action];
  if (handler) await handler(loadState());
}

// ---- rendering (DOM APIs and textContent only: nothing from a response is parsed as HTML) ----

const SVG = 'http://www.w3.org/2000/svg';

function svg(name, attributes, text) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes || {})) element.setAttribute(key, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

function drawDiagram(hops) {
  const width = 920;
  const column = (actor) => 90 + ACTORS.indexOf(actor) * 245;
  const rowHeight = 40;
  const top = 60;
  const height = top + hops.length * rowHeight + 30;
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'sequence diagram' });
  const defs = svg('defs');
  for (const [id, color] of [['arrow', '#1d2430'], ['arrow-deny', '#a3231b']]) {
    const marker = svg('marker', { id, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 8, markerHeight: 8, orient: 'auto-start-reverse' });
    marker.append(svg('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: color }));
    defs.append(marker);
  }
  root.append(defs);
  for (const actor of ACTORS) {
    const x = column(actor);
    const group = svg('g', { class: 'actor', 'data-actor': actor });
    group.append(svg('rect', { x: x - 70, y: 10, width: 140, height: 30, rx: 5 }));
    group.append(svg('text', { x, y: 30, 'text-anchor': 'middle' }, actor));
    root.append(svg('line', { class: 'lifeline', x1: x, y1: 40, x2: x, y2: height - 10 }));
    root.append(group);
  }
  hops.forEach((hop, index) => {
    const y = top + index * rowHeight + 20;
    if (hop.note) {
      const x = column(hop.note);
      const group = svg('g', {
        class: `note ${hop.decision || ''} ${hop.kind || ''}`,
        'data-service': hop.note,
        'data-decision': hop.decision || '',
        ...(hop.chain ? { 'data-kind': hop.kind, 'data-chain': hop.chain.join(' ') } : {}),
      });
      const boxWidth = Math.min(width - 8, 20 + hop.text.length * 6.4);
      const left = Math.max(4, Math.min(width - boxWidth - 4, x - boxWidth / 2));
      group.append(svg('rect', { x: left, y: y - 15, width: boxWidth, height: 24, rx: 3 }));
      group.append(svg('text', { x: left + boxWidth / 2, y: y + 1, 'text-anchor': 'middle' }, hop.text));
      root.append(group);
      return;
    }
    const x1 = column(hop.from);
    const x2 = column(hop.to);
    const classes = ['msg', hop.response ? 'response' : 'request', hop.deny ? 'deny' : ''].join(' ');
    const group = svg('g', { class: classes, 'data-from': hop.from, 'data-to': hop.to });
    group.append(svg('line', { x1, y1: y + 6, x2, y2: y + 6, 'marker-end': `url(#${hop.deny ? 'arrow-deny' : 'arrow'})` }));
    // Keep long labels inside the picture (about 6.6 px per character at 12 px, digits and capitals included).
    const half = (hop.label.length * 6.6) / 2;
    const labelX = Math.max(half + 4, Math.min(width - half - 4, (x1 + x2) / 2));
    group.append(svg('text', { x: labelX, y: y, 'text-anchor': 'middle' }, hop.label));
    root.append(group);
  });
  return root;
}

function hopDetails(hops) {
  const items = [];
  for (const hop of hops) {
    const item = document.createElement('li');
    const summary = document.createElement('div');
    summary.textContent = hop.note ? `${hop.note}: ${hop.text}` : `${hop.from} → ${hop.to}: ${hop.label}`;
    item.append(summary);
    if (hop.traceId) item.append(traceLink(hop.traceId));
    for (const [title, value] of [
      [hop.claimsTitle, hop.claims],
      ['response body', hop.body],
    ]) {
      if (!value) continue;
      const label = document.createElement('div');
      label.textContent = title;
      const pre = document.createElement('pre');
      pre.className = 'claims';
      pre.textContent = JSON.stringify(value, null, 2);
      item.append(label, pre);
    }
    items.push(item);
  }
  return items;
}

/** "trace <id>", a link to the trace viewer when one is configured (EXPLORER_TRACE_URL). */
function traceLink(traceId) {
  const line = document.createElement('div');
  line.className = 'trace';
  line.append('trace ');
  const id = /^[0-9a-f]{32}$/.test(traceId) ? traceId : 'invalid';
  if (settings.traceUrl && id !== 'invalid') {
    const link = document.createElement('a');
    link.href = settings.traceUrl.replace('{traceId}', id);
    link.target = '_blank';
    link.rel = 'noopener';
    link.textContent = id;
    line.append(link);
  } else {
    const code = document.createElement('code');
    code.textContent = id;
    line.append(code);
  }
  return line;
}

function render(title, outcome, hops) {
  document.getElementById('title').textContent = title;
  const outcomeElement = document.getElementById('outcome');
  outcomeElement.textContent = `${outcome.status}${outcome.text ? ` — ${outcome.text}` : ''}`;
  outcomeElement.dataset.status = String(outcome.status);
  outcomeElement.className = outcome.status < 400 ? 'allow' : 'deny';
  document.getElementById('diagram').replaceChildren(drawDiagram(hops));
  document.getElementById('hops').replaceChildren(...hopDetails(hops));
}

function showMessage(title, text, kind) {
  document.getElementById('title').textContent = title;
  const outcomeElement = document.getElementById('outcome');
  outcomeElement.textContent = text;
  outcomeElement.className = kind;
}

function renderSession() {
  const state = loadState();
  const tokens = Object.entries(state.tokens || {});
  document.getElementById('who').textContent = tokens.length
    ? `Logged in as ${usernameOf(tokens[0][1].claims.sub)}; tokens: ${tokens.map(([, token]) => `[${token.claims.scope}]`).join(' ')}`
    : 'Not logged in.';
}

async function main() {
  settings = await (await fetch('/explorer/settings.json')).json();
  document.body.addEventListener('change', (event) => {
    if (event.target.name === 'mode') setMode(event.target.value);
  });
  document.body.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    if (!button) return;
    const action = button.dataset.action;
    if (action === 'login') return void startLogin('full');
    if (action === 'logout') {
      sessionStorage.removeItem(STORAGE_KEY);
      renderSession();
      renderMode();
      return;
    }
    run(action).catch((error) => showMessage('Call failed', String(error), 'deny'));
  });
  renderSession();
  renderMode();
  if (location.pathname === '/explorer/callback') await finishLogin();
  document.body.dataset.ready = 'true';
}

main().catch((error) => showMessage('Explorer failed to start', String(error), 'deny'));
