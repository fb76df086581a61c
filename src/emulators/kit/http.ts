// HTTP plumbing shared by the emulators: replies, bounded body reading, a loopback server that can
// be closed with requests still hanging.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What a handler answers. `raw` is sent as is (bad JSON, hand-built number text); else `body` as JSON. */
export type Reply = {
  status: number;
  body?: unknown;
  raw?: string | Buffer;
  headers?: Record<string, string>;
};

/** Runs `fn` once the triggering response has been flushed (webhooks follow their cause). */
export type Defer = (fn: () => void) => void;

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body over ${limit} bytes`);
  }
}

/** Reads the whole body; rejects with BodyTooLargeError past `limit` bytes and stops buffering. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer): void => {
      size += c.length;
      if (size <= limit) return void chunks.push(c);
      req.off('data', onData);
      req.resume(); // drain the rest without keeping it
      reject(new BodyTooLargeError(limit));
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Writes `reply`; `jsonSpaces` indents JSON bodies (Plaid sends 2-space JSON). `after` runs once the
 * response is flushed. A 204 carries no body.
 */
export function sendReply(res: ServerResponse, reply: Reply, opts: { jsonSpaces?: number; after?: readonly (() => void)[] } = {}): void {
  if (res.destroyed || res.headersSent) return;
  const headers: Record<string, string> = { ...reply.headers };
  let payload: string | Buffer | undefined;
  if (reply.status !== 204) {
    if (reply.raw !== undefined) payload = reply.raw;
    else if (reply.body !== undefined) {
      payload = JSON.stringify(reply.body, null, opts.jsonSpaces);
      if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json; charset=utf-8';
    }
  }
  if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
  res.writeHead(reply.status, headers);
  res.end(payload, () => {
    for (const fn of opts.after ?? []) fn();
  });
}

export interface LoopbackServer {
  /** http://host:port, IPv6 hosts in brackets. */
  readonly url: string;
  /** Stops listening and destroys every socket, hanging requests included. */
  close(): Promise<void>;
}

/** Listens on `host:port` (port 0: any free port). `handler` must not throw; rejections answer a bare 500. */
export async function startHttpServer(
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  opts: { host?: string; port?: number } = {},
): Promise<LoopbackServer> {
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    handler(req, res).catch(() => {
      if (!res.headersSent && !res.destroyed) res.writeHead(500).end();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  let closed: Promise<void> | null = null;
  return {
    url: `http://${host}:${addr.port}`,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
      });
      return closed;
    },
  };
}
