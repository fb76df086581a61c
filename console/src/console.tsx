import {
  useConnection,
  useConnectionActions,
  useConnectionEvents,
  useConnections,
  useGateway,
  useUpdateLink,
  type Connection,
  type ConnectionStatus,
  type Provider,
} from '@aggregator-gateway/react';
import { useMemo, useState } from 'react';
import { ErrorText, mount } from './shared.js';

/** Every status, in the order operators read them (healthy first, then what needs someone). */
const STATUS_LABELS: Record<ConnectionStatus, string> = {
  CONNECTED: 'Connected',
  CONNECTING: 'Connecting',
  EXPIRING: 'Expiring',
  LOGIN_REQUIRED: 'Login required',
  USER_ACTION_REQUIRED: 'User action required',
  INSTITUTION_ERROR: 'Institution error',
  PROVIDER_ERROR: 'Provider error',
  DISCONNECTED: 'Disconnected',
  UNKNOWN: 'Unknown',
};
const STATUSES = Object.keys(STATUS_LABELS) as ConnectionStatus[];
const PROVIDER_LABELS: Record<Provider, string> = { PLAID: 'Plaid', MONEYKIT: 'MoneyKit' };
const PROVIDERS = Object.keys(PROVIDER_LABELS) as Provider[];

function Bars<K extends string>({ title, counts, labels }: { title: string; counts: Record<K, number>; labels: Record<K, string> }) {
  const max = Math.max(1, ...Object.values<number>(counts));
  return (
    <figure className="chart" aria-label={title}>
      <figcaption>{title}</figcaption>
      {(Object.keys(labels) as K[]).map((k) => (
        <div className="bar-row" key={k} data-testid={`count-${k}`}>
          <span className="bar-label">{labels[k]}</span>
          <span className="bar-track">
            <span className={`bar status-${k}`} style={{ width: `${(counts[k] / max) * 100}%` }} />
          </span>
          <span className="bar-count">{counts[k]}</span>
        </div>
      ))}
    </figure>
  );
}

function countBy<K extends string>(keys: K[], items: Connection[], key: (c: Connection) => K): Record<K, number> {
  const counts = Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
  for (const c of items) counts[key(c)] += 1;
  return counts;
}

function StatusBadge({ status }: { status: ConnectionStatus }) {
  return <span className={`badge status-${status}`}>{status}</span>;
}

function Dashboard() {
  const { data, loading, error } = useConnections({ first: 100 });
  const [status, setStatus] = useState<ConnectionStatus | ''>('');
  const [provider, setProvider] = useState<Provider | ''>('');
  const [text, setText] = useState('');
  const [selected, setSelected] = useState<string | null>(null);
  const shown = useMemo(() => {
    const q = text.trim().toLowerCase();
    return data.connections.filter(
      (c) =>
        (!status || c.status === status) &&
        (!provider || c.provider === provider) &&
        (!q || [c.userId, c.id, c.providerConnectionId, c.institution?.name ?? '', c.error?.providerCode ?? ''].some((v) => v.toLowerCase().includes(q))),
    );
  }, [data.connections, status, provider, text]);

  if (error && !data.connections.length) return <ErrorText error={error} />;
  if (loading && !data.connections.length) return <p className="hint">Loading connections…</p>;
  return (
    <>
      <ErrorText error={error} />
      <section className="charts">
        <Bars title="Connections by status" counts={countBy(STATUSES, data.connections, (c) => c.status)} labels={STATUS_LABELS} />
        <Bars title="Connections by provider" counts={countBy(PROVIDERS, data.connections, (c) => c.provider)} labels={PROVIDER_LABELS} />
      </section>
      <p className="muted" data-testid="total">
        {data.connections.length} of {data.totalCount} connections loaded; updates arrive live.
      </p>
      <section className="filters">
        <label>
          Status{' '}
          <select name="status" value={status} onChange={(e) => setStatus(e.target.value as ConnectionStatus | '')}>
            <option value="">all</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {STATUS_LABELS[s]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Provider{' '}
          <select name="provider" value={provider} onChange={(e) => setProvider(e.target.value as Provider | '')}>
            <option value="">all</option>
            {PROVIDERS.map((p) => (
              <option key={p} value={p}>
                {PROVIDER_LABELS[p]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Search <input name="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="user, institution, id, error code" />
        </label>
      </section>
      <div className="layout">
        <table>
          <thead>
            <tr>
              <th>Provider</th>
              <th>Institution</th>
              <th>User</th>
              <th>Status</th>
              <th>Action</th>
              <th>Error code</th>
              <th>Status since</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((c) => (
              <tr key={c.id} data-connection={c.providerConnectionId} className={c.id === selected ? 'selected' : ''} onClick={() => setSelected(c.id)}>
                <td>{PROVIDER_LABELS[c.provider]}</td>
                <td>{c.institution?.name ?? c.institution?.id ?? '—'}</td>
                <td>{c.userId}</td>
                <td>
                  <StatusBadge status={c.status} />
                </td>
                <td>{c.requiredAction}</td>
                <td>{c.error?.providerCode ?? ''}</td>
                <td>{new Date(c.statusChangedAt).toLocaleString()}</td>
              </tr>
            ))}
            {!shown.length && (
              <tr>
                <td colSpan={7} className="muted">
                  No connections match.
                </td>
              </tr>
            )}
          </tbody>
        </table>
        {selected && <Detail key={selected} id={selected} onRemoved={() => setSelected(null)} />}
      </div>
    </>
  );
}

function Detail({ id, onRemoved }: { id: string; onRemoved(): void }) {
  const { demo } = useGateway();
  const { data: c, error } = useConnection(id);
  const events = useConnectionEvents(id);
  const { refresh, reset, remove } = useConnectionActions(id);
  const update = useUpdateLink(id);
  if (!c) return <aside className="detail">{error ? <ErrorText error={error} /> : <p className="hint">Loading…</p>}</aside>;
  return (
    <aside className="detail" data-testid="detail">
      <h2>
        {PROVIDER_LABELS[c.provider]} · {c.institution?.name ?? c.providerConnectionId} <StatusBadge status={c.status} />
      </h2>
      <dl>
        <dt>Connection id</dt>
        <dd>{c.id}</dd>
        <dt>Provider id</dt>
        <dd>{c.providerConnectionId}</dd>
        <dt>User</dt>
        <dd>{c.userId}</dd>
        <dt>Required action</dt>
        <dd>{c.requiredAction}</dd>
        <dt>Products</dt>
        <dd>{c.products.join(', ') || '—'}</dd>
        <dt>Consent expires</dt>
        <dd>{c.consentExpiresAt ? new Date(c.consentExpiresAt).toLocaleString() : '—'}</dd>
        <dt>Last synced</dt>
        <dd>{c.lastSyncedAt ? new Date(c.lastSyncedAt).toLocaleString() : '—'}</dd>
      </dl>
      {c.error && (
        <div className="provider-error" data-testid="provider-error">
          <h3>Error</h3>
          <p>
            <code>{c.error.providerCode}</code>
            {c.error.providerType && <> ({c.error.providerType})</>}: {c.error.message}
          </p>
          {c.error.displayMessage && <p className="muted">Shown to the user: {c.error.displayMessage}</p>}
        </div>
      )}
      <div className="actions">
        <button onClick={() => void refresh.run()} disabled={refresh.status === 'running'}>
          Refresh
        </button>
        <button onClick={() => void reset.run()} disabled={reset.status === 'running'}>
          Reset (sandbox)
        </button>
        {demo ? (
          <button onClick={() => void update.run()} disabled={update.status === 'running'}>
            Update link
          </button>
        ) : (
          <span className="muted">Update link runs in the user&apos;s app (the provider widget needs the end user).</span>
        )}
        <button
          className="danger"
          onClick={() => {
            if (confirm('Remove this connection at the provider? Only a new link can bring it back.')) void remove.run().then((r) => r && onRemoved());
          }}
          disabled={remove.status === 'running'}
        >
          Remove
        </button>
      </div>
      {[refresh, reset, update, remove].map((a, i) => (
        <ErrorText key={i} error={a.error} />
      ))}
      <h3>Status history</h3>
      <ErrorText error={events.error} />
      <table className="history">
        <thead>
          <tr>
            <th>Received</th>
            <th>Event</th>
            <th>Status</th>
            <th>Code</th>
            <th>Outcome</th>
          </tr>
        </thead>
        <tbody>
          {events.data.map((e, i) => (
            <tr key={i}>
              <td>{new Date(e.receivedAt).toLocaleString()}</td>
              <td className="code">{e.eventType}</td>
              <td>{e.status ? <StatusBadge status={e.status} /> : '—'}</td>
              <td className="code">{e.providerCode ?? ''}</td>
              <td>{e.outcome ?? 'pending'}</td>
            </tr>
          ))}
          {!events.data.length && (
            <tr>
              <td colSpan={5} className="muted">
                No webhook deliveries recorded for this connection yet.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <h3>Accounts and balances</h3>
      <table className="history" data-testid="accounts">
        <thead>
          <tr>
            <th>Account</th>
            <th>Type</th>
            <th>Current</th>
            <th>Available</th>
            <th>As of</th>
          </tr>
        </thead>
        <tbody>
          {c.accounts.map((a) => (
            <tr key={a.id}>
              <td>
                {a.name}
                {a.mask ? ` ··${a.mask}` : ''}
              </td>
              <td>{[a.type, a.subtype].filter(Boolean).join(' · ')}</td>
              {/* Exact decimal strings from the gateway, shown as sent (never through a float). */}
              <td>{a.balances.current ?? '—'} {a.balances.currency ?? ''}</td>
              <td>{a.balances.available ?? '—'}</td>
              <td>{a.balances.asOf ? new Date(a.balances.asOf).toLocaleString() : '—'}</td>
            </tr>
          ))}
          {!c.accounts.length && (
            <tr>
              <td colSpan={5} className="muted">
                No accounts read yet{c.accountsUpdatedAt ? '' : ' (the provider has not been read since linking)'}.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </aside>
  );
}

mount('Connections console', <Dashboard />);
