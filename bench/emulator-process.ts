import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { startPlaidEmulator } from '../src/emulators/plaid/index.js';
import { serveParent } from './ipc.js';

/**
 * The Plaid emulator in its own process, so that neither the gateway nor the load generator pays
 * for its work. Plus a sink that answers 200 to webhook deliveries: items created for the webhook
 * scenario point at it, so the emulator signs real deliveries that the load process replays.
 */
const env = z.object({ BENCH_PLAID_CLIENT_ID: z.string().min(1), BENCH_PLAID_SECRET: z.string().min(1) }).parse(process.env);
const emu = await startPlaidEmulator({ clientId: env.BENCH_PLAID_CLIENT_ID, secret: env.BENCH_PLAID_SECRET, env: 'sandbox' });

const sink = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
});
await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
const sinkUrl = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/sink`;

const SignArgs = z.object({ itemIds: z.array(z.string()).min(1), count: z.number().int().positive(), file: z.string() });
const FillArgs = z.object({ itemIds: z.array(z.string()).min(1), total: z.number().int().positive() });

serveParent({ url: emu.url, sinkUrl }, {
  latency: (a) => emu.setLatency(z.object({ ms: z.number().int().min(0) }).parse(a).ms),
  /** Requests received on a Plaid API path since the last `forget`. */
  count: (a) => {
    const path = z.object({ path: z.string() }).parse(a).path;
    return emu.requests.filter((r) => r.path === path).length;
  },
  /** Recorded requests and deliveries grow without bound under load; drop them between scenarios. */
  forget: () => {
    emu.requests.length = 0;
    emu.webhookDeliveries.length = 0;
  },
  /**
   * Tops each Item's history up to `total` transactions (posted card purchases over the seeded
   * history's dates, spread over its accounts), silently: no webhook, as if they had always been there.
   */
  fill: (a) => {
    const { itemIds, total } = FillArgs.parse(a);
    for (const itemId of itemIds) {
      const accounts = emu.accounts(itemId);
      const have = emu.transactions(itemId).length;
      for (let i = have; i < total; i++) {
        emu.addTransaction(itemId, {
          account_id: accounts[i % accounts.length]!.account_id,
          amount: ((i % 9_000) + 100) / 100,
          date: new Date(Date.now() - (i % 60) * 86_400_000).toISOString().slice(0, 10),
          name: `Bench purchase ${i}`,
          merchant_name: `Bench merchant ${i % 40}`,
          webhook: false,
        });
      }
      if (emu.transactions(itemId).length !== total) throw new Error(`item ${itemId}: ${emu.transactions(itemId).length} transactions, wanted ${total}`);
    }
    return itemIds.length;
  },
  /**
   * `count` signed ITEM webhooks, alternating per item between ERROR (ITEM_LOGIN_REQUIRED) and
   * LOGIN_REPAIRED so that each one changes the connection's status. Bodies are distinct (a
   * sequence number) and signed now, so they stay inside the verifier's 5-minute iat window.
   */
  sign: async (a) => {
    const { itemIds, count, file } = SignArgs.parse(a);
    const out: { body: string; headers: Record<string, string> }[] = [];
    const batch = 200;
    for (let start = 0; start < count; start += batch) {
      const sends: Promise<unknown>[] = [];
      for (let i = start; i < Math.min(count, start + batch); i++) {
        const itemId = itemIds[i % itemIds.length]!;
        const round = Math.floor(i / itemIds.length);
        const body =
          round % 2 === 0
            ? { webhook_type: 'ITEM', webhook_code: 'ERROR', item_id: itemId, environment: 'sandbox', bench_seq: i,
                error: { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED', error_message: 'the login details of this item have changed', display_message: null } }
            : { webhook_type: 'ITEM', webhook_code: 'LOGIN_REPAIRED', item_id: itemId, environment: 'sandbox', bench_seq: i };
        sends.push(emu.sendWebhook(itemId, body));
      }
      await Promise.all(sends);
    }
    for (const d of emu.webhookDeliveries) {
      if (d.status !== 200) throw new Error(`sink delivery failed: ${d.status ?? d.error}`);
      out.push({ body: d.body, headers: d.headers });
    }
    emu.webhookDeliveries.length = 0;
    await writeFile(file, JSON.stringify(out));
    return out.length;
  },
});

process.on('SIGTERM', () => {
  sink.close();
  void emu.close().finally(() => process.exit(0));
});
