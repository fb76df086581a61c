import { z } from 'zod';
import { CONNECTION_STATUSES, connectionErrorInfoSchema, type ConnectionErrorInfo, type ConnectionStatus } from './connection.js';

// What a verified provider delivery means for a connection, in the normalized model. Adapters
// produce it; the connections service applies it; the event log keeps it as JSON.

/** What a verified webhook asks the connections service to do. */
export type WebhookEffect =
  /** A new provider-reported status (with its raw error, or null when healthy). */
  | { kind: 'state'; status: ConnectionStatus; error: ConnectionErrorInfo | null }
  /** Access ends at `until` unless the user goes through update mode: EXPIRING. */
  | { kind: 'expiring'; until: Date }
  /** The connection was repaired (Plaid LOGIN_REPAIRED): healthy, pending expiry cleared. */
  | { kind: 'repaired' }
  /**
   * The provider announced new data: transaction updates (set transactionsUpdatedAt) and/or
   * changed accounts or balances (re-read the accounts). Both publish connectionUpdated.
   */
  | { kind: 'updates'; transactions: boolean; accounts: boolean }
  /** Recorded only. */
  | { kind: 'none' };

/** A WebhookEffect read back from JSON (the event log keeps it; dates travel as ISO strings). */
export const webhookEffectSchema: z.ZodType<WebhookEffect> = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('state'),
    status: z.enum(CONNECTION_STATUSES),
    error: connectionErrorInfoSchema.nullable(),
  }),
  z.object({ kind: z.literal('expiring'), until: z.coerce.date() }),
  z.object({ kind: z.literal('repaired') }),
  z.object({ kind: z.literal('updates'), transactions: z.boolean(), accounts: z.boolean() }),
  z.object({ kind: z.literal('none') }),
]);
