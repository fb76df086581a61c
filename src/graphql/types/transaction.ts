import type { TransactionRecord } from '../../store/store.js';
import type { TransactionsSyncResult } from '../../connections/transactions.js';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { builder } from '../builder.js';
import { AccountRef, type AccountView } from './account.js';
import { TRANSACTIONS_SYNC_ERRORS } from './errors.js';
import { internalId } from './mutations.js';

export const TransactionRef = builder.objectRef<TransactionRecord>('Transaction');

/**
 * The account of a transaction whose account the last accounts read no longer listed (or that no
 * read listed yet): one bad row must not null the whole page, and the contract makes the field
 * non-null, so it answers the ids it has and nothing it would have to invent.
 */
function unlistedAccount(tx: TransactionRecord): AccountView {
  return {
    id: tx.accountId,
    connectionId: tx.connectionId,
    providerAccountId: tx.providerAccountId,
    name: '',
    officialName: null,
    mask: null,
    type: 'OTHER',
    subtype: null,
    providerType: '',
    balances: { current: null, available: null, limit: null, currency: null, asOf: null },
    updatedAt: tx.updatedAt,
  };
}

builder.node(TransactionRef, {
  id: { resolve: (t) => t.id },
  // Owner-checked through the connection: another user's transaction answers like a missing one.
  loadWithoutCache: (id, ctx) => ctx.loader.transaction(id),
  isTypeOf: (v) => typeof v === 'object' && v !== null && 'providerTransactionId' in v,
  fields: (t) => ({
    account: t.field({
      type: AccountRef,
      description:
        'Non-null (contract section 7). An account the provider no longer lists answers with what the transaction knows: ' +
        'the same id and providerAccountId, name "", type OTHER, providerType "", every balance null.',
      resolve: async (tx, _args, ctx) => (await ctx.loader.account(tx.accountId)) ?? unlistedAccount(tx),
    }),
    providerTransactionId: t.exposeString('providerTransactionId'),
    amount: t.field({ type: 'Decimal', description: "Signed from the account holder's side: negative = money out, positive = money in.", resolve: (tx) => tx.amount }),
    currency: t.exposeString('currency', { nullable: true }),
    date: t.field({ type: 'Date', description: 'Posted date; for a pending transaction, the transaction date.', resolve: (tx) => tx.date }),
    authorizedDate: t.field({ type: 'Date', nullable: true, resolve: (tx) => tx.authorizedDate }),
    pending: t.exposeBoolean('pending'),
    description: t.exposeString('description', { description: 'Plaid name / MoneyKit description.' }),
    merchantName: t.exposeString('merchantName', { nullable: true }),
    providerCategory: t.exposeString('providerCategory', { nullable: true, description: "The provider's own category label, unchanged." }),
  }),
});

const TransactionsSyncInput = builder.inputType('TransactionsSyncInput', {
  fields: (t) => ({
    connectionId: t.id({ required: true }),
    cursor: t.string({ required: false, description: 'null: from the beginning of the history the provider has.' }),
    count: t.int({ required: false, description: '1..500, default 100.' }),
  }),
});

const TransactionsSyncPayload = builder.objectRef<TransactionsSyncResult>('TransactionsSyncPayload').implement({
  fields: (t) => ({
    added: t.field({ type: [TransactionRef], resolve: (p) => p.added }),
    modified: t.field({ type: [TransactionRef], resolve: (p) => p.modified }),
    removed: t.field({ type: ['ID'], description: 'Transaction ids the client must drop.', resolve: (p) => p.removed.map((id) => encodeGlobalID('Transaction', id)) }),
    nextCursor: t.exposeString('nextCursor', { description: 'Opaque; pass it back to continue.' }),
    hasMore: t.exposeBoolean('hasMore'),
  }),
});

builder.queryField('transactionsSync', (t) =>
  t.field({
    type: TransactionsSyncPayload,
    description:
      "One page of the connection's transaction changes. An InvalidStateError means the data changed during pagination: restart from the cursor held before the first page.",
    args: { input: t.arg({ type: TransactionsSyncInput, required: true }) },
    errors: { types: TRANSACTIONS_SYNC_ERRORS, directResult: true, union: { name: 'TransactionsSyncResult' } },
    resolve: async (_r, { input }, ctx) => {
      const connectionId = internalId(input.connectionId);
      // Every page is a provider call: it spends from the caller's budget like a mutation.
      ctx.spendProviderCall();
      return ctx.service.transactionsSync(ctx.caller, { connectionId, cursor: input.cursor ?? null, count: input.count ?? null });
    },
  }),
);
