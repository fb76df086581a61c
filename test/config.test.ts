import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

// A fixed key that is not trivially weak (config refuses keys whose bytes are all equal).
const KEY = Buffer.from(Array.from({ length: 32 }, (_, i) => i * 7 + 1)).toString('base64');
const METRICS_TOKEN = 'm'.repeat(8) + 'etricstoken';
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
    const prod = problems({ NODE_ENV: 'production', PLAID_CLIENT_ID: 'a', PLAID_SECRET: 'b', PLAID_ENV: 'sandbox', AUTH_JWT_SECRET: 'x'.repeat(32), METRICS_TOKEN });
    expect(prod).toEqual(['ENCRYPTION_KEY: required when NODE_ENV=production']);
  });

  it('turns GraphiQL and introspection off in production unless enabled', () => {
    const base = { NODE_ENV: 'production', PLAID_CLIENT_ID: 'a', PLAID_SECRET: 'b', PLAID_ENV: 'production', AUTH_JWT_SECRET: 'x'.repeat(32), ENCRYPTION_KEY: KEY, METRICS_TOKEN };
    expect(loadConfig(base).graphiql).toBe(false);
    expect(loadConfig({ ...base, GRAPHIQL: 'true' }).graphiql).toBe(true);
  });
});

describe('operator mistakes (issue 11)', () => {
  const prod = { NODE_ENV: 'production', AUTH_JWT_SECRET: 'x'.repeat(32), ENCRYPTION_KEY: KEY, METRICS_TOKEN };

  it('production needs PLAID_ENV / MONEYKIT_ENV chosen explicitly for each configured provider', () => {
    expect(problems({ ...prod, PLAID_CLIENT_ID: 'a', PLAID_SECRET: 'b' })).toEqual(['PLAID_ENV: required when NODE_ENV=production (sandbox or production)']);
    expect(problems({ ...prod, MONEYKIT_CLIENT_ID: 'a', MONEYKIT_CLIENT_SECRET: 'b' })).toEqual(['MONEYKIT_ENV: required when NODE_ENV=production (sandbox or production)']);
    const c = loadConfig({ ...prod, PLAID_CLIENT_ID: 'a', PLAID_SECRET: 'b', PLAID_ENV: 'production', MONEYKIT_CLIENT_ID: 'm', MONEYKIT_CLIENT_SECRET: 'n', MONEYKIT_ENV: 'sandbox' });
    expect(c.plaid?.env).toBe('production');
    expect(c.moneykit?.env).toBe('sandbox');
    // Outside production the sandbox stays the default.
    expect(loadConfig({ PLAID_CLIENT_ID: 'a', PLAID_SECRET: 'b', AUTH_JWT_SECRET: 'x'.repeat(32) }).plaid?.env).toBe('sandbox');
  });

  it('production needs METRICS_TOKEN', () => {
    const { METRICS_TOKEN: _, ...noToken } = prod;
    expect(problems({ ...noToken, PLAID_CLIENT_ID: 'a', PLAID_SECRET: 'b', PLAID_ENV: 'sandbox' })).toEqual([
      'METRICS_TOKEN: required when NODE_ENV=production (GET /metrics answers only with it)',
    ]);
  });

  it('refuses an ENCRYPTION_KEY whose bytes are all equal, without echoing it', () => {
    for (const byte of [0, 0xff, 0x41]) {
      const weak = Buffer.alloc(32, byte).toString('base64');
      const p = problems({ ENCRYPTION_KEY: weak });
      expect(p).toHaveLength(1);
      expect(p[0]).toMatch(/^ENCRYPTION_KEY: all bytes are equal/);
      expect(p[0]).not.toContain(weak);
    }
    expect(loadConfig({ ENCRYPTION_KEY: KEY }).encryptionKey).toEqual(Buffer.from(KEY, 'base64'));
  });

  it('a provider environment without its credentials is refused, demo mode included', () => {
    expect(problems({ PLAID_ENV: 'production' })).toEqual([
      'PLAID_ENV: set, but PLAID_CLIENT_ID and PLAID_SECRET are not (demo mode would use the built-in emulator instead)',
    ]);
    expect(problems({ MONEYKIT_ENV: 'sandbox', PLAID_CLIENT_ID: 'a', PLAID_SECRET: 'b', AUTH_JWT_SECRET: 'x'.repeat(32) })).toEqual([
      'MONEYKIT_ENV: set, but MONEYKIT_CLIENT_ID and MONEYKIT_CLIENT_SECRET are not',
    ]);
    // Blank counts as unset (a template .env with empty values).
    expect(loadConfig({ PLAID_ENV: '', MONEYKIT_ENV: ' ' }).demoMode).toBe(true);
  });

  it('bad DATABASE_URL values name DATABASE_URL in one line and never echo the password', () => {
    for (const bad of ['mysql://u:hunter2secret@db/x', 'postgres://', 'postgres://u:hunter2secret@db:99999/x', 'postgres:/db/x', 'not a url', 'postgres://u:hunter2secret@[::1/x']) {
      const p = problems({ DATABASE_URL: bad });
      expect(p, bad).toHaveLength(1);
      expect(p[0], bad).toMatch(/^DATABASE_URL: must be a postgres:\/\/ URL/);
      expect(p[0]).not.toContain('hunter2secret');
    }
    for (const good of ['postgres://u:p@db:5432/gw', 'postgresql://db/gw?sslmode=require', 'postgres:///gw?host=/var/run/postgresql']) {
      expect(loadConfig({ DATABASE_URL: good }).databaseUrl, good).toBe(good);
    }
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
