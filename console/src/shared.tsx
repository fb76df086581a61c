import { GatewayProvider, type GatewayError, type GatewayErrorCode } from '@aggregator-gateway/react';
import { useEffect, useState, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import './style.css';

/** Typed errors in words for operators; the gateway's own message and code follow. */
const ERROR_WORDS: Record<GatewayErrorCode, string> = {
  NOT_FOUND: 'No such connection, or it is not visible to this token.',
  INVALID_INPUT: 'The gateway refused the input.',
  SANDBOX_ONLY: 'Reset works only on sandbox connections; this one is in production.',
  INVALID_STATE: "The provider refuses this in the connection's current state.",
  RATE_LIMITED: 'The provider is rate-limiting requests; try again later.',
  PROVIDER_UNAVAILABLE: 'The provider cannot be reached right now; the connection was left as it was.',
  PROVIDER_REJECTED: 'The provider refused the request.',
  PROVIDER_NOT_CONFIGURED: 'The gateway has no credentials for this provider.',
  UNAUTHENTICATED: 'The gateway refused this token: it is missing, malformed, badly signed or expired. Paste a valid bearer token.',
  CANCELLED: 'The widget was closed before it finished.',
  NETWORK: 'The gateway could not be reached or answered unexpectedly.',
  GRAPHQL: 'The gateway rejected the request.',
};

export function ErrorText({ error }: { error: GatewayError | null }) {
  if (!error) return null;
  const retry = typeof error.details.retryAfterSeconds === 'number' ? ` Retry after ${error.details.retryAfterSeconds} s.` : '';
  const raw = typeof error.details.providerCode === 'string' ? ` Provider code: ${error.details.providerCode}.` : '';
  return (
    <p className="error" role="alert">
      {ERROR_WORDS[error.code]}
      {retry}
      {raw} <span className="muted">({error.code}: {error.message})</span>
    </p>
  );
}

const TOKEN_KEY = 'aggregator-gateway.token';

/** What the token says about its holder (display only: the gateway is what verifies it). */
function claims(token: string): { sub?: string; admin: boolean } {
  try {
    const payload = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as { sub?: unknown; scope?: unknown };
    return { sub: typeof payload.sub === 'string' ? payload.sub : undefined, admin: typeof payload.scope === 'string' && payload.scope.split(' ').includes('admin') };
  } catch {
    return { admin: false };
  }
}

/** Paste a token; the page below talks to this same gateway with it (kept for this browser tab only). */
function TokenGate({ title, children }: { title: string; children: ReactNode }) {
  const [token, setToken] = useState(() => sessionStorage.getItem(TOKEN_KEY) ?? '');
  const [draft, setDraft] = useState('');
  const [demo, setDemo] = useState<boolean | null>(null);
  useEffect(() => {
    fetch('config.json')
      .then((r) => r.json() as Promise<{ demoMode?: boolean }>)
      .then((c) => setDemo(c.demoMode === true))
      .catch(() => setDemo(false));
  }, []);
  const use = (t: string) => {
    sessionStorage.setItem(TOKEN_KEY, t);
    setToken(t);
  };
  const who = token ? claims(token) : null;
  return (
    <>
      <header>
        <h1>{title}</h1>
        {demo && <span className="badge demo">demo mode</span>}
        <form
          className="token"
          onSubmit={(e) => {
            e.preventDefault();
            use(draft.trim());
            setDraft('');
          }}
        >
          <label>
            Bearer token <input name="token" type="password" autoComplete="off" value={draft} onChange={(e) => setDraft(e.target.value)} placeholder="paste a JWT" />
          </label>
          <button type="submit" disabled={!draft.trim()}>
            Use token
          </button>
          {token && (
            <button type="button" onClick={() => use('')}>
              Forget token
            </button>
          )}
        </form>
        {who && (
          <span className="who" data-testid="who">
            {who.sub ?? 'unknown subject'}
            {who.admin ? ' (admin: every user)' : ''}
          </span>
        )}
      </header>
      <main>
        {!token && <p className="hint">Paste a bearer token (in demo mode, the &quot;Demo token&quot; line printed at start) to begin.</p>}
        {token && demo !== null && (
          // A new token is a new session: remount everything below with it.
          <GatewayProvider key={token} url={location.origin} getToken={() => token} demo={demo}>
            {children}
          </GatewayProvider>
        )}
      </main>
    </>
  );
}

export function mount(title: string, page: ReactNode) {
  createRoot(document.getElementById('root')!).render(<TokenGate title={title}>{page}</TokenGate>);
}
