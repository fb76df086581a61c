import { useConnections, useLink, useUpdateLink, type Connection } from '@aggregator-gateway/react';
import { ErrorText, mount } from './shared.js';

/** A small page built from the kit alone: link a bank with each provider, repair through update mode. */
function LinkButton({ provider, label }: { provider: 'PLAID' | 'MONEYKIT'; label: string }) {
  const link = useLink(provider, { products: ['transactions'] });
  return (
    <div className="link">
      <button onClick={() => void link.run()} disabled={link.status === 'running'}>
        {label}
      </button>
      {link.status === 'done' && link.result && <span data-testid={`linked-${provider}`}> linked {link.result.providerConnectionId}</span>}
      <ErrorText error={link.error} />
    </div>
  );
}

function Row({ c }: { c: Connection }) {
  const repair = useUpdateLink(c.id);
  return (
    <li data-connection={c.providerConnectionId}>
      {c.provider} {c.institution?.name ?? ''} <span className={`badge status-${c.status}`}>{c.status}</span>{' '}
      {c.requiredAction === 'UPDATE_LINK' && (
        <button onClick={() => void repair.run()} disabled={repair.status === 'running'}>
          Repair (update mode)
        </button>
      )}
      <ErrorText error={repair.error} />
    </li>
  );
}

function LinkDemo() {
  const { data, error } = useConnections();
  return (
    <>
      <section className="links">
        <LinkButton provider="PLAID" label="Link a bank with Plaid" />
        <LinkButton provider="MONEYKIT" label="Link a bank with MoneyKit" />
      </section>
      <h2>My connections</h2>
      <ErrorText error={error} />
      <ul className="mine">
        {data.connections.map((c) => (
          <Row key={c.id} c={c} />
        ))}
      </ul>
    </>
  );
}

mount('Kit demo: link a bank', <LinkDemo />);
