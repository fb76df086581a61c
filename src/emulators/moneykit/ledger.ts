// One link's accounts and transactions, and MoneyKit's transaction sync over them
// (GET /links/{id}/transactions/sync, REFERENCE §6.4 and the SDK's operation text):
// - posted transactions are reported once per change as `created`, `updated` or `removed`, in the
//   order the changes happened, `size` changes per page, with `cursor.next` and `has_more`;
// - pending transactions are never tracked: "Pending transactions will only be reported as created.
//   Pending transactions are completely removed and replaced with each transaction refresh or update
//   ... will not be reported in the removed list." Every page therefore carries the complete current
//   pending set in `created` (on top of the `size` posted changes); a pending transaction that settled
//   or vanished is simply absent from the next page.
// Amounts are non-negative decimal strings with `type: debit | credit` (TransactionResponse);
// balances are decimal text written as raw JSON numbers (see raw-json.ts).
import { RawNumber } from './raw-json.js';

export type TransactionType = 'debit' | 'credit';

export interface AccountRecord {
  account_id: string;
  account_type: string;
  name: string;
  account_mask: string | null;
  currency: string;
  /** Decimal text as it goes on the wire; null = not reported. */
  balances: { current: string | null; available: string | null; limit: string | null };
  balance_date: string;
}

export interface TransactionRecord {
  transaction_id: string;
  account_id: string;
  amount: string;
  type: TransactionType;
  currency: string;
  date: string;
  description: string;
  raw_description: string;
  pending: boolean;
  category: string | null;
}

/** Fields a control call may set when adding or modifying a transaction. */
export interface TransactionInput {
  account_id?: string | undefined;
  amount?: string | undefined;
  type?: TransactionType | undefined;
  date?: string | undefined;
  description?: string | undefined;
  pending?: boolean | undefined;
  category?: string | null | undefined;
}

type Change = { kind: 'created' | 'updated'; txn: TransactionRecord } | { kind: 'removed'; id: string };

export interface SyncPage {
  transactions: { created: TransactionRecord[]; updated: TransactionRecord[]; removed: string[] };
  cursorNext: string;
  hasMore: boolean;
}

export class LedgerError extends Error {
  constructor(
    readonly code: 'account_not_found' | 'transaction_not_found' | 'not_pending' | 'invalid_cursor',
    message: string,
  ) {
    super(message);
  }
}

// The seeded history: a few accounts and a merchant table cycled over the last ~60 days.
const SEED_ACCOUNTS = [
  { key: 'chk', account_type: 'depository.checking', name: 'Everyday Checking', mask: '4821', current: '2412.57', available: '2380.12', limit: null },
  { key: 'sav', account_type: 'depository.savings', name: 'High Yield Savings', mask: '7730', current: '15030.00', available: '15030.00', limit: null },
  { key: 'cc', account_type: 'liability.credit_card', name: 'Rewards Card', mask: '1009', current: '612.40', available: '4387.60', limit: '5000.00' },
] as const;

const SEED_MERCHANTS = [
  { description: 'Blue Bottle Coffee', category: 'food_and_drink', amount: '4.75', type: 'debit', account: 'cc' },
  { description: 'Whole Foods Market', category: 'groceries', amount: '86.23', type: 'debit', account: 'chk' },
  { description: 'Shell', category: 'transportation', amount: '41.10', type: 'debit', account: 'cc' },
  { description: 'Netflix', category: 'entertainment', amount: '15.49', type: 'debit', account: 'cc' },
  { description: 'Acme Corp Payroll', category: 'income', amount: '2150.00', type: 'credit', account: 'chk' },
  { description: 'City Utilities', category: 'bills_and_utilities', amount: '120.00', type: 'debit', account: 'chk' },
  { description: 'Interest Payment', category: 'income', amount: '12.34', type: 'credit', account: 'sav' },
] as const;

/** Seeded per link: 3 accounts, 36 posted and 4 pending transactions. */
export const SEED_POSTED_COUNT = 36;
export const SEED_PENDING_COUNT = 4;
const DAY_MS = 86_400_000;

const isoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export class Ledger {
  private readonly accounts = new Map<string, AccountRecord>();
  private readonly posted = new Map<string, TransactionRecord>();
  private readonly pending = new Map<string, TransactionRecord>();
  /** Changes to posted transactions, in order; a cursor is a position in this log. */
  private readonly log: Change[] = [];

  constructor(
    private readonly linkId: string,
    private readonly now: () => number,
    private readonly newId: (prefix: string) => string,
  ) {
    const t = now();
    const ids = new Map<string, string>();
    for (const a of SEED_ACCOUNTS) {
      const id = newId('acc_');
      ids.set(a.key, id);
      this.accounts.set(id, {
        account_id: id,
        account_type: a.account_type,
        name: a.name,
        account_mask: a.mask,
        currency: 'USD',
        balances: { current: a.current, available: a.available, limit: a.limit },
        balance_date: new Date(t).toISOString(),
      });
    }
    for (let i = 0; i < SEED_POSTED_COUNT + SEED_PENDING_COUNT; i++) {
      const m = SEED_MERCHANTS[i % SEED_MERCHANTS.length]!;
      const pending = i >= SEED_POSTED_COUNT;
      // Oldest first; pending ones are the most recent.
      const daysAgo = pending ? SEED_POSTED_COUNT + SEED_PENDING_COUNT - 1 - i : 60 - Math.floor((i * 58) / SEED_POSTED_COUNT);
      this.add({ account_id: ids.get(m.account)!, amount: m.amount, type: m.type, description: m.description, category: m.category, pending, date: isoDate(t - daysAgo * DAY_MS) });
    }
  }

  listAccounts(accountIds?: readonly string[]): AccountRecord[] {
    const all = [...this.accounts.values()];
    return accountIds && accountIds.length > 0 ? all.filter((a) => accountIds.includes(a.account_id)) : all;
  }

  accountResponse(a: AccountRecord): Record<string, unknown> {
    const num = (v: string | null): RawNumber | null => (v === null ? null : new RawNumber(v));
    return {
      account_id: a.account_id,
      account_type: a.account_type,
      name: a.name,
      nickname: null,
      account_mask: a.account_mask,
      balances: {
        currency: a.currency,
        available: num(a.balances.available),
        current: num(a.balances.current),
        limit: num(a.balances.limit),
        balance_date: a.balance_date,
      },
      original_id: null,
      closed: false,
    };
  }

  /** Every transaction the link currently has (posted and pending). */
  allTransactions(): TransactionRecord[] {
    return [...this.posted.values(), ...this.pending.values()];
  }

  add(input: TransactionInput): TransactionRecord {
    const account = this.account(input.account_id ?? [...this.accounts.keys()][0]!);
    const txn: TransactionRecord = {
      transaction_id: this.newId('txn_'),
      account_id: account.account_id,
      amount: input.amount ?? '10.00',
      type: input.type ?? 'debit',
      currency: account.currency,
      date: input.date ?? isoDate(this.now()),
      description: input.description ?? 'Emulated purchase',
      raw_description: (input.description ?? 'Emulated purchase').toUpperCase(),
      pending: input.pending ?? false,
      category: input.category ?? null,
    };
    this.store(txn, 'created');
    return txn;
  }

  /** Posted: an `updated` change. Pending: replaced in place (MoneyKit does not track pending changes). */
  modify(transactionId: string, input: TransactionInput): TransactionRecord {
    const current = this.transaction(transactionId);
    if (input.pending !== undefined && input.pending !== current.pending) {
      throw new LedgerError('not_pending', 'pending cannot be changed by a modification; settle a pending transaction instead');
    }
    const account = input.account_id !== undefined ? this.account(input.account_id) : null;
    const next: TransactionRecord = {
      ...current,
      ...(account ? { account_id: account.account_id, currency: account.currency } : {}),
      ...(input.amount !== undefined ? { amount: input.amount } : {}),
      ...(input.type !== undefined ? { type: input.type } : {}),
      ...(input.date !== undefined ? { date: input.date } : {}),
      ...(input.description !== undefined ? { description: input.description, raw_description: input.description.toUpperCase() } : {}),
      ...(input.category !== undefined ? { category: input.category } : {}),
    };
    this.store(next, 'updated');
    return next;
  }

  remove(transactionId: string): void {
    const txn = this.transaction(transactionId);
    if (txn.pending) {
      this.pending.delete(transactionId);
      return;
    }
    this.posted.delete(transactionId);
    this.log.push({ kind: 'removed', id: transactionId });
  }

  /** The pending transaction disappears and a posted one with a new id takes its place (MoneyKit links neither). */
  settle(transactionId: string, input: Pick<TransactionInput, 'amount' | 'date'> = {}): TransactionRecord {
    const txn = this.transaction(transactionId);
    if (!txn.pending) throw new LedgerError('not_pending', `transaction ${transactionId} is not pending`);
    this.pending.delete(transactionId);
    const posted: TransactionRecord = {
      ...txn,
      transaction_id: this.newId('txn_'),
      pending: false,
      amount: input.amount ?? txn.amount,
      date: input.date ?? isoDate(this.now()),
    };
    this.store(posted, 'created');
    return posted;
  }

  setBalances(accountId: string, balances: Partial<AccountRecord['balances']>, currency?: string): AccountRecord {
    const account = this.account(accountId);
    account.balances = { ...account.balances, ...balances };
    if (currency !== undefined) account.currency = currency;
    account.balance_date = new Date(this.now()).toISOString();
    return account;
  }

  addAccount(a: Omit<AccountRecord, 'account_id' | 'balance_date'>): AccountRecord {
    const account: AccountRecord = { ...a, account_id: this.newId('acc_'), balance_date: new Date(this.now()).toISOString() };
    this.accounts.set(account.account_id, account);
    return account;
  }

  /** One page from `cursor` (absent: the complete history). */
  sync(cursor: string | null, size: number): SyncPage {
    const from = cursor === null ? 0 : this.decodeCursor(cursor);
    const to = Math.min(this.log.length, from + size);
    const created = new Map<string, TransactionRecord>();
    const updated = new Map<string, TransactionRecord>();
    const removed = new Set<string>();
    // Several changes to one transaction inside a page collapse into the one its holder needs.
    for (const change of this.log.slice(from, to)) {
      if (change.kind === 'removed') {
        if (!created.delete(change.id)) removed.add(change.id);
        updated.delete(change.id);
      } else if (created.has(change.txn.transaction_id) || change.kind === 'created') {
        created.set(change.txn.transaction_id, change.txn);
      } else {
        updated.set(change.txn.transaction_id, change.txn);
      }
    }
    return {
      transactions: {
        created: [...created.values(), ...this.pending.values()],
        updated: [...updated.values()],
        removed: [...removed],
      },
      cursorNext: Buffer.from(`${this.linkId}:${to}`, 'utf8').toString('base64url'),
      hasMore: to < this.log.length,
    };
  }

  private decodeCursor(cursor: string): number {
    const m = /^(.+):(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
    const pos = m ? Number(m[2]) : NaN;
    if (!m || m[1] !== this.linkId || !Number.isSafeInteger(pos) || pos > this.log.length) {
      throw new LedgerError('invalid_cursor', 'The cursor is not valid for this link.');
    }
    return pos;
  }

  private store(txn: TransactionRecord, kind: 'created' | 'updated'): void {
    if (txn.pending) {
      this.pending.set(txn.transaction_id, txn);
      return;
    }
    this.posted.set(txn.transaction_id, txn);
    this.log.push({ kind, txn: { ...txn } });
  }

  private account(id: string): AccountRecord {
    const a = this.accounts.get(id);
    if (!a) throw new LedgerError('account_not_found', `No account ${id} on this link`);
    return a;
  }

  private transaction(id: string): TransactionRecord {
    const t = this.posted.get(id) ?? this.pending.get(id);
    if (!t) throw new LedgerError('transaction_not_found', `No transaction ${id} on this link`);
    return t;
  }
}
