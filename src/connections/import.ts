import type { Logger } from 'pino';
import type { Caller } from '../auth/auth.js';
import type { ConnectionRecord, ProviderConnectionState, ProviderName } from '../domain/connection.js';
import type { ConnectionRef, ExchangeResult } from '../providers/provider.js';
import { DuplicateConnectionError, type ConnectionStore } from '../store/store.js';
import type { ApplyState } from './apply.js';
import { InvalidInputError, NotFoundError } from './errors.js';
import type { ConnectionEvents } from './events.js';
import type { ProviderCalls } from './provider-calls.js';
import { deriveStatus, patchFromRead, readMark } from './rules.js';
import { checkToken } from './validate.js';

/** What importing needs of an adapter (port V2, contract section 8). */

export interface ImportRequest {
  provider: ProviderName;
  /** Plaid: an access_token; MoneyKit: a link id. Never logged, never answered. */
  credential: string;
  /** The owner; honoured for admin callers only (the GraphQL layer refuses it from others). */
  userId?: string | null;
}

/** `imported`: stored now; `existing`: already stored for the same owner (a re-run). */
export interface ImportResult {
  connection: ConnectionRecord;
  outcome: 'imported' | 'existing';
}

export interface ImportDeps {
  store: ConnectionStore;
  events: ConnectionEvents;
  calls: ProviderCalls;
  applyState: ApplyState;
  /** The shared re-read (lifecycle.ts): status, and accounts where the port reads them together. */
  readAndApply(r: ConnectionRecord, ref: ConnectionRef): Promise<ConnectionRecord>;
  applyHeld(r: ConnectionRecord): Promise<ConnectionRecord>;
  webhookUrls: Record<ProviderName, string>;
  logger: Logger;
  now: () => Date;
}

const MAX_USER_ID = 256;

/** importConnection (contract section 8): verify, point webhooks here, store encrypted, read. */
export function createImport(deps: ImportDeps) {
  const { store, events, calls, applyState, logger, now } = deps;

  function ownerOf(caller: Caller, userId: string | null | undefined): string {
    if (!caller.admin || userId === null || userId === undefined) return caller.userId;
    if (userId.trim().length === 0 || userId.length > MAX_USER_ID) throw new InvalidInputError(`userId must be 1..${MAX_USER_ID} characters.`, 'userId');
    return userId;
  }

  /** The stored connection answers its owner; anyone else is told it does not exist. */
  async function existingFor(owner: string, found: ConnectionRecord, state: ProviderConnectionState, startedAt: Date): Promise<ImportResult> {
    if (found.userId !== owner) throw new NotFoundError();
    const { record } = await applyState(found.id, patchFromRead(state, now()), { kind: 'read', startedAt }, found);
    return { connection: record ?? found, outcome: 'existing' };
  }

  return async function importConnection(caller: Caller, input: ImportRequest): Promise<ImportResult> {
    const importer = calls.adapterFor(input.provider);
    const credential = checkToken(input.credential, 'credential');
    const owner = ownerOf(caller, input.userId);
    const startedAt = now();
    let found: ExchangeResult;
    try {
      found = await calls.call(input.provider, (a) => a.lookupConnection(credential));
    } catch (e) {
      // The provider does not know the credential: the caller's input is at fault.
      if (e instanceof InvalidInputError) throw new InvalidInputError(e.message, 'credential');
      throw e;
    }
    const already = await store.findByProviderId(input.provider, found.providerConnectionId);
    if (already) return existingFor(owner, already, found.state, startedAt);

    const ref: ConnectionRef = { providerConnectionId: found.providerConnectionId, credential: found.credential, providerUserId: found.providerUserId };
    await calls.call(input.provider, (a) => a.setWebhookUrl(ref, deps.webhookUrls[input.provider]));
    let record: ConnectionRecord;
    try {
      record = await store.insertConnection({
        provider: input.provider,
        providerConnectionId: found.providerConnectionId,
        providerUserId: found.providerUserId,
        userId: owner,
        sandbox: importer.sandbox,
        status: deriveStatus(found.state.status, found.state.consentExpiresAt, null, now()),
        error: found.state.error,
        institution: found.state.institution,
        products: found.state.products,
        consentExpiresAt: found.state.consentExpiresAt,
        expiringUntil: null,
        lastSyncedAt: found.state.lastSyncedAt,
        lastEventAt: readMark(startedAt),
        credential: found.credential,
      });
    } catch (e) {
      // Imported concurrently (the same credential twice in flight): one row, the other answers it.
      if (!(e instanceof DuplicateConnectionError)) throw e;
      const winner = await store.findByProviderId(input.provider, found.providerConnectionId);
      if (!winner) throw e;
      return existingFor(owner, winner, found.state, startedAt);
    }
    events.publish(record);
    logger.info({ connectionId: record.id, provider: record.provider, providerConnectionId: record.providerConnectionId, userId: owner }, 'connection imported');
    try {
      // The acknowledgement of the webhook change may have arrived before the row existed.
      record = await deps.applyHeld(record);
      return { connection: await deps.readAndApply(record, ref), outcome: 'imported' };
    } catch (e) {
      // Stored and verified: a failed follow-up read leaves the state as verified; freshness re-reads it.
      logger.warn({ connectionId: record.id, err: (e as Error).message }, 'reading an imported connection failed');
      return { connection: record, outcome: 'imported' };
    }
  };
}
