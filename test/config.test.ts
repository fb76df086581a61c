import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const KEY = Buffer.alloc(32, 3).toString('base64');
const problems = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
};

describe('configuration', () => {
  it('demo mode: no provider credentials, contract defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      demoMode: true,
      port: 4000,
      host: '127.0.0.1',
      publicUrl: 'http://127.0.0.1:4000',
      databaseUrl: null,
      dataDir: './.data',
      redisUrl: null,
      encryptionKey: null,
      statusMaxAgeSeconds: 300,
      logLevel: 'info',
      linkRedirectUri: 'http://127.0.0.1:4000/link/complete',
      plaid: null,
      moneykit: null,
      limits: { maxBodyBytes: 1024 * 1024, maxDepth: 16, maxAliases: 30 },
    });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('reads providers, database, Redis and auth', () => {
    const c = loadConfig({
      PORT: '8080', HOST: '0.0.0.0', PUBLIC_URL: 'https://gw.example.com/', DATABASE_URL: 'postgres://u@db:5432/gw',
      REDIS_URL: 'redis://cache:6379', ENCRYPTION_KEY: KEY, AUTH_JWT_SECRET: 'x'.repeat(32),
      PLAID_CLIENT_ID: 'id', PLAID_SECRET: 'secret', PLAID_ENV: 'production',
      MONEYKIT_CLIENT_ID: 'mk', MONEYKIT_CLIENT_SECRET: 'mks', LINK_REDIRECT_URI: 'https://app.example.com/cb',
    });
    expect(c.demoMode).toBe(false);
    expect(c.publicUrl).toBe('https://gw.example.com');
    expect(c.plaid).toEqual({ clientId: 'id', secret: 'secret', env: 'production', baseUrl: null });
    expect(c.moneykit).toMatchObject({ clientId: 'mk', env: 'sandbox' });
    expect(c.encryptionKey?.length).toBe(32);
    expect(c.linkRedirectUri).toBe('https://app.example.com/cb');
  });

  it('names every bad variable, one line each', () => {
    const p = problems({ PORT: 'eighty', ENCRYPTION_KEY: 'short', PLAID_ENV: 'development', DATABASE_URL: 'mysql://x', REDIS_URL: 'http://r' });
    for (const v of ['PORT', 'ENCRYPTION_KEY', 'PLAID_ENV', 'DATABASE_URL', 'REDIS_URL']) expect(p.some((l) => l.startsWith(`${v}:`)), v).toBe(true);
    expect(p.every((l) => !l.includes('\n'))).toBe(true);
  });

  it('refuses half-configured providers, missing auth outside demo mode, and production without a key', () => {
    expect(problems({ PLAID_CLIENT_ID: 'id', AUTH_JWT_SECRET: 'x'.repeat(32) })).toEqual(['PLAID_SECRET: required when PLAID_CLIENT_ID is set']);
    expect(problems({ MONEYKIT_CLIENT_ID: 'a', MONEYKIT_CLIENT_SECRET: 'b' })[0]).toMatch(/^AUTH_JWT_SECRET:/);
    const prod = problems({ NODE_ENV: 'production', PLAID_CLIENT_ID: 'a', PLAID_SECRET: 'b', AUTH_JWT_SECRET: 'x'.repeat(32) });
    expect(prod).toEqual(['ENCRYPTION_KEY: required when NODE_ENV=production']);
  });

  it('turns GraphiQL and introspection off in production unless enabled', () => {
    const base = { NODE_ENV: 'production', PLAID_CLIENT_ID: 'a', PLAID_SECRET: 'b', AUTH_JWT_SECRET: 'x'.repeat(32), ENCRYPTION_KEY: KEY };
    expect(loadConfig(base).graphiql).toBe(false);
    expect(loadConfig({ ...base, GRAPHIQL: 'true' }).graphiql).toBe(true);
  });
});

describe('withBoundPort', () => {
  it('derived URLs follow the port actually bound (PORT=0); explicit ones stay', async () => {
    const { withBoundPort } = await import('../src/config.js');
    const derived = withBoundPort(loadConfig({ PORT: '0' }), 43123);
    expect(derived).toMatchObject({ port: 43123, publicUrl: 'http://127.0.0.1:43123', linkRedirectUri: 'http://127.0.0.1:43123/link/complete' });
    const explicit = withBoundPort(loadConfig({ PORT: '0', PUBLIC_URL: 'https://gw.example.com', LINK_REDIRECT_URI: 'https://app.example.com/cb' }), 43123);
    expect(explicit).toMatchObject({ publicUrl: 'https://gw.example.com', linkRedirectUri: 'https://app.example.com/cb' });
    const onlyRedirect = withBoundPort(loadConfig({ PORT: '0', LINK_REDIRECT_URI: 'https://app.example.com/cb' }), 43123);
    expect(onlyRedirect).toMatchObject({ publicUrl: 'http://127.0.0.1:43123', linkRedirectUri: 'https://app.example.com/cb' });
  });
});
