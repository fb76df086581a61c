import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { z } from 'zod';
import { serveParent } from './ipc.js';

/**
 * The floor under any gateway's provider-bound mutation: one HTTP request in, one provider call
 * out (undici, keep-alive, as the gateway's transport), one JSON answer back — and nothing else:
 * no GraphQL, no caller authentication, no store, no decryption. Its CPU per request against the
 * SDK client's shows how much of the gap to the SDK is the gateway's own work and how much is the
 * inbound HTTP exchange the SDK never makes (BENCHMARKS.md, "what bounds the figures").
 */
const env = z
  .object({ FLOOR_PROVIDER_URL: z.string().url(), FLOOR_CLIENT_ID: z.string().min(1), FLOOR_SECRET: z.string().min(1), FLOOR_ACCESS_TOKEN: z.string().min(1), FLOOR_CONNECTIONS: z.coerce.number().int().positive() })
  .parse(process.env);
const provider = new Pool(env.FLOOR_PROVIDER_URL, { connections: env.FLOOR_CONNECTIONS, pipelining: 1 });
const headers = { 'content-type': 'application/json', 'plaid-client-id': env.FLOOR_CLIENT_ID, 'plaid-secret': env.FLOOR_SECRET };
const linkTokenOf = z.object({ link_token: z.string(), expiration: z.string() });

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', async () => {
    try {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const r = await provider.request({
        method: 'POST',
        path: '/link/token/create',
        headers,
        body: JSON.stringify({ client_name: 'aggregator-gateway', language: 'en', country_codes: ['US'], user: { client_user_id: 'floor' }, access_token: env.FLOOR_ACCESS_TOKEN }),
      });
      const t = linkTokenOf.parse(await r.body.json());
      const body = JSON.stringify({ data: { createUpdateLinkToken: { __typename: 'CreateUpdateLinkTokenPayload', linkToken: { token: t.link_token, expiresAt: t.expiration } } } });
      res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    } catch (e) {
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: (e as Error).message }));
    }
  });
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
serveParent({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }, {});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close();
  void provider.close().finally(() => process.exit(0));
});
