// One Item's accounts and transaction history, and /transactions/sync over a change log.
// Every change gets the next sequence number; a cursor is a position in that log, so a sync from a
// cursor returns exactly the net changes since it. Pagination snapshots the log head in the cursor:
// if the head moved between pages, the next page fails with TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION.
import { createHash, randomBytes } from 'node:crypto';
import { plaidError } from './errors.js';
import { ACCOUNT_SEEDS, COUNTRY_CURRENCY, DEFAULT_CURRENCY, HISTORY_DAYS, MERCHANT_SEEDS, PENDING_COUNT, type AccountSeed } from './ledger-data.js';

export type Balances = {
  available: number | null;
  current: number | null;
  limit: number | null;
  iso_currency_code: string | null;
  unofficial_currency_code: string | null;
};

export type AccountRecord = {
  account_id: string;
  name: string;
  official_name: string | null;
  mask: string | null;
  type: string;
  subtype: string | null;
  balances: Balances;
};

export type TransactionInput = {
  account_id: string;
  amount: number;
  date: string;
  name: string;
  merchant_name?: string | null | undefined;
  pending?: boolean | undefined;
  authorized_date?: string | null | undefined;
  payment_channel?: 'online' | 'in store' | 'other' | undefined;
  category?: [string, string] | undefined;
  iso_currency_code?: string | null | undefined;
  unofficial_currency_code?: string | null | undefined;
};

export type TransactionRecord = Required<Omit<TransactionInput, 'category'>> & {
  transaction_id: string;
  pending_transaction_id: string | null;
  category: [string, string];
  createdSeq: number;
  updatedSeq: number;
};

type Tombstone = { transaction_id: string; account_id: string; createdSeq: number; removedSeq: number };

type Cursor = { base: number; head: number; offset: number };

export type SyncPage = {
  added: TransactionRecord[];
  modified: TransactionRecord[];
  removed: Array<{ transaction_id: string; account_id: string }>;
  next_cursor: string;
  has_more: boolean;
};

const DAY_MS = 86_400_000;
const ID_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Plaid-looking 37-character ids. */
export function plaidId(): string {
  const bytes = randomBytes(37);
  let out = '';
  for (const b of bytes) out += ID_ALPHABET[b % 62];
  return out;
}

/** Deterministic per Item, so one Item's seeded history is stable within a run. */
function prng(seed: string): () => number {
  let s = createHash('sha256').update(seed).digest().readUInt32LE(0);
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const between = (rand: () => number, [lo, hi]: [number, number]): number => lo + Math.floor(rand() * (hi - lo + 1));
/** Minor units to a Plaid JSON amount: integer cents / 100 prints with at most two decimals. */
const major = (minor: number): number => minor / 100;
export const isoDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export class Ledger {
  readonly accounts: AccountRecord[];
  readonly transactions = new Map<string, TransactionRecord>();
  private readonly tombstones = new Map<string, Tombstone>();
  private seq = 0;
  /** Plaid sends SYNC_UPDATES_AVAILABLE only once /transactions/sync was called for the Item. */
  syncCalled = false;
  /** Continuation pages still to fail with TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION (control). */
  forcedMutations = 0;

  constructor(
    private readonly itemId: string,
    countryCode: string,
    nowMs: number,
  ) {
    const currency = COUNTRY_CURRENCY[countryCode] ?? DEFAULT_CURRENCY;
    const rand = prng(itemId);
    const byKey = new Map<AccountSeed['key'], AccountRecord>();
    this.accounts = ACCOUNT_SEEDS.map((a) => {
      const current = between(rand, a.current);
      const rec: AccountRecord = {
        account_id: plaidId(),
        name: a.name,
        official_name: a.official_name,
        mask: a.mask,
        type: a.type,
        subtype: a.subtype,
        balances: {
          available: major(a.limit === null ? current : a.limit - current),
          current: major(current),
          limit: a.limit === null ? null : major(a.limit),
          iso_currency_code: currency,
          unofficial_currency_code: null,
        },
      };
      byKey.set(a.key, rec);
      return rec;
    });
    const seeded: TransactionInput[] = [];
    for (const m of MERCHANT_SEEDS) {
      const start = between(rand, [1, m.everyDays ?? HISTORY_DAYS]);
      for (let i = 0; i < m.count; i++) {
        const daysAgo = m.everyDays ? start + i * m.everyDays : between(rand, [0, HISTORY_DAYS - 1]);
        const date = isoDate(nowMs - Math.min(daysAgo, HISTORY_DAYS - 1) * DAY_MS);
        seeded.push({
          account_id: (byKey.get(m.account) as AccountRecord).account_id,
          amount: major(between(rand, m.amount)),
          date,
          authorized_date: date,
          name: m.name,
          merchant_name: m.merchant_name,
          payment_channel: m.channel,
          category: m.category,
          iso_currency_code: currency,
        });
      }
    }
    seeded.sort((a, b) => a.date.localeCompare(b.date));
    // The newest card purchases have not posted yet.
    const credit = (byKey.get('credit') as AccountRecord).account_id;
    const newestCard = seeded.filter((t) => t.account_id === credit).slice(-PENDING_COUNT);
    for (const t of newestCard) t.pending = true;
    for (const t of seeded) this.add(t);
  }

  /** Sequence number of the newest change. */
  get head(): number {
    return this.seq;
  }

  account(accountId: string): AccountRecord {
    const a = this.accounts.find((x) => x.account_id === accountId);
    if (!a) throw plaidError('INVALID_FIELD', `no account ${accountId} on this item`, { status: 404 });
    return a;
  }

  transaction(transactionId: string): TransactionRecord {
    const t = this.transactions.get(transactionId);
    if (!t) throw plaidError('INVALID_FIELD', `no transaction ${transactionId} on this item`, { status: 404 });
    return t;
  }

  add(input: TransactionInput, pendingTransactionId: string | null = null): TransactionRecord {
    const account = this.account(input.account_id);
    const seq = ++this.seq;
    const tx: TransactionRecord = {
      transaction_id: plaidId(),
      account_id: input.account_id,
      amount: input.amount,
      date: input.date,
      name: input.name,
      merchant_name: input.merchant_name ?? null,
      pending: input.pending ?? false,
      authorized_date: input.authorized_date ?? null,
      payment_channel: input.payment_channel ?? 'other',
      category: input.category ?? ['GENERAL_MERCHANDISE', 'GENERAL_MERCHANDISE_OTHER_GENERAL_MERCHANDISE'],
      iso_currency_code: input.iso_currency_code !== undefined ? input.iso_currency_code : account.balances.iso_currency_code,
      unofficial_currency_code: input.unofficial_currency_code ?? null,
      pending_transaction_id: pendingTransactionId,
      createdSeq: seq,
      updatedSeq: seq,
    };
    this.transactions.set(tx.transaction_id, tx);
    return tx;
  }

  modify(transactionId: string, patch: Partial<Omit<TransactionInput, 'account_id'>>): TransactionRecord {
    const tx = this.transaction(transactionId);
    for (const [k, v] of Object.entries(patch)) if (v !== undefined) (tx as Record<string, unknown>)[k] = v;
    tx.updatedSeq = ++this.seq;
    return tx;
  }

  remove(transactionId: string): TransactionRecord {
    const tx = this.transaction(transactionId);
    this.transactions.delete(transactionId);
    this.tombstones.set(transactionId, { transaction_id: transactionId, account_id: tx.account_id, createdSeq: tx.createdSeq, removedSeq: ++this.seq });
    return tx;
  }

  /** Plaid posts a pending transaction as a new one pointing back at it; the pending one is removed. */
  settle(transactionId: string, patch: { amount?: number | undefined; date?: string | undefined }, nowMs: number): { removed: TransactionRecord; added: TransactionRecord } {
    const pending = this.transaction(transactionId);
    if (!pending.pending) throw plaidError('INVALID_FIELD', `transaction ${transactionId} is not pending`);
    const removed = this.remove(transactionId);
    const added = this.add(
      {
        ...pending,
        amount: patch.amount ?? pending.amount,
        date: patch.date ?? isoDate(nowMs),
        authorized_date: pending.authorized_date ?? pending.date,
        pending: false,
      },
      transactionId,
    );
    return { removed, added };
  }

  // ---- /transactions/sync ----------------------------------------------------------------------

  private encode(c: Cursor): string {
    return Buffer.from(JSON.stringify([this.itemId, c.base, c.head, c.offset])).toString('base64url');
  }

  private decode(cursor: string): Cursor {
    const bad = () => plaidError('INVALID_FIELD', 'cursor is not valid for this item');
    let parts: unknown;
    try {
      parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    } catch {
      throw bad();
    }
    if (!Array.isArray(parts) || parts.length !== 4 || parts[0] !== this.itemId || !parts.slice(1).every((n) => Number.isSafeInteger(n) && n >= 0)) throw bad();
    const [, base, head, offset] = parts as [string, number, number, number];
    if (base > head || head > this.seq) throw bad();
    return { base, head, offset };
  }

  /** One page of net changes after `cursor` ("" or undefined: the whole history; "now": none). */
  sync(cursor: string | undefined, count: number, accountId: string | undefined): SyncPage {
    this.syncCalled = true;
    if (cursor === 'now') return { added: [], modified: [], removed: [], next_cursor: this.encode({ base: this.seq, head: this.seq, offset: 0 }), has_more: false };
    const c = cursor ? this.decode(cursor) : { base: 0, head: this.seq, offset: 0 };
    if (c.offset > 0) {
      if (this.forcedMutations > 0) {
        this.forcedMutations -= 1;
        throw mutationDuringPagination();
      }
      if (c.head !== this.seq) throw mutationDuringPagination();
    }
    const head = c.offset > 0 ? c.head : this.seq;
    const mine = (t: { account_id: string }): boolean => accountId === undefined || t.account_id === accountId;
    const byDate = (a: TransactionRecord, b: TransactionRecord): number => a.date.localeCompare(b.date) || a.createdSeq - b.createdSeq;
    const alive = [...this.transactions.values()].filter(mine);
    const updates: Array<{ kind: 'added' | 'modified'; tx: TransactionRecord } | { kind: 'removed'; tx: Tombstone }> = [
      ...alive.filter((t) => t.createdSeq > c.base).sort(byDate).map((tx) => ({ kind: 'added' as const, tx })),
      ...alive.filter((t) => t.createdSeq <= c.base && t.updatedSeq > c.base).sort(byDate).map((tx) => ({ kind: 'modified' as const, tx })),
      ...[...this.tombstones.values()]
        .filter((t) => mine(t) && t.createdSeq <= c.base && t.removedSeq > c.base)
        .sort((a, b) => a.removedSeq - b.removedSeq)
        .map((tx) => ({ kind: 'removed' as const, tx })),
    ];
    const page = updates.slice(c.offset, c.offset + count);
    const hasMore = c.offset + count < updates.length;
    const out: SyncPage = { added: [], modified: [], removed: [], has_more: hasMore, next_cursor: '' };
    for (const u of page) {
      if (u.kind === 'removed') out.removed.push({ transaction_id: u.tx.transaction_id, account_id: u.tx.account_id });
      else out[u.kind].push(u.tx);
    }
    out.next_cursor = this.encode(hasMore ? { base: c.base, head, offset: c.offset + count } : { base: head, head, offset: 0 });
    return out;
  }
}

function mutationDuringPagination() {
  return plaidError('TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION');
}
