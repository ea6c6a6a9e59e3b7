import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { envFileValues, loadEnvFiles, resolvedEnvironment } from './env';

describe('the one env loader (environment, else .env, else .env.example; no file in production)', () => {
  let dir: string;
  const saved = { ...process.env };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'env-loader-'));
    writeFileSync(join(dir, '.env.example'), 'EMBEDDED_PG_PORT=54329\nEMBEDDED_PG_DIR=.data/postgres\nAUTH_SERVER_PORT=3000\n');
    writeFileSync(join(dir, '.env'), 'EMBEDDED_PG_PORT=55001\n');
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  });

  it('merges the files variable by variable, .env over .env.example, and the environment over both', () => {
    expect(envFileValues(dir, {})).toEqual({ EMBEDDED_PG_PORT: '55001', EMBEDDED_PG_DIR: '.data/postgres', AUTH_SERVER_PORT: '3000' });
    expect(resolvedEnvironment(dir, { AUTH_SERVER_PORT: '3200' })).toMatchObject({ EMBEDDED_PG_PORT: '55001', AUTH_SERVER_PORT: '3200' });
  });

  it('reads no file in production', () => {
    expect(envFileValues(dir, { NODE_ENV: 'production' })).toEqual({});
  });

  it('fills only what the process environment leaves unset (an empty value is set)', () => {
    delete process.env.EMBEDDED_PG_PORT;
    delete process.env.EMBEDDED_PG_DIR;
    process.env.AUTH_SERVER_PORT = '';
    loadEnvFiles(dir);
    expect([process.env.EMBEDDED_PG_PORT, process.env.EMBEDDED_PG_DIR, process.env.AUTH_SERVER_PORT]).toEqual(['55001', '.data/postgres', '']);
  });
});
