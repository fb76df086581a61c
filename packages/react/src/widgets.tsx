import { useEffect } from 'react';
import { usePlaidLink, type PlaidLinkError } from 'react-plaid-link';
import { GatewayError } from './client.js';
import type { LinkMode, Provider } from './generated/graphql.js';

/** One open widget session: its link token and how it ends (a public token for CREATE, null for UPDATE). */
export interface WidgetSession {
  provider: Provider;
  token: string;
  mode: LinkMode;
  done(publicToken: string | null): void;
  fail(e: GatewayError): void;
}

const cancelled = () => new GatewayError('CANCELLED', 'The widget was closed before the bank was linked.');

function plaidExitError(err: PlaidLinkError | null): GatewayError {
  return err ? new GatewayError('PROVIDER_REJECTED', err.display_message || err.error_message, { provider: 'PLAID', providerCode: err.error_code }) : cancelled();
}

/** Plaid Link through react-plaid-link: mounted by GatewayProvider while a Plaid session is open. */
export function PlaidWidget({ session }: { session: WidgetSession }) {
  const { open, ready, error } = usePlaidLink({
    token: session.token,
    onSuccess: (publicToken) => session.done(session.mode === 'UPDATE' ? null : publicToken),
    onExit: (err) => session.fail(plaidExitError(err)),
  });
  useEffect(() => {
    if (ready) open();
  }, [ready, open]);
  useEffect(() => {
    if (error) session.fail(new GatewayError('NETWORK', 'Plaid Link could not be loaded.'));
  }, [error, session]);
  return null;
}

/** MoneyKit Connect: a plain launcher, loaded only when first used (demo mode never loads it). */
export async function runMoneyKitWidget(token: string, mode: LinkMode): Promise<string | null> {
  const { default: MoneyKit } = await import('@moneykit/connect');
  return new Promise((resolve, reject) => {
    const connect = new MoneyKit();
    const onExit = (err: { displayed_message: string; request_id: string | null } | null) =>
      reject(err ? new GatewayError('PROVIDER_REJECTED', err.displayed_message, { provider: 'MONEYKIT', requestId: err.request_id }) : cancelled());
    if (mode === 'UPDATE') connect.relink(token, () => resolve(null), onExit);
    else connect.link(token, (exchangeableToken) => resolve(exchangeableToken), onExit);
  });
}
