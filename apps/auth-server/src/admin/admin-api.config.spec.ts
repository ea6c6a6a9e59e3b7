import { adminApiSettings, DEFAULT_ADMIN_AUDIENCE } from './admin-api.config';

describe('adminApiSettings', () => {
  it('is on outside production and off in production unless ADMIN_API_ENABLED says otherwise', () => {
    expect(adminApiSettings({ NODE_ENV: 'development' })).toEqual({ enabled: true, audience: DEFAULT_ADMIN_AUDIENCE });
    expect(adminApiSettings({ NODE_ENV: 'development', ADMIN_API_ENABLED: 'false' }).enabled).toBe(false);
    expect(adminApiSettings({ NODE_ENV: 'production' }).enabled).toBe(false);
    expect(adminApiSettings({ NODE_ENV: 'production', ADMIN_API_ENABLED: 'true' }).enabled).toBe(true);
  });

  it('refuses a flag that is not true or false, and an audience that is not one URI', () => {
    expect(() => adminApiSettings({ ADMIN_API_ENABLED: 'yes' })).toThrow('ADMIN_API_ENABLED must be true or false');
    expect(() => adminApiSettings({ ADMIN_AUDIENCE: 'api://a api://b' })).toThrow(/ADMIN_AUDIENCE/);
    expect(() => adminApiSettings({ ADMIN_AUDIENCE: 'not a uri' })).toThrow(/ADMIN_AUDIENCE/);
    expect(adminApiSettings({ ADMIN_AUDIENCE: 'https://as.example/admin' }).audience).toBe('https://as.example/admin');
  });
});
