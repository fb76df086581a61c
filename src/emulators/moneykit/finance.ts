// Accounts and transactions of the MoneyKit emulator: the two data-product endpoints a gateway reads
// and the control calls a test (or a person in demo mode) uses to change a link's data.
//
// API (Bearer auth, link errors as for every link-scoped call, REFERENCE §6.4):
//   GET /links/{id}/accounts?account_ids=        -> {accounts: AccountResponse[], link}
//   GET /links/{id}/transactions/sync?cursor=&size= (size 1..500, default 50)
//        -> {transactions: {created, updated, removed}, accounts, cursor: {next}, has_more, link}
//   A link that is not `connected` answers 422 link_error.bad_state with its error code in
//   `link_error_code`; an unusable cursor or size answers 422 api_error.request.validation_failed.
//
// Controls (no auth; each change sends the webhook MoneyKit documents for it after answering):
//   GET    /emulator/links/{id}/transactions                  -> {transactions} (posted and pending)
//   POST   /emulator/links/{id}/transactions                  TransactionInput -> 201 {transaction}
//   PATCH  /emulator/links/{id}/transactions/{txn_id}         TransactionInput -> {transaction}
//   DELETE /emulator/links/{id}/transactions/{txn_id}         -> {removed: txn_id}
//   POST   /emulator/links/{id}/transactions/{txn_id}/settle  {amount?, date?} -> {settled: txn_id, transaction}
//   POST   /emulator/links/{id}/accounts/{account_id}/balances {current?, available?, limit?, currency?} -> {account}
//   POST   /emulator/links/{id}/tricky-numbers                -> {account_ids, transaction_ids}
// Transaction changes send `transactions.updates_available`; balance changes send
// `link.product_refresh` for the `accounts` product (state `completed`): MoneyKit documents no
// balance-specific webhook. Balance values are decimal text (JSON number literals), written raw.
import { z } from 'zod';
import { ApiError, jsonBody, nowIso, parseWith, type Ctx, type Reply, type RouteDef } from './api.js';
import { Ledger, LedgerError, type TransactionRecord } from './ledger.js';
import { JSON_NUMBER, stringifyRaw } from './raw-json.js';

/** What this module needs to know about a link. */
export interface FinanceLink {
  link_id: string;
  state: string;
  error_code: string | null;
  ledger: Ledger;
  products: Map<string, { refreshed_at: string | null; last_attempted_at: string | null }>;
}

export interface FinanceDeps<L extends FinanceLink> {
  /** The link for a link-scoped API call (404 / 401 / 410 as MoneyKit orders them). */
  requireLink(ctx: Ctx): L;
  /** The link for a control call, or undefined. */
  findLink(id: string): L | undefined;
  toLinkCommon(link: L): unknown;
  emitWebhook(link: L, body: Record<string, unknown>, schedule?: (fn: () => void) => void): unknown;
}

const decimalText = z.string().regex(/^(0|[1-9][0-9]*)(\.[0-9]+)?$/, 'a non-negative decimal string like "12.34"');
const isoDay = z.iso.date();

export const transactionInputSchema = z.strictObject({
  account_id: z.string().min(1).optional(),
  amount: decimalText.optional(),
  type: z.enum(['debit', 'credit']).optional(),
  date: isoDay.optional(),
  description: z.string().min(1).max(500).optional(),
  pending: z.boolean().optional(),
  category: z.string().min(1).nullable().optional(),
});
export type TransactionControlInput = z.infer<typeof transactionInputSchema>;

const settleInputSchema = z.strictObject({ amount: decimalText.optional(), date: isoDay.optional() });

const balanceValue = z.string().regex(JSON_NUMBER, 'a JSON number literal as a string, e.g. "12.34" or "1e21"').nullable().optional();
export const balancesInputSchema = z.strictObject({
  current: balanceValue,
  available: balanceValue,
  limit: balanceValue,
  currency: z.string().min(3).max(8).optional(),
});
export type BalancesInput = z.infer<typeof balancesInputSchema>;

const syncQuerySchema = z.object({
  cursor: z.string().min(1).optional(),
  size: z.coerce.number().int().min(1).max(500).default(50),
});

// Numbers a float-based gateway cannot carry exactly; balances go on the wire as raw number tokens.
const TRICKY = {
  account: { account_type: 'depository.checking', name: 'Tricky Numbers Checking', currency: 'USD', current: '0.30000000000000004', available: '1e21', limit: '-0' },
  crypto: { account_type: 'other.crypto', name: 'Crypto Wallet', currency: 'BTC', current: '0.12345678', available: '0.12345678', limit: null },
  usdAmount: '0.30000000000000004',
  cryptoAmount: '0.00000001',
} as const;

function transactionResponse(t: TransactionRecord): Record<string, unknown> {
  return {
    transaction_id: t.transaction_id,
    account_id: t.account_id,
    amount: t.amount,
    type: t.type,
    currency: t.currency,
    date: t.date,
    datetime: null,
    description: t.description,
    raw_description: t.raw_description,
    pending: t.pending,
    category: t.category,
    enrichment: t.category
      ? {
          category: { value: t.category, confidence: 90 },
          subcategory: null,
          merchant: { id: null, name: t.description, logo: null, confidence: 90 },
          processor: null,
          recurrence: null,
        }
      : null,
    original_id: null,
  };
}

const rawReply = (status: number, body: unknown): Reply => ({ status, raw: stringifyRaw(body), headers: { 'content-type': 'application/json' } });

function controlError(err: unknown): never {
  if (!(err instanceof LedgerError)) throw err;
  const status = err.code === 'not_pending' ? 409 : 404;
  throw new ApiError(`emulator_error.${err.code}`, { status, message: err.message });
}

export function createFinance<L extends FinanceLink>(deps: FinanceDeps<L>) {
  function usable(ctx: Ctx): L {
    const link = deps.requireLink(ctx);
    if (link.state !== 'connected') {
      throw new ApiError('link_error.bad_state', {
        message: `Link is in state ${link.state}.`,
        extra: { link_error_code: link.error_code ?? link.state },
      });
    }
    return link;
  }

  function controlLink(id: string): L {
    const link = deps.findLink(id);
    if (!link) throw new ApiError('emulator_error.link_not_found', { status: 404, message: `No link ${id}` });
    return link;
  }

  function refreshed(link: L, product: 'accounts' | 'transactions'): void {
    const p = link.products.get(product);
    if (p) p.refreshed_at = p.last_attempted_at = nowIso();
  }

  function transactionsChanged(link: L, ctx?: Ctx): void {
    refreshed(link, 'transactions');
    deps.emitWebhook(link, { webhook_event: 'transactions.updates_available', has_history: true }, ctx?.defer);
  }

  function accountsChanged(link: L, ctx?: Ctx): void {
    refreshed(link, 'accounts');
    deps.emitWebhook(
      link,
      { webhook_event: 'link.product_refresh', product: 'accounts', state: 'completed', state_changed_at: nowIso(), error_message: null },
      ctx?.defer,
    );
  }

  /** Runs a ledger change on a control link and announces it; `ctx` defers the webhook until after the answer. */
  function change<T>(linkId: string, kind: 'transactions' | 'accounts' | 'both', fn: (l: Ledger) => T, ctx?: Ctx): T {
    const link = controlLink(linkId);
    let out: T;
    try {
      out = fn(link.ledger);
    } catch (err) {
      controlError(err);
    }
    if (kind !== 'accounts') transactionsChanged(link, ctx);
    if (kind !== 'transactions') accountsChanged(link, ctx);
    return out;
  }

  const ops = {
    listTransactions: (linkId: string) => controlLink(linkId).ledger.allTransactions().map(transactionResponse),
    addTransaction: (linkId: string, input: TransactionControlInput, ctx?: Ctx) =>
      transactionResponse(change(linkId, 'transactions', (l) => l.add(parseWith(transactionInputSchema, input)), ctx)),
    modifyTransaction: (linkId: string, txnId: string, input: TransactionControlInput, ctx?: Ctx) =>
      transactionResponse(change(linkId, 'transactions', (l) => l.modify(txnId, parseWith(transactionInputSchema, input)), ctx)),
    removeTransaction: (linkId: string, txnId: string, ctx?: Ctx): void => change(linkId, 'transactions', (l) => l.remove(txnId), ctx),
    settleTransaction: (linkId: string, txnId: string, input: { amount?: string; date?: string } = {}, ctx?: Ctx) =>
      transactionResponse(change(linkId, 'transactions', (l) => l.settle(txnId, parseWith(settleInputSchema, input)), ctx)),
    setBalances(linkId: string, accountId: string, input: BalancesInput, ctx?: Ctx) {
      const { currency, ...balances } = parseWith(balancesInputSchema, input);
      const account = change(linkId, 'accounts', (l) => l.setBalances(accountId, balances, currency), ctx);
      return controlLink(linkId).ledger.accountResponse(account);
    },
    /** Adds an account and transactions whose numbers only exact-decimal handling carries through. */
    trickyNumbers(linkId: string, ctx?: Ctx): { account_ids: string[]; transaction_ids: string[] } {
      return change(
        linkId,
        'both',
        (l) => {
          const accounts = [TRICKY.account, TRICKY.crypto].map(({ current, available, limit, ...a }) =>
            l.addAccount({ ...a, account_mask: null, balances: { current, available, limit } }),
          );
          const txns = [
            l.add({ account_id: accounts[0]!.account_id, amount: TRICKY.usdAmount, type: 'debit', description: 'Float Artefact Store', category: 'shopping' }),
            l.add({ account_id: accounts[1]!.account_id, amount: TRICKY.cryptoAmount, type: 'credit', description: 'Satoshi Faucet', category: 'income' }),
          ];
          return { account_ids: accounts.map((a) => a.account_id), transaction_ids: txns.map((t) => t.transaction_id) };
        },
        ctx,
      );
    },
  };

  function getAccounts(ctx: Ctx): Reply {
    const link = usable(ctx);
    const ids = ctx.query.getAll('account_ids');
    return rawReply(200, { accounts: link.ledger.listAccounts(ids).map((a) => link.ledger.accountResponse(a)), link: deps.toLinkCommon(link) });
  }

  function syncTransactions(ctx: Ctx): Reply {
    const link = usable(ctx);
    const q = parseWith(syncQuerySchema, Object.fromEntries(ctx.query), 'query');
    let page;
    try {
      page = link.ledger.sync(q.cursor ?? null, q.size);
    } catch (err) {
      if (!(err instanceof LedgerError)) throw err;
      throw new ApiError('api_error.request.validation_failed', {
        extra: { validation_errors: [{ location: ['query', 'cursor'], message: err.message, type: 'value_error' }] },
      });
    }
    return rawReply(200, {
      transactions: {
        created: page.transactions.created.map(transactionResponse),
        updated: page.transactions.updated.map(transactionResponse),
        removed: page.transactions.removed,
      },
      accounts: link.ledger.listAccounts().map((a) => link.ledger.accountResponse(a)),
      cursor: { next: page.cursorNext },
      has_more: page.hasMore,
      link: deps.toLinkCommon(link),
    });
  }

  const p = (ctx: Ctx, name: string): string => ctx.params[name]!;
  const apiRoutes: RouteDef[] = [
    { method: 'GET', path: '/links/{id}/accounts', auth: true, handler: getAccounts },
    { method: 'GET', path: '/links/{id}/transactions/sync', auth: true, handler: syncTransactions },
  ];
  const controlRoutes: RouteDef[] = [
    { method: 'GET', path: '/emulator/links/{id}/transactions', handler: (ctx: Ctx): Reply => ({ status: 200, body: { transactions: ops.listTransactions(p(ctx, 'id')) } }) },
    {
      method: 'POST',
      path: '/emulator/links/{id}/transactions',
      handler: (ctx: Ctx): Reply => ({ status: 201, body: { transaction: ops.addTransaction(p(ctx, 'id'), jsonObject(ctx), ctx) } }),
    },
    {
      method: 'PATCH',
      path: '/emulator/links/{id}/transactions/{txn_id}',
      handler: (ctx: Ctx): Reply => ({ status: 200, body: { transaction: ops.modifyTransaction(p(ctx, 'id'), p(ctx, 'txn_id'), jsonObject(ctx), ctx) } }),
    },
    {
      method: 'DELETE',
      path: '/emulator/links/{id}/transactions/{txn_id}',
      handler: (ctx: Ctx): Reply => (ops.removeTransaction(p(ctx, 'id'), p(ctx, 'txn_id'), ctx), { status: 200, body: { removed: p(ctx, 'txn_id') } }),
    },
    {
      method: 'POST',
      path: '/emulator/links/{id}/transactions/{txn_id}/settle',
      handler: (ctx: Ctx): Reply => ({
        status: 200,
        body: { settled: p(ctx, 'txn_id'), transaction: ops.settleTransaction(p(ctx, 'id'), p(ctx, 'txn_id'), jsonObject(ctx), ctx) },
      }),
    },
    {
      method: 'POST',
      path: '/emulator/links/{id}/accounts/{account_id}/balances',
      handler: (ctx: Ctx): Reply => rawReply(200, { account: ops.setBalances(p(ctx, 'id'), p(ctx, 'account_id'), jsonObject(ctx), ctx) }),
    },
    { method: 'POST', path: '/emulator/links/{id}/tricky-numbers', handler: (ctx: Ctx): Reply => ({ status: 200, body: ops.trickyNumbers(p(ctx, 'id'), ctx) }) },
  ];
  return { apiRoutes, controlRoutes, ops };
}

/** A control body (empty: `{}`); typed as the op's input because every op validates it with zod first. */
function jsonObject<T>(ctx: Ctx): T {
  return (jsonBody(ctx) ?? {}) as T;
}
