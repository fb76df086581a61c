import type { Logger } from 'pino';
import type { Caller } from '../auth/auth.js';
import type { ConnectionRecord, ConnectionStatus, LinkTokenInfo, ProviderName } from '../domain/connection.js';
import type { ConnectionRef } from '../providers/provider.js';
import {
  DuplicateConnectionError,
  type ConnectionListFilter,
  type ConnectionPage,
  type ConnectionStore,
  type ListCursor,
} from '../store/store.js';
import { loadOwned, refOf, visibleTo } from './access.js';
import type { ApplyState } from './apply.js';
import { InvalidInputError, NotFoundError, SandboxOnlyError } from './errors.js';
import type { ConnectionEvents } from './events.js';
import type { ProviderCalls } from './provider-calls.js';
import { deriveStatus, patchFromRead, readMark } from './rules.js';
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
/** Page size when resetConnections walks all of a caller's connections. */
const RESET_ALL_PAGE = 500;

export interface LinkTokenRequest {
  provider: ProviderName;
  products: string[];
  redirectUri?: string | null;
  androidPackageName?: string | null;
  language?: string | null;
  countryCodes?: string[] | null;
}

export interface UpdateLinkTokenRequest {
  connectionId: string;
  redirectUri?: string | null;
  androidPackageName?: string | null;
  language?: string | null;
  accountSelectionEnabled?: boolean | null;
}

export interface LifecycleDeps {
  store: ConnectionStore;
  events: ConnectionEvents;
  calls: ProviderCalls;
  applyState: ApplyState;
  /** Webhooks that raced the exchange, applied once the connection is stored (webhook-events.ts). */
  applyHeld(r: ConnectionRecord): Promise<ConnectionRecord>;
  /** The gateway's webhook URL per provider, put on every link token. */
  webhookUrls: Record<ProviderName, string>;
  linkRedirectUri: string;
  logger: Logger;
  now: () => Date;
}

/** The connection lifecycle operations (contract section 1), each checked for ownership first. */
export function createLifecycle(deps: LifecycleDeps) {
  const { store, events, calls, applyState, logger, now } = deps;

  /**
   * Re-read a connection from its provider and apply what it reports: status and accounts come
   * from one provider read and are written together (contract section 7).
   */
  async function readAndApply(r: ConnectionRecord, ref: ConnectionRef, updateCompleted = false): Promise<ConnectionRecord> {
    const startedAt = now();
    const read = await calls.call(r.provider, (a) => a.getAccounts(ref));
    const { record } = await applyState(r.id, patchFromRead(read.state, now(), updateCompleted), { kind: 'read', startedAt }, r, read.accounts);
    if (!record) throw new NotFoundError();
    return record;
  }

  function redirectFor(provider: ProviderName, given: string | null | undefined): string | null {
    return checkRedirectUri(given) ?? (calls.adapterFor(provider).requiresRedirectUri ? deps.linkRedirectUri : null);
  }

  function assertSandbox(r: ConnectionRecord): void {
    if (!r.sandbox || !calls.adapterFor(r.provider).sandbox) throw new SandboxOnlyError();
  }

  /** Remove a provider connection whose exchange could not be stored, retried (already-gone is success). */
  async function removeUnstored(provider: ProviderName, ref: ConnectionRef, cause: unknown): Promise<void> {
    logger.error({ provider, providerConnectionId: ref.providerConnectionId, err: (cause as Error).message }, 'storing an exchanged connection failed; removing it at the provider');
    for (let attempt = 1; ; attempt++) {
      try {
        await calls.bounded(provider, (a) => a.removeConnection(ref));
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

  /** Every connection the caller owns (admins included: "all of the caller's", not everyone's). */
  async function allOwnedBy(userId: string): Promise<ConnectionRecord[]> {
    const out: ConnectionRecord[] = [];
    let after: ListCursor | null = null;
    for (;;) {
      const page: ConnectionPage = await store.listConnections({ userId }, { first: RESET_ALL_PAGE, after });
      out.push(...page.items);
      const last = page.items[page.items.length - 1];
      if (!page.hasNextPage || !last) return out;
      after = { createdAt: last.createdAt, id: last.id };
    }
  }

  return {
    readAndApply,
    /** What the service exposes. */
    operations: {
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

      async createLinkToken(caller: Caller, input: LinkTokenRequest): Promise<LinkTokenInfo> {
        const adapter = calls.adapterFor(input.provider);
        const params = {
          userId: caller.userId,
          products: checkProducts(input.products, adapter.products),
          redirectUri: redirectFor(input.provider, input.redirectUri),
          androidPackageName: checkAndroidPackageName(input.androidPackageName),
          language: checkLanguage(input.language),
          countryCodes: checkCountryCodes(input.countryCodes, adapter.countryCodes),
          webhookUrl: deps.webhookUrls[input.provider],
        };
        const token = await calls.call(input.provider, (a) => a.createLinkToken(params));
        if (token.providerUserId) await store.setProviderUserId(input.provider, caller.userId, token.providerUserId);
        return token;
      },

      async exchangePublicToken(caller: Caller, input: { provider: ProviderName; publicToken: string }): Promise<ConnectionRecord> {
        const adapter = calls.adapterFor(input.provider);
        const publicToken = checkToken(input.publicToken, 'publicToken');
        const exchangeStartedAt = now();
        const result = await calls.call(input.provider, (a) => a.exchangePublicToken({ publicToken, userId: caller.userId }));
        const providerUserId = result.providerUserId ?? (await store.getProviderUserId(input.provider, caller.userId).catch(() => null));
        let record: ConnectionRecord;
        try {
          record = await store.insertConnection({
            provider: input.provider,
            providerConnectionId: result.providerConnectionId,
            providerUserId,
            userId: caller.userId,
            sandbox: adapter.sandbox,
            status: deriveStatus(result.state.status, result.state.consentExpiresAt, null, now()),
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
            const { record: updated } = await applyState(existing.id, patchFromRead(result.state, now()), { kind: 'read', startedAt: exchangeStartedAt }, existing);
            return updated ?? existing;
          }
          // Nothing half-way: the provider item we cannot store is removed rather than left dangling.
          await removeUnstored(input.provider, { providerConnectionId: result.providerConnectionId, credential: result.credential, providerUserId }, e);
          throw e;
        }
        events.publish(record);
        try {
          record = await deps.applyHeld(record);
        } catch (e) {
          // The connection is stored; held events stay recorded for the next delivery or re-read.
          logger.error({ connectionId: record.id, err: (e as Error).message }, 'applying held webhook events failed');
        }
        try {
          // Its accounts (and the state read with them), so the first answer already lists them.
          return await readAndApply(record, { providerConnectionId: result.providerConnectionId, credential: result.credential, providerUserId });
        } catch (e) {
          // The connection exists either way; a later re-read (freshness, refresh, webhook) fills the accounts in.
          logger.warn({ connectionId: record.id, err: (e as Error).message }, 'reading accounts after the exchange failed');
          return record;
        }
      },

      async createUpdateLinkToken(caller: Caller, input: UpdateLinkTokenRequest): Promise<{ linkToken: LinkTokenInfo; connection: ConnectionRecord }> {
        const { r, ref } = await loadOwned(store, caller, input.connectionId);
        const params = {
          // The connection's owner is the provider-side user, also when an admin asks.
          userId: r.userId,
          connection: ref,
          redirectUri: redirectFor(r.provider, input.redirectUri),
          androidPackageName: checkAndroidPackageName(input.androidPackageName),
          language: checkLanguage(input.language),
          countryCodes: null,
          accountSelectionEnabled: input.accountSelectionEnabled ?? null,
          webhookUrl: deps.webhookUrls[r.provider],
        };
        const linkToken = await calls.call(r.provider, (a) => a.createUpdateLinkToken(params));
        return { linkToken, connection: r };
      },

      async resetConnection(caller: Caller, id: string): Promise<ConnectionRecord> {
        const { r, ref } = await loadOwned(store, caller, id);
        assertSandbox(r);
        await calls.call(r.provider, (a) => a.resetLogin(ref));
        return readAndApply(r, ref);
      },

      async resetConnections(caller: Caller, ids: string[] | null): Promise<ConnectionRecord[]> {
        let targets: ConnectionRecord[];
        if (!ids || ids.length === 0) {
          targets = await allOwnedBy(caller.userId);
        } else {
          const rows = await store.getConnections([...new Set(ids)]);
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
            await calls.call(first.provider, (a) => a.resetLogins({ userId: first.userId, connections: group.map((r) => refs.get(r.id)!) }));
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
        const { r, ref } = await loadOwned(store, caller, id);
        return readAndApply(r, ref);
      },

      /**
       * The widget reported success in update mode (Plaid Link / MoneyKit Connect onSuccess). That is
       * the only signal that ends an announced expiry (PENDING_DISCONNECT carries no date that update
       * mode would renew); then the status is re-read as refreshConnection does.
       */
      async completeUpdateLink(caller: Caller, id: string): Promise<ConnectionRecord> {
        const { r, ref } = await loadOwned(store, caller, id);
        return readAndApply(r, ref, true);
      },

      async removeConnection(caller: Caller, id: string): Promise<string> {
        const { r, ref } = await loadOwned(store, caller, id);
        await calls.call(r.provider, (a) => a.removeConnection(ref));
        if (await store.deleteConnection(r.id)) {
          const t = now();
          events.publish({ ...r, status: 'DISCONNECTED', error: null, statusChangedAt: t, stateRefreshedAt: t, version: r.version + 1 });
        }
        return r.id;
      },
    },
  };
}
