import { ACCOUNT_TYPES, type AccountBalances } from '../../domain/account.js';
import type { AccountRecord } from '../../store/store.js';
import { builder } from '../builder.js';
import { ConnectionRef } from './connection.js';

export const AccountTypeEnum = builder.enumType('AccountType', { values: ACCOUNT_TYPES });

/** Balances as shown: a stored account's always have asOf; an unlisted account's (transaction.ts) have none. */
type BalancesView = Omit<AccountBalances, 'asOf'> & { asOf: Date | null };
/** An account as the schema shows it: a stored one, or the stand-in for one no longer listed. */
export type AccountView = Omit<AccountRecord, 'balances'> & { balances: BalancesView };

export const AccountBalancesType = builder.objectRef<BalancesView>('AccountBalances').implement({
  fields: (t) => ({
    current: t.field({ type: 'Decimal', nullable: true, resolve: (b) => b.current }),
    available: t.field({ type: 'Decimal', nullable: true, resolve: (b) => b.available }),
    limit: t.field({ type: 'Decimal', nullable: true, resolve: (b) => b.limit }),
    currency: t.exposeString('currency', { nullable: true, description: "ISO-4217 code, or Plaid's unofficial_currency_code." }),
    asOf: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'When the provider last refreshed them, when it says; else when the gateway read them.',
      resolve: (b) => b.asOf,
    }),
  }),
});

export const AccountRef = builder.objectRef<AccountView>('Account');

builder.node(AccountRef, {
  id: { resolve: (a) => a.id },
  // Owner-checked through the connection: another user's account answers like a missing one.
  loadWithoutCache: (id, ctx) => ctx.loader.account(id),
  isTypeOf: (v) => typeof v === 'object' && v !== null && 'providerAccountId' in v && 'balances' in v,
  fields: (t) => ({
    connection: t.field({
      type: ConnectionRef,
      resolve: async (a, _args, ctx) => {
        const c = await ctx.loader.load(a.connectionId);
        if (!c) throw new Error('account without a visible connection');
        return c;
      },
    }),
    providerAccountId: t.exposeString('providerAccountId', { description: 'Plaid account_id / MoneyKit account_id.' }),
    name: t.exposeString('name'),
    officialName: t.exposeString('officialName', { nullable: true, description: 'Plaid official_name; null where the provider has none.' }),
    mask: t.exposeString('mask', { nullable: true }),
    type: t.field({ type: AccountTypeEnum, resolve: (a) => a.type }),
    subtype: t.exposeString('subtype', { nullable: true, description: 'Lower-case provider subtype: "checking", "savings", "credit card", "mortgage" ...' }),
    providerType: t.exposeString('providerType', { description: 'Exactly as sent: Plaid "depository/checking", MoneyKit "depository.checking".' }),
    balances: t.field({ type: AccountBalancesType, resolve: (a) => a.balances }),
  }),
});

builder.objectFields(ConnectionRef, (t) => ({
  accounts: t.field({
    type: [AccountRef],
    description: "The last known accounts, answered from the gateway's store.",
    // One store read for every connection of the page (per-request DataLoader).
    resolve: (c, _args, ctx) => ctx.loader.accounts(c.id),
  }),
  accountsUpdatedAt: t.field({ type: 'DateTime', nullable: true, description: 'When they were last read from the provider.', resolve: (c) => c.accountsUpdatedAt }),
  transactionsUpdatedAt: t.field({ type: 'DateTime', nullable: true, description: 'When the provider last announced new transaction data.', resolve: (c) => c.transactionsUpdatedAt }),
}));
