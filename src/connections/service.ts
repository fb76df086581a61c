import DataLoader from 'dataloader';
import type { Logger } from 'pino';
import type { Caller } from '../auth/auth.js';
import type {
  ConnectionStatus,
  LinkTokenInfo,
  ProviderConnectionState,
  ProviderName,
} from '../domain/connection.js';
import { WEBHOOK_PATHS } from '../http-paths.js';
import { isProviderCallError } from '../providers/errors.js';
import type { ConnectionRef, ProviderAdapterV1 } from '../providers/provider.js';
import {
  ConnectionConflictError,
  DuplicateConnectionError,
  type ConnectionListFilter,
  type ConnectionPage,
  type ConnectionRecord,
  type ConnectionStatePatch,
  type ConnectionStore,
  type ListCursor,
  type WebhookEventRecord,
} from '../store/store.js';
import { webhookEffectSchema, type VerifiedWebhook, type WebhookEffect } from '../webhooks/types.js';
import {
  fromProviderFailure,
  InvalidInputError,
  NotFoundError,
  ProviderNotConfiguredError,
  SandboxOnlyError,
} from './errors.js';
import type { ConnectionEvents } from './events.js';
import { createLimiter, type Limiter } from './limit.js';
import {
  checkAndroidPackageName,
  checkCountryCodes,
  checkLanguage,
  checkProducts,
  checkRedirectUri,
  checkToken,
} from './validate.js';

/** Removal attempts for a provider connection whose exchange could not be stored. */
const EXCHANGE_CLEANUP_ATTEMPTS = 4;

/** The time a read started, as the state's "as of" mark (see READ_ORDER_SLACK_MS). */
function readMark(startedAt: Date): Date {
  return new Date(startedAt.getTime() - READ_ORDER_SLACK_MS);
}

function latest(a: Date | null, b: Date): Date {
  return a && a > b ? a : b;
}

/** A healthy connection whose consent ends within this window is EXPIRING (contract section 3). */
export const EXPIRING_WINDOW_MS = 7 * 24 * 3600 * 1000;

export interface ConnectionServiceDeps {
  store: ConnectionStore;
  adapters: Partial<Record<ProviderName, ProviderAdapterV1>>;
  events: ConnectionEvents;
  publicUrl: string;
  linkRedirectUri: string;
  statusMaxAgeSeconds: number;
  providerConcurrency: number;
  logger: Logger;
  now?: () => Date;
}

export interface CreateLinkTokenInput {
  provider: ProviderName;
  products: string[];
  redirectUri?: string | null;
  androidPackageName?: string | null;
  language?: string | null;
  countryCodes?: string[] | null;
}

export interface CreateUpdateLinkTokenInput {
  connectionId: string;
  redirectUri?: string | null;
  androidPackageName?: string | null;
  language?: string | null;
  accountSelectionEnabled?: boolean | null;
}

/** Where a state came from; webhooks carry a provider time that orders them. */
export type StateSource = { kind: 'read'; startedAt: Date } | { kind: 'webhook'; occurredAt: Date | null };

/**
 * Provider event times can be whole seconds (Plaid's iat) while reads are timed to the
 * millisecond: a read marks the state as of a second before it began, so an event from the
 * same second is still applied, and an event clearly older than the read is not.
 */
const READ_ORDER_SLACK_MS = 1_000;


export type ConnectionService = ReturnType<typeof createConnectionService>;

export function createConnectionService(deps: ConnectionServiceDeps) {
  const { store, events, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const limiters = new Map<ProviderName, Limiter>();
  const limiterFor = (p: ProviderName) => {
    let l = limiters.get(p);
    if (!l) limiters.set(p, (l = createLimiter(deps.providerConcurrency)));
    return l;
  };

  function adapterFor(provider: ProviderName): ProviderAdapterV1 {
    const a = deps.adapters[provider];
    if (!a) throw new ProviderNotConfiguredError(provider);
    return a;
  }

  /** Run a provider call under the per-provider concurrency bound, failures typed. */
  async function providerCall<T>(provider: ProviderName, fn: (a: ProviderAdapterV1) => Promise<T>): Promise<T> {
    const adapter = adapterFor(provider);
    try {
      return await limiterFor(provider)(() => fn(adapter));
    } catch (e) {
      if (isProviderCallError(e)) {
        logger.warn(
          { provider, kind: e.kind, providerCode: e.providerCode, providerRequestId: e.requestId, httpStatus: e.httpStatus },
          'provider call failed',
        );
      }
      throw fromProviderFailure(e);
    }
  }

  function visibleTo(caller: Caller, r: ConnectionRecord | null): r is ConnectionRecord {
    return !!r && (caller.admin || r.userId === caller.userId);
  }

  /** The caller's connection and the reference a provider call needs, in one store read. */
  async function loadOwned(caller: Caller, id: string): Promise<{ r: ConnectionRecord; ref: ConnectionRef }> {
    const found = await store.getConnectionWithCredential(id);
    if (!found || !visibleTo(caller, found.record)) throw new NotFoundError();
    return { r: found.record, ref: refOf(found.record, found.credential) };
  }

  function refOf(r: ConnectionRecord, credential: string | null): ConnectionRef {
    return { providerConnectionId: r.providerConnectionId, credential, providerUserId: r.providerUserId, institutionId: r.institution?.id ?? null };
  }

  /** The status a connection shows: a healthy one with an announced end of access is EXPIRING. */
  function deriveStatus(base: ConnectionStatus, consentExpiresAt: Date | null, expiringUntil: Date | null): ConnectionStatus {
    if (base !== 'CONNECTED') return base;
    const t = now().getTime();
    if (expiringUntil && expiringUntil.getTime() > t) return 'EXPIRING';
    if (consentExpiresAt && consentExpiresAt.getTime() > t && consentExpiresAt.getTime() - t <= EXPIRING_WINDOW_MS) return 'EXPIRING';
    return 'CONNECTED';
  }

  function sameError(a: ConnectionRecord['error'], b: ConnectionRecord['error']): boolean {
    return (a?.providerCode ?? null) === (b?.providerCode ?? null) && (a?.providerType ?? null) === (b?.providerType ?? null);
  }

  /**
   * The one function that applies a provider's state to a stored connection. Idempotent: a state
   * equal to the stored one changes nothing but freshness and emits nothing. Events older than
   * the last applied change are ignored. Retries on concurrent writers (optimistic versioning).
   */
  async function applyState(
    id: string,
    compute: (r: ConnectionRecord) => ConnectionStatePatch | null,
    source: StateSource,
    /** The record as just read, saving a read on the first attempt. */
    known?: ConnectionRecord,
  ): Promise<{ record: ConnectionRecord | null; changed: boolean; stale: boolean; outcome: 'applied' | 'unchanged' | 'stale' }> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const [current] = attempt === 0 && known ? [known] : await store.getConnections([id]);
      if (!current) return { record: null, changed: false, stale: false, outcome: 'unchanged' };
      // Older information never overwrites newer: an event from before the last applied change,
      // or a read that began before it, is recorded as stale.
      const at = source.kind === 'read' ? source.startedAt : source.occurredAt;
      if (at && current.lastEventAt && at < current.lastEventAt) {
        return { record: current, changed: false, stale: true, outcome: 'stale' };
      }
      const patch = compute(current);
      if (!patch) return { record: current, changed: false, stale: false, outcome: 'unchanged' };
      const t = now();
      const statusChanged = patch.status !== undefined && patch.status !== current.status;
      const errorChanged = patch.error !== undefined && !sameError(patch.error, current.error);
      const full: ConnectionStatePatch = {
        ...patch,
        stateRefreshedAt: t,
        ...(statusChanged ? { statusChangedAt: t } : {}),
        lastEventAt: latest(current.lastEventAt, source.kind === 'read' ? readMark(source.startedAt) : (source.occurredAt ?? t)),
      };
      try {
        const updated = await store.updateState(id, full, current.version);
        if (!updated) return { record: null, changed: false, stale: false, outcome: 'unchanged' };
        if (statusChanged || errorChanged) {
          events.publish(updated);
          logger.info({ connectionId: id, provider: updated.provider, from: current.status, to: updated.status, source: source.kind }, 'connection status changed');
        }
        const changed = statusChanged || errorChanged;
        return { record: updated, changed, stale: false, outcome: changed ? 'applied' : 'unchanged' };
      } catch (e) {
        if (e instanceof ConnectionConflictError) continue;
        throw e;
      }
    }
    throw new Error(`connection ${id}: too many concurrent updates`);
  }

  /**
   * Patch from a full provider read. `updateCompleted`: the client reported a finished update
   * mode, which ends an announced expiry.
   */
  function patchFromRead(s: ProviderConnectionState, updateCompleted = false) {
    return (r: ConnectionRecord): ConnectionStatePatch => {
      let expiringUntil = updateCompleted ? null : r.expiringUntil;
      // A renewed consent (update mode done) clears an announced expiry; a plain healthy read does not.
      if (expiringUntil && s.consentExpiresAt?.getTime() !== r.consentExpiresAt?.getTime() &&
          (!s.consentExpiresAt || s.consentExpiresAt.getTime() - now().getTime() > EXPIRING_WINDOW_MS)) {
        expiringUntil = null;
      }
      if (expiringUntil && expiringUntil.getTime() <= now().getTime()) expiringUntil = null;
      return {
        status: deriveStatus(s.status, s.consentExpiresAt, expiringUntil),
        error: s.error,
        institution: s.institution ?? r.institution,
        products: s.products.length ? s.products : r.products,
        consentExpiresAt: s.consentExpiresAt,
        expiringUntil,
        lastSyncedAt: s.lastSyncedAt ?? r.lastSyncedAt,
      };
    };
  }

  function patchFromEffect(effect: WebhookEffect) {
    return (r: ConnectionRecord): ConnectionStatePatch | null => {
      switch (effect.kind) {
        case 'state': {
          const status = deriveStatus(effect.status, r.consentExpiresAt, r.expiringUntil);
          if (status === r.status && sameError(effect.error, r.error)) return null;
          return { status, error: effect.error };
        }
        case 'expiring': {
          if (r.expiringUntil?.getTime() === effect.until.getTime()) return null;
          return { expiringUntil: effect.until, status: deriveStatus(r.status === 'EXPIRING' ? 'CONNECTED' : r.status, r.consentExpiresAt, effect.until) };
        }
        case 'repaired': {
          if (r.status === 'CONNECTED' && !r.error && !r.expiringUntil) return null;
          return { status: deriveStatus('CONNECTED', r.consentExpiresAt, null), error: null, expiringUntil: null };
        }
        case 'none':
          return null;
      }
    };
  }

  async function readAndApply(r: ConnectionRecord, ref: ConnectionRef, updateCompleted = false): Promise<ConnectionRecord> {
    const startedAt = now();
    const state = await providerCall(r.provider, (a) => a.getConnection(ref));
    const { record } = await applyState(r.id, patchFromRead(state, updateCompleted), { kind: 'read', startedAt }, r);
    if (!record) throw new NotFoundError();
    return record;
  }

  /** Remove a provider connection whose exchange could not be stored, retried (already-gone is success). */
  async function removeUnstored(provider: ProviderName, ref: ConnectionRef, cause: unknown): Promise<void> {
    const adapter = adapterFor(provider);
    logger.error({ provider, providerConnectionId: ref.providerConnectionId, err: (cause as Error).message }, 'storing an exchanged connection failed; removing it at the provider');
    for (let attempt = 1; ; attempt++) {
      try {
        await limiterFor(provider)(() => adapter.removeConnection(ref));
        logger.warn({ provider, providerConnectionId: ref.providerConnectionId, attempt }, 'unstored provider connection removed');
        return;
      } catch (re) {
        if (attempt >= EXCHANGE_CLEANUP_ATTEMPTS) {
          // Left for the operator: the id (never the credential) names what to remove by hand.
          logger.error({ provider, providerConnectionId: ref.providerConnectionId, err: (re as Error).message }, 'removing the unstored provider connection failed; remove it manually');
          return;
        }
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      }
    }
  }

  /**
   * Webhooks that arrived for this provider connection before it was stored (they race the
   * exchange) are applied now, oldest first; those older than the exchange's own read are stale
   * (applyState judges that from the record's lastEventAt).
   */
  async function applyHeldEvents(r: ConnectionRecord): Promise<ConnectionRecord> {
    const held = await store.listWebhookEvents({ provider: r.provider, providerConnectionId: r.providerConnectionId, outcome: 'unknown_connection', limit: 100 });
    let current = r;
    for (const e of held.reverse()) {
      const effect = webhookEffectSchema.safeParse(e.effect);
      let outcome = 'recorded';
      if (effect.success) {
        const res = await applyState(current.id, patchFromEffect(effect.data), { kind: 'webhook', occurredAt: e.occurredAt }, current);
        if (res.record) current = res.record;
        outcome = res.outcome;
      }
      await store.setWebhookOutcome(e.id, outcome);
    }
    return current;
  }

  function isStale(r: ConnectionRecord): boolean {
    return now().getTime() - r.stateRefreshedAt.getTime() > deps.statusMaxAgeSeconds * 1000;
  }

  /**
   * Per-request loader: batched store reads, and a re-read from the provider for stale
   * connections, at most once per connection per request. A provider failure keeps the stored state.
   */
  function createLoader(caller: Caller) {
    const fresh = new DataLoader<string, ConnectionRecord | null>(async (ids) => {
      const rows = await store.getConnections(ids);
      return Promise.all(rows.map((r) => (visibleTo(caller, r) ? refreshIfStale(r) : null)));
    });
    // Secrets of the stale ones, batched: one store read for a page, not one per connection.
    const credentials = new DataLoader<string, string | null>((ids) => store.getCredentials(ids));
    // One re-read per connection per request, whichever path (list or by id) asks first.
    const reads = new Map<string, Promise<ConnectionRecord>>();
    function refreshIfStale(r: ConnectionRecord): Promise<ConnectionRecord> {
      if (!isStale(r) || !deps.adapters[r.provider]) return Promise.resolve(reads.get(r.id) ?? r);
      let p = reads.get(r.id);
      if (!p) {
        p = credentials.load(r.id).then((credential) => readAndApply(r, refOf(r, credential))).catch((e: unknown) => {
          logger.warn({ connectionId: r.id, provider: r.provider, err: (e as Error).message }, 'freshness re-read failed; answering stored state');
          return r;
        });
        reads.set(r.id, p);
      }
      return p;
    }
    return {
      load: (id: string) => fresh.load(id),
      /** Records from a list query, freshened; later load()s of the same ids reuse them. */
      async freshen(records: ConnectionRecord[]): Promise<ConnectionRecord[]> {
        const out = await Promise.all(records.map(refreshIfStale));
        for (const r of out) fresh.clear(r.id).prime(r.id, r);
        return out;
      },
    };
  }

  function webhookUrl(provider: ProviderName): string {
    return deps.publicUrl + WEBHOOK_PATHS[provider];
  }

  return {
    createLoader,

    async listConnections(
      caller: Caller,
      filter: { status?: ConnectionStatus[] | null; provider?: ProviderName | null; userId?: string | null },
      page: { first: number; after: ListCursor | null; withTotalCount?: boolean },
    ): Promise<ConnectionPage> {
      const f: ConnectionListFilter = {};
      // Only admins choose whose connections to list; everyone else sees their own.
      const userId = caller.admin ? filter.userId : caller.userId;
      if (userId) f.userId = userId;
      if (filter.status?.length) f.status = filter.status;
      if (filter.provider) f.provider = filter.provider;
      return store.listConnections(f, page);
    },

    async createLinkToken(caller: Caller, input: CreateLinkTokenInput): Promise<LinkTokenInfo> {
      const adapter = adapterFor(input.provider);
      const products = checkProducts(input.products, adapter.products);
      const redirectUri = checkRedirectUri(input.redirectUri) ?? (adapter.requiresRedirectUri ? deps.linkRedirectUri : null);
      const params = {
        userId: caller.userId,
        products,
        redirectUri,
        androidPackageName: checkAndroidPackageName(input.androidPackageName),
        language: checkLanguage(input.language),
        countryCodes: checkCountryCodes(input.countryCodes, adapter.countryCodes),
        webhookUrl: webhookUrl(input.provider),
      };
      const token = await providerCall(input.provider, (a) => a.createLinkToken(params));
      if (token.providerUserId) await store.setProviderUserId(input.provider, caller.userId, token.providerUserId);
      return token;
    },

    async exchangePublicToken(caller: Caller, input: { provider: ProviderName; publicToken: string }): Promise<ConnectionRecord> {
      const adapter = adapterFor(input.provider);
      const publicToken = checkToken(input.publicToken, 'publicToken');
      const exchangeStartedAt = now();
      const result = await providerCall(input.provider, (a) => a.exchangePublicToken({ publicToken, userId: caller.userId }));
      const providerUserId = result.providerUserId ?? (await store.getProviderUserId(input.provider, caller.userId).catch(() => null));
      let record: ConnectionRecord;
      try {
        record = await store.insertConnection({
          provider: input.provider,
          providerConnectionId: result.providerConnectionId,
          providerUserId,
          userId: caller.userId,
          sandbox: adapter.sandbox,
          status: deriveStatus(result.state.status, result.state.consentExpiresAt, null),
          error: result.state.error,
          institution: result.state.institution,
          products: result.state.products,
          consentExpiresAt: result.state.consentExpiresAt,
          expiringUntil: null,
          lastSyncedAt: result.state.lastSyncedAt,
          // The exchange's own read dates the state, like any read (older webhooks are stale).
          lastEventAt: readMark(exchangeStartedAt),
          credential: result.credential,
        });
      } catch (e) {
        if (e instanceof DuplicateConnectionError) {
          // The same connection exchanged again (e.g. a retried request): answer with the state the
          // provider just reported. Someone else's connection is refused like any unusable token.
          const existing = await store.findByProviderId(input.provider, result.providerConnectionId);
          if (!existing || existing.userId !== caller.userId) throw new InvalidInputError('publicToken cannot be used.', 'publicToken');
          const { record: updated } = await applyState(existing.id, patchFromRead(result.state), { kind: 'read', startedAt: exchangeStartedAt }, existing);
          return updated ?? existing;
        }
        // Nothing half-way: the provider item we cannot store is removed rather than left dangling.
        await removeUnstored(input.provider, { providerConnectionId: result.providerConnectionId, credential: result.credential, providerUserId }, e);
        throw e;
      }
      events.publish(record);
      try {
        return await applyHeldEvents(record);
      } catch (e) {
        // The connection is stored; held events stay recorded for the next delivery or re-read.
        logger.error({ connectionId: record.id, err: (e as Error).message }, 'applying held webhook events failed');
        return record;
      }
    },

    async createUpdateLinkToken(caller: Caller, input: CreateUpdateLinkTokenInput): Promise<{ linkToken: LinkTokenInfo; connection: ConnectionRecord }> {
      const { r, ref } = await loadOwned(caller, input.connectionId);
      const adapter = adapterFor(r.provider);
      const params = {
        // The connection's owner is the provider-side user, also when an admin asks.
        userId: r.userId,
        connection: ref,
        redirectUri: checkRedirectUri(input.redirectUri) ?? (adapter.requiresRedirectUri ? deps.linkRedirectUri : null),
        androidPackageName: checkAndroidPackageName(input.androidPackageName),
        language: checkLanguage(input.language),
        countryCodes: null,
        accountSelectionEnabled: input.accountSelectionEnabled ?? null,
        webhookUrl: webhookUrl(r.provider),
      };
      const linkToken = await providerCall(r.provider, (a) => a.createUpdateLinkToken(params));
      return { linkToken, connection: r };
    },

    async resetConnection(caller: Caller, id: string): Promise<ConnectionRecord> {
      const { r, ref } = await loadOwned(caller, id);
      assertSandbox(r);
      await providerCall(r.provider, (a) => a.resetLogin(ref));
      return readAndApply(r, ref);
    },

    async resetConnections(caller: Caller, ids: string[] | null): Promise<ConnectionRecord[]> {
      let targets: ConnectionRecord[];
      if (!ids || ids.length === 0) {
        targets = [];
        let after: ListCursor | null = null;
        for (;;) {
          const page: ConnectionPage = await store.listConnections({ userId: caller.userId }, { first: 500, after });
          targets.push(...page.items);
          if (!page.hasNextPage || page.items.length === 0) break;
          const last: ConnectionRecord = page.items[page.items.length - 1]!;
          after = { createdAt: last.createdAt, id: last.id };
        }
      } else {
        const unique = [...new Set(ids)];
        const rows = await store.getConnections(unique);
        // Every id is checked before anything is reset.
        if (!rows.every((r) => visibleTo(caller, r))) throw new NotFoundError('No such connection (one or more ids).');
        targets = rows as ConnectionRecord[];
      }
      for (const r of targets) assertSandbox(r);
      // One batch per provider and owner: providers can reset all of one user's connections at once.
      const groups = new Map<string, ConnectionRecord[]>();
      for (const r of targets) {
        const key = `${r.provider}\u0000${r.userId}`;
        groups.set(key, [...(groups.get(key) ?? []), r]);
      }
      const secrets = await store.getCredentials(targets.map((r) => r.id));
      // All or nothing, like the ownership check: an undecryptable secret stops the batch before any reset.
      const undecryptable = secrets.find((v) => v instanceof Error);
      if (undecryptable) throw undecryptable;
      const refs = new Map(targets.map((r, i) => [r.id, refOf(r, (secrets[i] as string | null | undefined) ?? null)] as const));
      const done: ConnectionRecord[] = [];
      for (const group of groups.values()) {
        const first = group[0]!;
        try {
          await providerCall(first.provider, (a) => a.resetLogins({ userId: first.userId, connections: group.map((r) => refs.get(r.id)!) }));
        } catch (e) {
          // Groups already reset at their provider must not keep a stale stored status.
          await Promise.allSettled(done.map((r) => readAndApply(r, refs.get(r.id)!)));
          throw e;
        }
        done.push(...group);
      }
      return Promise.all(targets.map((r) => readAndApply(r, refs.get(r.id)!)));
    },

    async refreshConnection(caller: Caller, id: string): Promise<ConnectionRecord> {
      const { r, ref } = await loadOwned(caller, id);
      return readAndApply(r, ref);
    },

    /**
     * The widget reported success in update mode (Plaid Link / MoneyKit Connect onSuccess). That is
     * the only signal that ends an announced expiry (PENDING_DISCONNECT carries no date that update
     * mode would renew); then the status is re-read as refreshConnection does.
     */
    async completeUpdateLink(caller: Caller, id: string): Promise<ConnectionRecord> {
      const { r, ref } = await loadOwned(caller, id);
      return readAndApply(r, ref, true);
    },

    async removeConnection(caller: Caller, id: string): Promise<string> {
      const { r, ref } = await loadOwned(caller, id);
      await providerCall(r.provider, (a) => a.removeConnection(ref));
      if (await store.deleteConnection(r.id)) {
        const t = now();
        events.publish({ ...r, status: 'DISCONNECTED', error: null, statusChangedAt: t, stateRefreshedAt: t, version: r.version + 1 });
      }
      return r.id;
    },

    /** Record and apply a verified webhook. Returns what happened, for the event log. */
    /**
     * Record a verified delivery (durable before it is acknowledged). Returns the event to apply,
     * or null for a replay of one already applied. A replay of a delivery recorded but never
     * applied (its apply failed and the provider retries) returns that first event again.
     */
    async recordWebhook(w: VerifiedWebhook): Promise<WebhookEventRecord | null> {
      const recorded = await store.recordWebhookEvent({
        provider: w.provider,
        dedupeKey: w.dedupeKey,
        eventType: w.eventType,
        providerConnectionId: w.providerConnectionId,
        occurredAt: w.occurredAt,
        payload: w.payload,
        effect: w.effect,
      });
      if (recorded) return recorded;
      const [first] = w.dedupeKey ? await store.listWebhookEvents({ provider: w.provider, dedupeKey: w.dedupeKey, limit: 1 }) : [];
      return first && first.outcome === null ? first : null;
    },

    /** Apply a recorded delivery; its outcome is written to the event log and returned. */
    async applyRecordedWebhook(event: WebhookEventRecord, w: VerifiedWebhook): Promise<string> {
      let outcome: string;
      if (w.effect.kind === 'none' || !w.providerConnectionId) {
        outcome = 'recorded';
      } else {
        const r = await store.findByProviderId(w.provider, w.providerConnectionId);
        // Not stored yet (it races the exchange): held, and applied once the connection is stored.
        outcome = r ? (await applyState(r.id, patchFromEffect(w.effect), { kind: 'webhook', occurredAt: w.occurredAt }, r)).outcome : 'unknown_connection';
      }
      await store.setWebhookOutcome(event.id, outcome);
      return outcome;
    },

    subscribe(): AsyncIterable<ConnectionRecord> {
      return events.subscribe();
    },

    visibleTo,
  };

  function assertSandbox(r: ConnectionRecord): void {
    const adapter = adapterFor(r.provider);
    if (!r.sandbox || !adapter.sandbox) throw new SandboxOnlyError();
  }
}
