import type { Logger } from 'pino';
import type { Caller } from '../auth/auth.js';
import type { ConnectionRecord, ProviderName } from '../domain/connection.js';
import type { ProviderAdapterV2 } from '../providers/provider.js';
import type { ConnectionStore } from '../store/store.js';
import { visibleTo } from './access.js';
import { createStateApplier } from './apply.js';
import type { ConnectionEvents } from './events.js';
import { createFreshnessLoader } from './freshness.js';
import { createImport } from './import.js';
import { createLifecycle } from './lifecycle.js';
import { createProviderCalls } from './provider-calls.js';
import { createWebhookEvents } from './webhook-events.js';
import { createAccounts } from './accounts.js';
import { createTransactionsSync } from './transactions.js';

export interface ConnectionServiceDeps {
  store: ConnectionStore;
  adapters: Partial<Record<ProviderName, ProviderAdapterV2>>;
  events: ConnectionEvents;
  /** The gateway's webhook URL per provider (PUBLIC_URL + route), put on every link token. */
  webhookUrls: Record<ProviderName, string>;
  linkRedirectUri: string;
  statusMaxAgeSeconds: number;
  providerConcurrency: number;
  logger: Logger;
  now?: () => Date;
}

export type ConnectionService = ReturnType<typeof createConnectionService>;

/**
 * The connections service: what GraphQL resolvers and the webhook route call. It only wires the
 * parts together; each rule lives in its own module:
 * - rules.ts: pure state rules (status derivation, read/event ordering, expiry, freshness age);
 * - apply.ts: the one function that applies a new state to a stored connection;
 * - freshness.ts: the per-request loader that re-reads stale connections;
 * - webhook-events.ts: recording, applying and holding verified deliveries;
 * - lifecycle.ts: the operations (link tokens, exchange, update mode, resets, refresh, remove);
 * - accounts.ts: account re-reads outside a request (webhooks);
 * - transactions.ts: transactionsSync (gateway cursors over the provider's sync).
 * - import.ts: importConnection (existing provider connections, contract section 8).
 */
export function createConnectionService(deps: ConnectionServiceDeps) {
  const { store, events, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const calls = createProviderCalls({ adapters: deps.adapters, providerConcurrency: deps.providerConcurrency, logger });
  const applyState = createStateApplier({ store, events, logger, now });
  const webhooks = createWebhookEvents({ store, applyState, now, rereadAccounts: (id) => accounts.reread(id) });
  const lifecycle = createLifecycle({
    store,
    events,
    calls,
    applyState,
    applyHeld: webhooks.applyHeld,
    webhookUrls: deps.webhookUrls,
    linkRedirectUri: deps.linkRedirectUri,
    logger,
    now,
  });
  const accounts = createAccounts({ store, readAndApply: lifecycle.readAndApply });
  const transactions = createTransactionsSync({ store, calls });
  const freshness = {
    store,
    logger,
    now,
    statusMaxAgeSeconds: deps.statusMaxAgeSeconds,
    isConfigured: calls.isConfigured,
    readAndApply: lifecycle.readAndApply,
  };

  const importConnection = createImport({ store, events, calls, applyState, readAndApply: lifecycle.readAndApply, applyHeld: webhooks.applyHeld, webhookUrls: deps.webhookUrls, logger, now });

  return {
    ...lifecycle.operations,
    transactionsSync: transactions.sync,
    importConnection,
    /** A per-request loader for GraphQL (batched, freshened; section 5a). */
    createLoader: (caller: Caller) => createFreshnessLoader(freshness, caller),
    /** Record a verified delivery durably (before it is acknowledged); null for a replay. */
    recordWebhook: webhooks.record,
    /** Apply a recorded delivery; returns its outcome. */
    applyRecordedWebhook: webhooks.apply,
    subscribe(): AsyncIterable<ConnectionRecord> {
      return events.subscribe();
    },
    visibleTo,
    /** The webhook event log of one connection (already owner-checked by the caller), newest first. */
    connectionEvents: (r: ConnectionRecord, limit: number) => store.listWebhookEvents({ provider: r.provider, providerConnectionId: r.providerConnectionId, limit }),
  };
}
