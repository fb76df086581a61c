import { readFile } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { z } from 'zod';
import { AuthError, type Authenticator } from './auth/auth.js';
import { PROVIDERS, type ProviderName } from './domain/connection.js';
import { packageRoot } from './package-root.js';

/**
 * Browser-facing routes besides /graphql: the operator console's static assets at /console, and
 * in demo mode only the widget completion that stands in for Plaid Link / MoneyKit Connect.
 */

export const CONSOLE_PATH = '/console';
/** Demo mode only: finishes a link or update-mode session in the emulator, as the real widget would. */
export const DEMO_COMPLETE_PATH = '/demo/link/complete';

/** `npm run build:console` writes console/dist at the package root. */
export const DEFAULT_CONSOLE_DIR = join(packageRoot(import.meta.url), 'console', 'dist');

// No inline script or style, nothing from another origin: the console talks to this gateway only.
const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

/** What each emulator's "user finished the widget" call is, and where its public token comes back. */
const EMULATOR_COMPLETION: Record<ProviderName, { path: string; body: (token: string) => object; publicToken: (r: Record<string, unknown>) => unknown }> = {
  PLAID: { path: '/emulator/link/complete', body: (t) => ({ link_token: t }), publicToken: (r) => r.public_token },
  MONEYKIT: { path: '/emulator/connect/complete', body: (t) => ({ link_session_token: t }), publicToken: (r) => r.exchangeable_token },
};

const completionInput = z.object({ provider: z.enum(PROVIDERS), linkToken: z.string().min(1).max(2000) });

export interface BrowserRoutesOptions {
  /** Folder of the built console; null when the console is off. */
  consoleDir: string | null;
  /** Demo mode: each emulator's base URL. Null outside demo mode (the completion route does not exist). */
  demoEmulators: Record<ProviderName, string> | null;
  /** Told to the console page, so it completes widgets through the emulators. */
  demoMode: boolean;
  authenticator: Authenticator;
}

/** A handler for the routes above: a Response, or null when the path is not one of them. */
export function createBrowserRoutes(opts: BrowserRoutesOptions) {
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers } });

  async function serveConsole(path: string): Promise<Response> {
    const dir = opts.consoleDir!;
    if (path === CONSOLE_PATH) return new Response(null, { status: 308, headers: { location: `${CONSOLE_PATH}/`, ...SECURITY_HEADERS } });
    if (path === `${CONSOLE_PATH}/config.json`) return json(200, { demoMode: opts.demoMode }, SECURITY_HEADERS);
    const rel = path.slice(CONSOLE_PATH.length + 1) || 'index.html';
    const type = CONTENT_TYPES[extname(rel)];
    const file = resolve(dir, rel);
    // Only files below the console folder, by a known extension; no dot-files or encoded tricks.
    if (!type || !file.startsWith(resolve(dir) + sep) || rel.split('/').some((s) => s.startsWith('.') || s === '')) {
      return json(404, { error: 'not found' }, SECURITY_HEADERS);
    }
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      const built = rel === 'index.html' ? ' (the console is not built: run `npm run build:console`)' : '';
      return json(404, { error: `not found${built}` }, SECURITY_HEADERS);
    }
    // Vite puts a content hash in every asset name: those never change; pages are revalidated.
    const cache = rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
    return new Response(new Uint8Array(body), { headers: { 'content-type': type, 'cache-control': cache, ...SECURITY_HEADERS } });
  }

  async function completeInEmulator(request: Request, emulators: Record<ProviderName, string>): Promise<Response> {
    try {
      await opts.authenticator.authenticate(request.headers.get('authorization'));
    } catch (e) {
      if (e instanceof AuthError) return json(401, { error: 'Authentication required.' }, { 'www-authenticate': 'Bearer' });
      throw e;
    }
    const input = completionInput.safeParse(await request.json().catch(() => null));
    if (!input.success) return json(400, { error: 'Expected {"provider": "PLAID" | "MONEYKIT", "linkToken": "..."}.' });
    const how = EMULATOR_COMPLETION[input.data.provider];
    const res = await fetch(emulators[input.data.provider] + how.path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(how.body(input.data.linkToken)),
    });
    const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) {
      const reason = body.error_message ?? body.error_code ?? `emulator answered ${res.status}`;
      return json(400, { error: `The emulator refused to complete this link session: ${String(reason)}` });
    }
    const publicToken = how.publicToken(body);
    return json(200, { publicToken: typeof publicToken === 'string' ? publicToken : null });
  }

  return async function browserRoute(request: Request, url: URL): Promise<Response | null> {
    const path = url.pathname;
    if (opts.consoleDir && (path === CONSOLE_PATH || path.startsWith(`${CONSOLE_PATH}/`)) && (request.method === 'GET' || request.method === 'HEAD')) {
      return serveConsole(path);
    }
    if (opts.demoEmulators && path === DEMO_COMPLETE_PATH && request.method === 'POST') {
      return completeInEmulator(request, opts.demoEmulators);
    }
    return null;
  };
}
