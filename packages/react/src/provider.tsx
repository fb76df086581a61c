import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { createGatewayClient, GatewayError, type GatewayClient } from './client.js';
import type { LinkMode, Provider } from './generated/graphql.js';
import { PlaidWidget, runMoneyKitWidget, type WidgetSession } from './widgets.js';

export interface GatewayContextValue {
  client: GatewayClient;
  demo: boolean;
  /** Run the provider's widget for a link token; resolves with the public token (null in update mode). */
  openWidget(provider: Provider, token: string, mode: LinkMode): Promise<string | null>;
  /** Tell every useConnections that the set of connections changed (a link or a removal). */
  notifyChanged(): void;
  onChanged(listener: () => void): () => void;
}

const GatewayContext = createContext<GatewayContextValue | null>(null);

export interface GatewayProviderProps {
  /** The gateway's base URL (GraphQL at `${url}/graphql`). */
  url: string;
  /** Returns the caller's bearer token; called before every request. */
  getToken: () => Promise<string> | string;
  /**
   * The gateway runs in demo mode (built-in emulators): widget steps are completed through the
   * gateway's demo completion route instead of Plaid Link / MoneyKit Connect.
   */
  demo?: boolean;
  children?: ReactNode;
}

export function GatewayProvider({ url, getToken, demo = false, children }: GatewayProviderProps) {
  // The latest getter is read at call time, so an inline arrow does not rebuild the client.
  const tokenRef = useRef(getToken);
  useEffect(() => {
    tokenRef.current = getToken;
  }, [getToken]);
  const client = useMemo(() => createGatewayClient({ url, getToken: () => tokenRef.current() }), [url]);
  const [plaidSession, setPlaidSession] = useState<WidgetSession | null>(null);
  const listeners = useRef(new Set<() => void>());

  const openWidget = useCallback(
    (provider: Provider, token: string, mode: LinkMode): Promise<string | null> => {
      if (demo) return client.completeDemoWidget(provider, token);
      if (provider === 'MONEYKIT') return runMoneyKitWidget(token, mode);
      return new Promise((resolve, reject) => {
        const end = () => setPlaidSession(null);
        setPlaidSession({ provider, token, mode, done: (t) => (end(), resolve(t)), fail: (e: GatewayError) => (end(), reject(e)) });
      });
    },
    [client, demo],
  );

  const value = useMemo<GatewayContextValue>(
    () => ({
      client,
      demo,
      openWidget,
      notifyChanged: () => listeners.current.forEach((l) => l()),
      onChanged: (l) => {
        listeners.current.add(l);
        return () => void listeners.current.delete(l);
      },
    }),
    [client, demo, openWidget],
  );

  return (
    <GatewayContext.Provider value={value}>
      {children}
      {plaidSession && <PlaidWidget key={plaidSession.token} session={plaidSession} />}
    </GatewayContext.Provider>
  );
}

export function useGateway(): GatewayContextValue {
  const ctx = useContext(GatewayContext);
  if (!ctx) throw new Error('useGateway: wrap your components in <GatewayProvider>.');
  return ctx;
}
