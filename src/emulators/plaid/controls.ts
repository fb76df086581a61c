// Emulator control routes: what a test, or a person trying demo mode, does "at Plaid" or "at the
// bank". No auth, never recorded, never faulted; JSON in and out; errors use the PlaidError shape.
//
//   POST   /emulator/link/complete            {link_token, institution_id?} -> {public_token, item_id}
//   POST   /emulator/items                    {institution_id?, products?, webhook?, client_user_id?}
//                                             -> {item_id, access_token}: an Item made outside the gateway
//   GET    /emulator/items/{item_id}          Item snapshot (no access token)
//   POST   /emulator/items/{item_id}/error    {error: {error_type, error_code, ...} | null, webhook?}
//   POST   /emulator/items/{item_id}/consent  {consent_expiration_time: iso | null, webhook?}
//   POST   /emulator/items/{item_id}/webhook  any JSON object: sent signed to the Item's webhook URL
//   GET    /emulator/items/{item_id}/accounts
//   POST   /emulator/items/{item_id}/accounts/{account_id}/balance   {current?, available?, limit?, webhook?}
//   GET    /emulator/items/{item_id}/transactions
//   POST   /emulator/items/{item_id}/transactions                      {amount, name, account_id?, date?, pending?, ...}
//   PATCH  /emulator/items/{item_id}/transactions/{transaction_id}     {amount?, name?, merchant_name?, date?, category?}
//   DELETE /emulator/items/{item_id}/transactions/{transaction_id}
//   POST   /emulator/items/{item_id}/transactions/{transaction_id}/settle  {amount?, date?}
//   POST   /emulator/items/{item_id}/tricky-numbers                    {endpoints?, values?}
//   POST   /emulator/items/{item_id}/mutation-during-pagination        {times?}
//   POST   /emulator/faults  FaultSpec;  DELETE /emulator/faults;  POST /emulator/latency {ms}
//   POST   /emulator/keys/rotate {expire_previous?} -> {kid}
//   GET    /emulator/requests (secrets redacted);  GET /emulator/webhooks;  POST /emulator/reset
// Transaction and balance changes send Plaid's TRANSACTIONS webhooks unless the body says `webhook: false`.
import type { z } from 'zod';
import { Router, jsonBody, type Handler, type RequestContext, type Reply } from '../kit/index.js';
import type { Activity } from './activity.js';
import { plaidError } from './errors.js';
import type { PlaidEmulator } from './server.js';
import {
  AddTransactionBody,
  CreateItemBody,
  FaultSpec,
  LatencyBody,
  LinkCompleteBody,
  ModifyTransactionBody,
  MutationDuringPaginationBody,
  RotateKeyBody,
  SendWebhookBody,
  SetBalanceBody,
  SetConsentBody,
  SetErrorBody,
  SettleTransactionBody,
  TrickyNumbersBody,
  WebhookFlagBody,
  parseRequest,
} from './schemas.js';
import type { PlaidState } from './state.js';

export type PlaidControlDeps = { emu: PlaidEmulator; state: PlaidState; activity: Activity };

const ok = (body: unknown): Reply => ({ status: 200, body });

export function plaidControlRoutes({ emu, state, activity }: PlaidControlDeps): Router<Handler> {
  const parse = <S extends z.ZodType>(ctx: RequestContext, schema: S): z.infer<S> => parseRequest(schema, jsonBody(ctx, () => plaidError('INVALID_BODY')) ?? {});
  const item = (ctx: RequestContext) => emu.item(ctx.params['item_id'] as string);
  const txId = (ctx: RequestContext): string => ctx.params['transaction_id'] as string;

  return new Router<Handler>()
    .add('POST', '/emulator/link/complete', (ctx) => {
      const b = parse(ctx, LinkCompleteBody);
      return ok(state.completeLink(b.link_token, b.institution_id, ctx.defer));
    })
    .add('POST', '/emulator/items', (ctx) => {
      const b = parse(ctx, CreateItemBody);
      return ok(emu.createItem({ institutionId: b.institution_id, products: b.products, webhook: b.webhook ?? null, ...(b.client_user_id ? { clientUserId: b.client_user_id } : {}) }));
    })
    .add('GET', '/emulator/items/{item_id}', (ctx) => ok(state.snapshot(item(ctx))))
    .add('POST', '/emulator/items/{item_id}/error', (ctx) => {
      const b = parse(ctx, SetErrorBody);
      const it = item(ctx);
      state.setItemError(it, b.error, b.webhook ?? false, ctx.defer);
      return ok(state.snapshot(it));
    })
    .add('POST', '/emulator/items/{item_id}/consent', (ctx) => {
      const b = parse(ctx, SetConsentBody);
      emu.setConsentExpiration(item(ctx).itemId, b.consent_expiration_time, { webhook: b.webhook ?? false });
      return ok(state.snapshot(item(ctx)));
    })
    .add('POST', '/emulator/items/{item_id}/webhook', async (ctx) => ok(await emu.sendWebhook(item(ctx).itemId, parse(ctx, SendWebhookBody))))
    .add('GET', '/emulator/items/{item_id}/accounts', (ctx) => ok({ accounts: emu.accounts(item(ctx).itemId) }))
    .add('POST', '/emulator/items/{item_id}/accounts/{account_id}/balance', (ctx) => {
      const b = parse(ctx, SetBalanceBody);
      return ok({ account: activity.setBalance(item(ctx), ctx.params['account_id'] as string, b, ctx.defer) });
    })
    .add('GET', '/emulator/items/{item_id}/transactions', (ctx) => ok({ transactions: emu.transactions(item(ctx).itemId) }))
    .add('POST', '/emulator/items/{item_id}/transactions', (ctx) => ok({ transaction: activity.add(item(ctx), parse(ctx, AddTransactionBody), ctx.defer) }))
    .add('PATCH', '/emulator/items/{item_id}/transactions/{transaction_id}', (ctx) => ok({ transaction: activity.modify(item(ctx), txId(ctx), parse(ctx, ModifyTransactionBody), ctx.defer) }))
    .add('DELETE', '/emulator/items/{item_id}/transactions/{transaction_id}', (ctx) => {
      activity.remove(item(ctx), txId(ctx), parse(ctx, WebhookFlagBody), ctx.defer);
      return ok({ removed: txId(ctx) });
    })
    .add('POST', '/emulator/items/{item_id}/transactions/{transaction_id}/settle', (ctx) => ok(activity.settle(item(ctx), txId(ctx), parse(ctx, SettleTransactionBody), ctx.defer)))
    .add('POST', '/emulator/items/{item_id}/tricky-numbers', (ctx) => {
      const b = parse(ctx, TrickyNumbersBody);
      emu.armTrickyNumbers(item(ctx).itemId, { endpoints: b.endpoints, ...(b.values ? { values: b.values } : {}) });
      return ok({ armed: b.endpoints });
    })
    .add('POST', '/emulator/items/{item_id}/mutation-during-pagination', (ctx) => {
      const it = item(ctx);
      emu.forceMutationDuringPagination(it.itemId, parse(ctx, MutationDuringPaginationBody).times);
      return ok({ forced: it.ledger.forcedMutations });
    })
    .add('POST', '/emulator/faults', (ctx) => {
      emu.injectFault(parse(ctx, FaultSpec));
      return ok({ faults: emu.activeFaults() });
    })
    .add('DELETE', '/emulator/faults', () => {
      emu.clearFaults();
      return ok({ faults: [] });
    })
    .add('POST', '/emulator/latency', (ctx) => {
      emu.setLatency(parse(ctx, LatencyBody).ms);
      return ok({ ms: emu.latency });
    })
    .add('POST', '/emulator/keys/rotate', (ctx) => ok({ kid: emu.rotateSigningKey({ expirePrevious: parse(ctx, RotateKeyBody).expire_previous ?? false }) }))
    .add('GET', '/emulator/requests', () => ok({ requests: emu.recordedRequests() }))
    .add('GET', '/emulator/webhooks', () => ok({ deliveries: emu.webhookDeliveries }))
    .add('POST', '/emulator/reset', () => {
      emu.resetState();
      return ok({ reset: true });
    });
}
