import { expect } from 'vitest';
import type { Harness } from '../helpers/harness.js';
import { eventually } from '../helpers/harness.js';
import { CREATE_LINK_TOKEN, EXCHANGE } from '../e2e/operations.js';
import type { ProviderName } from '../../src/domain/connection.js';
import type { WebhookEventRecord } from '../../src/store/store.js';

type Gql = Harness['gql'];

export interface Linked {
  /** GraphQL global id. */
  id: string;
  /** Store (internal) id. */
  internalId: string;
  providerConnectionId: string;
}

/** A connection made the way a frontend makes one: link token, provider widget, exchange. */
export async function linkConnection(
  h: Pick<Harness, 'plaid' | 'moneykit'> & { gql: Gql },
  token: string,
  provider: ProviderName,
): Promise<Linked> {
  const created = await h.gql(token, CREATE_LINK_TOKEN, { input: { provider, products: ['transactions'] } });
  expect(created.body.errors).toBeUndefined();
  expect(created.body.data.createLinkToken.__typename, JSON.stringify(created.body.data)).toBe("CreateLinkTokenPayload");
  const linkToken = created.body.data.createLinkToken.linkToken.token as string;
  const publicToken = provider === 'PLAID' ? h.plaid.completeLink(linkToken).public_token : h.moneykit.completeConnect(linkToken).exchangeable_token!;
  const ex = await h.gql(token, EXCHANGE, { input: { provider, publicToken } });
  expect(ex.body.errors, JSON.stringify(ex.body.errors)).toBeUndefined();
  const conn = ex.body.data.exchangePublicToken.connection;
  expect(conn.status).toBe('CONNECTED');
  return { id: conn.id, internalId: internalIdOf(conn.id), providerConnectionId: conn.providerConnectionId };
}

export function internalIdOf(globalId: string): string {
  return Buffer.from(globalId, 'base64').toString().replace(/^Connection:/, '');
}

/** Webhook events for one connection, oldest first. */
export async function eventsFor(h: Pick<Harness, 'store'>, provider: ProviderName, providerConnectionId: string): Promise<WebhookEventRecord[]> {
  const rows = await h.store.listWebhookEvents({ provider, providerConnectionId, limit: 500 });
  return [...rows].sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime());
}

/** Waits until `n` events for the connection have an outcome. */
export async function settledEvents(h: Pick<Harness, 'store'>, provider: ProviderName, pcid: string, n: number): Promise<WebhookEventRecord[]> {
  return eventually(async () => {
    const rows = await eventsFor(h, provider, pcid);
    return rows.length >= n && rows.every((r) => r.outcome !== null) ? rows : null;
  }, 5_000);
}

export interface SseSubscription {
  status: number;
  /** The next `data` payload of an `event: next` (parsed), within timeoutMs. */
  next(timeoutMs?: number): Promise<any>;
  /** Everything received so far that nobody took with next(). */
  pending(): any[];
  close(): Promise<void>;
}

/**
 * A GraphQL subscription over Server-Sent Events, read incrementally from the response stream
 * (the way a browser's EventSource would). Resolves once the server's first bytes arrived and the
 * server-side iterator has been asked for its first event, i.e. the subscription is live.
 */
export async function subscribeSse(
  fetchFn: (url: string, init: RequestInit) => Response | Promise<Response>,
  token: string | null,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<SseSubscription> {
  const ac = new AbortController();
  const res = await fetchFn('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
    signal: ac.signal,
  });
  const queue: any[] = [];
  const waiters: Array<(v: any) => void> = [];
  let closed = false;
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  let firstChunk!: () => void;
  const gotFirst = new Promise<void>((r) => (firstChunk = r));

  const pump = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        firstChunk();
        if (done) break;
        buf += decoder.decode(value, { stream: true });
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const lines = block.split('\n');
          const event = lines.find((l) => l.startsWith('event:'))?.slice(6).trim();
          const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n');
          if (event !== 'next' || !data) continue; // pings (":") and "complete"
          const parsed = JSON.parse(data);
          const w = waiters.shift();
          if (w) w(parsed);
          else queue.push(parsed);
        }
      }
    } catch {
      // aborted by close()
    } finally {
      firstChunk();
      closed = true;
    }
  })();

  if (res.status === 200) {
    await gotFirst;
    // Reading the first ping makes the stream pull, which starts the server-side iterator; let those
    // promise chains settle (microtasks only) so the pub/sub listener exists before we return.
    for (let k = 0; k < 3; k++) await new Promise((r) => setImmediate(r));
  }

  return {
    status: res.status,
    next(timeoutMs = 3_000) {
      if (queue.length) return Promise.resolve(queue.shift());
      if (closed) return Promise.reject(new Error('subscription stream closed'));
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => {
          const idx = waiters.indexOf(done);
          if (idx >= 0) waiters.splice(idx, 1);
          reject(new Error(`no subscription event within ${timeoutMs} ms`));
        }, timeoutMs);
        const done = (v: any) => {
          clearTimeout(t);
          resolve(v);
        };
        waiters.push(done);
      });
    },
    pending: () => [...queue],
    async close() {
      await reader.cancel().catch(() => undefined);
      ac.abort();
      await pump;
    },
  };
}

/** POSTs raw bytes to a gateway webhook route over real HTTP. */
export async function postWebhook(url: string, path: string, body: string, headers: Record<string, string>): Promise<Response> {
  return fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
}
