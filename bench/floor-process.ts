import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { z } from 'zod';
import { serveParent } from './ipc.js';
import { createUpdateLinkToken } from './link-token-call.js';

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
const target = { pool: provider, clientId: env.FLOOR_CLIENT_ID, secret: env.FLOOR_SECRET, accessToken: env.FLOOR_ACCESS_TOKEN };

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', async () => {
    try {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
      const linkToken = await createUpdateLinkToken(target, 'floor');
      const body = JSON.stringify({ data: { createUpdateLinkToken: { __typename: 'CreateUpdateLinkTokenPayload', linkToken } } });
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
