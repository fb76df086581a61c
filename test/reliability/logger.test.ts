import { expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';

it('redacts secrets wherever a careless log call puts them, and keeps the rest', () => {
  const lines: string[] = [];
  const log = createLogger('info', { write: (s: string) => void lines.push(s) });
  log.info({
    requestId: 'r-1',
    providerRequestId: 'plaid-req-9',
    headers: { authorization: 'Bearer SECRET-A', 'plaid-secret': 'SECRET-B', cookie: 'SECRET-C' },
    config: { plaid: { secret: 'SECRET-D', clientId: 'visible-id' }, auth: { jwtSecret: 'SECRET-E' } },
    body: { access_token: 'SECRET-F', public_token: 'SECRET-G' },
    access_token: 'SECRET-H',
  }, 'x');
  const out = lines.join('');
  for (const s of ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H']) expect(out).not.toContain(`SECRET-${s}`);
  expect(out).toContain('"requestId":"r-1"');
  expect(out).toContain('plaid-req-9');
  expect(out).toContain('visible-id');
  expect(JSON.parse(out).headers.authorization).toBe('[redacted]');
});
