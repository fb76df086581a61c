import type { Caller } from '../auth/auth.js';
import type { ConnectionRef } from '../providers/provider.js';
import type { ConnectionRecord } from '../domain/connection.js';
import type { ConnectionStore } from '../store/store.js';
import { NotFoundError } from './errors.js';

/** A user sees their own connections; an admin caller sees every one. */
export function visibleTo(caller: Caller, r: ConnectionRecord | null): r is ConnectionRecord {
  return !!r && (caller.admin || r.userId === caller.userId);
}

/** What a provider call needs to address one stored connection. */
export function refOf(r: ConnectionRecord, credential: string | null): ConnectionRef {
  return { providerConnectionId: r.providerConnectionId, credential, providerUserId: r.providerUserId, institutionId: r.institution?.id ?? null };
}

/**
 * The caller's connection and the reference a provider call needs, in one store read. Another
 * user's connection answers exactly like a missing one.
 */
export async function loadOwned(store: ConnectionStore, caller: Caller, id: string): Promise<{ r: ConnectionRecord; ref: ConnectionRef }> {
  const found = await store.getConnectionWithCredential(id);
  if (!found || !visibleTo(caller, found.record)) throw new NotFoundError();
  return { r: found.record, ref: refOf(found.record, found.credential) };
}
