import type { Pool } from 'undici';
import { z } from 'zod';

/**
 * The provider call both bounds arms make (bench/floor-process.ts, bench/bare-yoga.ts): the same
 * `/link/token/create` in update mode the gateway's adapter and the SDK baseline send.
 */
export interface LinkTokenTarget {
  pool: Pool;
  clientId: string;
  secret: string;
  accessToken: string;
}

const linkTokenOf = z.object({ link_token: z.string(), expiration: z.string() });

export async function createUpdateLinkToken(t: LinkTokenTarget, clientUserId: string): Promise<{ token: string; expiresAt: string }> {
  const r = await t.pool.request({
    method: 'POST',
    path: '/link/token/create',
    headers: { 'content-type': 'application/json', 'plaid-client-id': t.clientId, 'plaid-secret': t.secret },
    body: JSON.stringify({ client_name: 'aggregator-gateway', language: 'en', country_codes: ['US'], user: { client_user_id: clientUserId }, access_token: t.accessToken }),
  });
  const body = linkTokenOf.parse(await r.body.json());
  return { token: body.link_token, expiresAt: body.expiration };
}
