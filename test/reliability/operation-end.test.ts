import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProviderHttpClient, createProviderTransport, type ProviderTransport } from '../../src/providers/http.js';

/**
 * When one provider operation fails, attempts it still has in flight are aborted at once, not left
 * to the 10 s deadline. Real loopback HTTP.
 */
let server: Server;
let baseUrl = '';
const hanging: IncomingMessage[] = [];
const closedAt: number[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/hang') {
      hanging.push(req);
      req.socket.once('close', () => closedAt.push(Date.now()));
      return; // never answered
    }
    req.resume();
    req.once('end', () => {
      res.writeHead(req.url === '/fail' ? 400 : 200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

function clientOf(transport: ProviderTransport) {
  return createProviderHttpClient({ provider: 'PLAID', baseUrl, transport, retry: { retries: 0 } });
}

describe('the end of a provider operation', () => {
  it('a failed operation aborts its attempts still in flight', async () => {
    const transport = createProviderTransport({ provider: 'PLAID', deadlineMs: 10_000, timeouts: { headersMs: 10_000, bodyMs: 10_000 } });
    const client = clientOf(transport);
    try {
      const failedAt = await transport
        .run('two calls', () =>
          Promise.all([
            client.send({ method: 'POST', path: '/hang', body: '{}', idempotent: true }),
            // Once the hanging call has reached the server, the other one fails the operation.
            (async () => {
              while (hanging.length === 0) await new Promise((r) => setTimeout(r, 5));
              const res = await client.send({ method: 'POST', path: '/fail', body: '{}', idempotent: true });
              throw new Error(`refused with ${res.status}`);
            })(),
          ]),
        )
        .then(
          () => null,
          (e: Error) => (expect(e.message).toBe('refused with 400'), Date.now()),
        );
      expect(failedAt).not.toBeNull();
      // The hanging request's connection is closed by the abort, long before the deadline.
      const deadline = Date.now() + 2_000;
      while (closedAt.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(closedAt).toHaveLength(1);
      expect(closedAt[0]! - failedAt!).toBeLessThan(1_000);
    } finally {
      await transport.close();
    }
  });
});
