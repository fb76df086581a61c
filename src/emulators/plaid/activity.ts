// Changes to an Item's accounts and transactions made "at the bank" (control endpoints, tests, demo
// mode), each followed by the webhooks Plaid documents for it.
import type { Defer } from '../kit/index.js';
import { isoDate, type AccountRecord, type TransactionInput, type TransactionRecord } from './ledger.js';
import type { ItemRecord, PlaidState } from './state.js';
import { transactionsWebhooks } from './webhooks.js';

export type NewTransaction = Omit<TransactionInput, 'account_id' | 'date'> & { account_id?: string | undefined; date?: string | undefined };
export type TransactionPatch = Partial<Pick<TransactionInput, 'amount' | 'name' | 'merchant_name' | 'date' | 'category'>>;
export type BalancePatch = { current?: number | null | undefined; available?: number | null | undefined; limit?: number | null | undefined };
/** `webhook: false` changes the data silently (a missed webhook, for recovery tests). */
export type Notify = { webhook?: boolean | undefined };

export class Activity {
  constructor(private readonly state: PlaidState) {}

  private announce(item: ItemRecord, change: { added: number; removed: string[] }, notify: Notify, defer: Defer): void {
    if (notify.webhook === false) return;
    for (const body of transactionsWebhooks(this.state.wctx(item), { ...change, syncCalled: item.ledger.syncCalled })) this.state.emitWebhook(item, body, defer);
  }

  /** A new transaction; the first account (checking) unless `account_id` names another. */
  add(item: ItemRecord, input: NewTransaction & Notify, defer: Defer): TransactionRecord {
    const accountId = input.account_id ?? (item.ledger.accounts[0] as AccountRecord).account_id;
    const tx = item.ledger.add({ ...input, account_id: accountId, date: input.date ?? isoDate(this.state.now()), authorized_date: input.date ?? isoDate(this.state.now()) });
    this.announce(item, { added: 1, removed: [] }, input, defer);
    return tx;
  }

  modify(item: ItemRecord, transactionId: string, patch: TransactionPatch & Notify, defer: Defer): TransactionRecord {
    const { webhook, ...fields } = patch;
    const tx = item.ledger.modify(transactionId, fields);
    this.announce(item, { added: 0, removed: [] }, { webhook }, defer);
    return tx;
  }

  remove(item: ItemRecord, transactionId: string, notify: Notify, defer: Defer): TransactionRecord {
    const tx = item.ledger.remove(transactionId);
    this.announce(item, { added: 0, removed: [transactionId] }, notify, defer);
    return tx;
  }

  /** Posts a pending transaction: Plaid removes the pending one and adds the posted one. */
  settle(item: ItemRecord, transactionId: string, patch: { amount?: number | undefined; date?: string | undefined } & Notify, defer: Defer): { removed: TransactionRecord; added: TransactionRecord } {
    const result = item.ledger.settle(transactionId, patch, this.state.now());
    this.announce(item, { added: 1, removed: [transactionId] }, patch, defer);
    return result;
  }

  /**
   * Plaid has no balance webhook: balances refresh with the Item's transactions update, which Plaid
   * announces with TRANSACTIONS DEFAULT_UPDATE (here with new_transactions 0).
   */
  setBalance(item: ItemRecord, accountId: string, patch: BalancePatch & Notify, defer: Defer): AccountRecord {
    const account = item.ledger.account(accountId);
    for (const k of ['current', 'available', 'limit'] as const) if (patch[k] !== undefined) account.balances[k] = patch[k];
    if (patch.webhook !== false) {
      for (const body of transactionsWebhooks(this.state.wctx(item), { added: 0, removed: [], syncCalled: false })) this.state.emitWebhook(item, body, defer);
    }
    return account;
  }
}
