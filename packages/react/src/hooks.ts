import { useCallback, useEffect, useRef, useState } from 'react';
import { GatewayError, unwrap } from './client.js';
import {
  KitCompleteUpdateLinkDocument,
  KitConnectionDocument,
  KitConnectionEventsDocument,
  KitConnectionsDocument,
  KitConnectionUpdatedDocument,
  KitCreateLinkTokenDocument,
  KitCreateUpdateLinkTokenDocument,
  KitExchangePublicTokenDocument,
  KitRefreshConnectionDocument,
  KitRemoveConnectionDocument,
  KitResetConnectionDocument,
  type ConnectionFilter,
  type CreateLinkTokenInput,
  type KitConnectionEventsQuery,
  type KitConnectionFragment,
  type Provider,
} from './generated/graphql.js';
import { useGateway } from './provider.js';

export type Connection = KitConnectionFragment;
export type ConnectionEvent = NonNullable<KitConnectionEventsQuery['connection']>['events'][number];

const asGatewayError = (e: unknown) => (e instanceof GatewayError ? e : new GatewayError('NETWORK', e instanceof Error ? e.message : String(e)));

export interface Loaded<T> {
  data: T;
  loading: boolean;
  error: GatewayError | null;
  reload(): Promise<void>;
}

/** Load with `load`, reload whenever the key changes; errors become GatewayErrors. */
function useLoaded<T>(initial: T, key: string, load: () => Promise<T>): Loaded<T> & { set(f: (t: T) => T): void; fail(e: GatewayError): void } {
  const [state, setState] = useState<{ data: T; loading: boolean; error: GatewayError | null }>({ data: initial, loading: true, error: null });
  const loadRef = useRef(load);
  loadRef.current = load;
  const reload = useCallback(async () => {
    try {
      const data = await loadRef.current();
      setState({ data, loading: false, error: null });
    } catch (e) {
      setState((s) => ({ ...s, loading: false, error: asGatewayError(e) }));
    }
  }, []);
  useEffect(() => {
    setState((s) => ({ ...s, loading: true }));
    void reload();
  }, [key, reload]);
  const set = useCallback((f: (t: T) => T) => setState((s) => ({ ...s, data: f(s.data) })), []);
  const fail = useCallback((error: GatewayError) => setState((s) => ({ ...s, error })), []);
  return { ...state, reload, set, fail };
}

/** Subscribe to connectionUpdated (all the caller's connections, or one) while mounted. */
export function useConnectionUpdates(onUpdate: (c: Connection) => void, id?: string | null, onError?: (e: GatewayError) => void): void {
  const { client } = useGateway();
  const handlers = useRef({ onUpdate, onError });
  handlers.current = { onUpdate, onError };
  useEffect(() => {
    if (id === null) return;
    return client.subscribe(
      KitConnectionUpdatedDocument,
      id ? { id } : {},
      (d) => handlers.current.onUpdate(d.connectionUpdated),
      (e) => handlers.current.onError?.(e),
    );
  }, [client, id]);
}

export interface UseConnectionsOptions {
  filter?: ConnectionFilter;
  /** Page size, at most 100 (the gateway's limit). */
  first?: number;
}

/** The caller's connections (admins: everyone's), newest first, kept current by live updates. */
export function useConnections(opts: UseConnectionsOptions = {}): Loaded<{ connections: Connection[]; totalCount: number }> {
  const { client, onChanged } = useGateway();
  const variables = { first: opts.first ?? 100, filter: opts.filter ?? null };
  const loaded = useLoaded({ connections: [] as Connection[], totalCount: 0 }, JSON.stringify(variables), async () => {
    const d = await client.request(KitConnectionsDocument, variables);
    return { connections: d.connections.edges.map((e) => e.node), totalCount: d.connections.totalCount ?? 0 };
  });
  const { reload, set } = loaded;
  useEffect(() => onChanged(() => void reload()), [onChanged, reload]);
  useConnectionUpdates(
    (c) => {
      let known = false;
      set((d) => ({ ...d, connections: d.connections.map((x) => (x.id === c.id ? ((known = true), c) : x)) }));
      // A connection this list has not seen, or a filter it may have left: ask again.
      if (!known || opts.filter) void reload();
    },
    undefined,
    loaded.fail,
  );
  return loaded;
}

/** One connection by its global id (null when missing or not the caller's), kept current live. */
export function useConnection(id: string): Loaded<Connection | null> {
  const { client } = useGateway();
  const loaded = useLoaded<Connection | null>(null, id, async () => (await client.request(KitConnectionDocument, { id })).connection);
  useConnectionUpdates((c) => loaded.set(() => c), id, loaded.fail);
  return loaded;
}

/** A connection's status history (the gateway's webhook event log), newest first; reloaded on every change. */
export function useConnectionEvents(id: string, first = 20): Loaded<ConnectionEvent[]> {
  const { client } = useGateway();
  const loaded = useLoaded<ConnectionEvent[]>([], `${id}|${first}`, async () => (await client.request(KitConnectionEventsDocument, { id, first })).connection?.events ?? []);
  useConnectionUpdates(() => void loaded.reload(), id);
  return loaded;
}

export interface Action<A extends unknown[], R> {
  run(...args: A): Promise<R | null>;
  status: 'idle' | 'running' | 'done' | 'error';
  result: R | null;
  error: GatewayError | null;
}

/** An async step with its state; failures land in `error` (run resolves to null) instead of throwing. */
function useAction<A extends unknown[], R>(fn: (...args: A) => Promise<R>): Action<A, R> {
  const [state, setState] = useState<Omit<Action<A, R>, 'run'>>({ status: 'idle', result: null, error: null });
  const fnRef = useRef(fn);
  fnRef.current = fn;
  const run = useCallback(async (...args: A) => {
    setState({ status: 'running', result: null, error: null });
    try {
      const result = await fnRef.current(...args);
      setState({ status: 'done', result, error: null });
      return result;
    } catch (e) {
      setState({ status: 'error', result: null, error: asGatewayError(e) });
      return null;
    }
  }, []);
  return { ...state, run };
}

export type LinkOptions = Omit<CreateLinkTokenInput, 'provider' | 'products'> & { products?: string[] };

/**
 * A new connection: link token -> the provider's widget (Plaid Link / MoneyKit Connect; in demo
 * mode the emulator's completion) -> exchangePublicToken. `run()` resolves to the new connection.
 */
export function useLink(provider: Provider, options: LinkOptions = {}): Action<[], Connection> {
  const { client, openWidget, notifyChanged } = useGateway();
  return useAction(async () => {
    const { products = ['transactions'], ...rest } = options;
    const created = unwrap((await client.request(KitCreateLinkTokenDocument, { input: { ...rest, provider, products } })).createLinkToken, 'CreateLinkTokenPayload');
    const publicToken = await openWidget(provider, created.linkToken.token, 'CREATE');
    if (!publicToken) throw new GatewayError('PROVIDER_REJECTED', 'The widget finished without a public token.');
    const exchanged = unwrap((await client.request(KitExchangePublicTokenDocument, { input: { provider, publicToken } })).exchangePublicToken, 'ExchangePublicTokenPayload');
    notifyChanged();
    return exchanged.connection;
  });
}

/**
 * Repair a connection: update token -> the widget in update mode -> completeUpdateLink (never an
 * exchange: the connection keeps its credential). `run()` resolves to the re-read connection.
 */
export function useUpdateLink(connectionId: string): Action<[], Connection> {
  const { client, openWidget } = useGateway();
  return useAction(async () => {
    const created = unwrap((await client.request(KitCreateUpdateLinkTokenDocument, { input: { connectionId } })).createUpdateLinkToken, 'CreateUpdateLinkTokenPayload');
    await openWidget(created.linkToken.provider, created.linkToken.token, 'UPDATE');
    return unwrap((await client.request(KitCompleteUpdateLinkDocument, { input: { connectionId } })).completeUpdateLink, 'CompleteUpdateLinkPayload').connection;
  });
}

/** refresh (re-read from the provider), reset (sandbox only: forces LOGIN_REQUIRED) and remove. */
export function useConnectionActions(connectionId: string) {
  const { client, notifyChanged } = useGateway();
  const input = { connectionId };
  return {
    refresh: useAction(async () => unwrap((await client.request(KitRefreshConnectionDocument, { input })).refreshConnection, 'RefreshConnectionPayload').connection),
    reset: useAction(async () => unwrap((await client.request(KitResetConnectionDocument, { input })).resetConnection, 'ResetConnectionPayload').connection),
    remove: useAction(async () => {
      const removed = unwrap((await client.request(KitRemoveConnectionDocument, { input })).removeConnection, 'RemoveConnectionPayload').removedConnectionId;
      notifyChanged();
      return removed;
    }),
  };
}
