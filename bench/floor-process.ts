import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { z } from 'zod';
import { createPlaidWebhookVerifier } from '../src/providers/plaid/webhook.js';
import { serveParent } from './ipc.js';
import { createUpdateLinkToken } from './link-token-call.js';

/**
 * The floor under any gateway's provider-bound mutation: one HTTP request in, one provider call
 * out (undici, keep-alive, as the gateway's transport), one JSON answer back — and nothing else:
 * no GraphQL, no caller authentication, no store, no decryption. Its CPU per request against the
 * SDK client's shows how much of the gap to the SDK is the gateway's own work and how much is the
 * inbound HTTP exchange the SDK never makes (BENCHMARKS.md, "what bounds the figures").
 *
 * `POST /webhooks/plaid` is the floor under a verified webhook: the delivery read, its Plaid JWT
 * and body hash checked by the gateway's own verifier (keys from the same emulator), `{"outcome":
 * "verified"}` back. No store, no state machine, no event: the most any gateway that verifies can
 * take on one thread of this machine.
 */
const env = z
  .object({ FLOOR_PROVIDER_URL: z.string().url(), FLOOR_CLIENT_ID: z.string().min(1), FLOOR_SECRET: z.string().min(1), FLOOR_ACCESS_TOKEN: z.string().min(1), FLOOR_CONNECTIONS: z.coerce.number().int().positive() })
  .parse(process.env);
const provider = new Pool(env.FLOOR_PROVIDER_URL, { connections: env.FLOOR_CONNECTIONS, pipelining: 1 });
const target = { pool: provider, clientId: env.FLOOR_CLIENT_ID, secret: env.FLOOR_SECRET, accessToken: env.FLOOR_ACCESS_TOKEN };
const webhooks = createPlaidWebhookVerifier({ baseUrl: env.FLOOR_PROVIDER_URL, clientId: env.FLOOR_CLIENT_ID, secret: env.FLOOR_SECRET });

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', async () => {
    try {
      if (req.url === '/webhooks/plaid') {
        await webhooks.verify(Buffer.concat(chunks), req.headers);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"outcome":"verified"}');
        return;
      }
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
  void Promise.allSettled([provider.close(), webhooks.close()]).finally(() => process.exit(0));
});
