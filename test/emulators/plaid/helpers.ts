// Test helpers: a real loopback webhook receiver and a small Plaid client over fetch.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export const CLIENT_ID = 'test-client-id';
export const SECRET = 'test-secret-value-123';

export type Received = { headers: IncomingHttpHeaders; raw: string; json: Record<string, unknown>; at: number };

export class WebhookReceiver {
  readonly received: Received[] = [];
  url = '';
  status = 200;
  private waiters: Array<{ pred: (r: Received) => boolean; resolve: (r: Received) => void }> = [];
  private server: Server;

  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const r: Received = { headers: req.headers, raw, json: JSON.parse(raw) as Record<string, unknown>, at: Date.now() };
        this.received.push(r);
        res.writeHead(this.status).end();
        this.waiters = this.waiters.filter((w) => {
          if (!w.pred(r)) return true;
          w.resolve(r);
          return false;
        });
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const addr = this.server.address();
    if (!addr || typeof addr === 'string') throw new Error('no address');
    this.url = `http://127.0.0.1:${addr.port}/plaid/webhook`;
    return this;
  }

  /** Next (or already received) webhook matching `code` (and optional item id). */
  waitFor(code: string, itemId?: string, timeoutMs = 5_000): Promise<Received> {
    const pred = (r: Received): boolean => r.json['webhook_code'] === code && (itemId === undefined || r.json['item_id'] === itemId);
    const found = this.received.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`webhook ${code} not received`)), timeoutMs);
      this.waiters.push({ pred, resolve: (r) => { clearTimeout(t); resolve(r); } });
    });
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export type PlaidResult = { status: number; body: Record<string, unknown>; headers: Headers };

/** POSTs JSON to the emulator with header auth (override with `auth: false` or other keys). */
export async function plaid(
  baseUrl: string,
  path: string,
  body: unknown,
  opts: { clientId?: string; secret?: string; auth?: boolean } = {},
): Promise<PlaidResult> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (opts.auth !== false) {
    headers['PLAID-CLIENT-ID'] = opts.clientId ?? CLIENT_ID;
    headers['PLAID-SECRET'] = opts.secret ?? SECRET;
  }
  const res = await fetch(`${baseUrl}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

export const linkTokenRequest = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  client_name: 'Gateway Test',
  language: 'en',
  country_codes: ['US'],
  user: { client_user_id: 'user-123' },
  ...extra,
});
