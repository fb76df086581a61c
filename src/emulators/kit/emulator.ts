// The request pipeline every emulator shares. API requests: read body (bounded) -> record ->
// latency -> fault -> route -> handler -> reply, with deferred work run after the reply is flushed.
// Control requests (under `controlPrefix`) skip recording, latency and faults.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { delay, type FaultBook, type FaultRule } from './faults.js';
import { BodyTooLargeError, readBody, sendReply, startHttpServer, type Defer, type Reply } from './http.js';
import { flatHeaders, parseRecordedBody, type RequestRecorder } from './recorder.js';
import type { Params, Router } from './router.js';

export type RequestContext = {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  params: Params;
  /** Runs `fn` after this request's response has been flushed. */
  defer: Defer;
};

export type Handler = (ctx: RequestContext) => Reply | Promise<Reply>;

/** What an injected fault does: a reply, no answer at all, or a dropped connection. */
export type FaultOutcome = Reply | 'hang' | 'reset';

export type EmulatorServerOptions<F extends FaultRule> = {
  host?: string;
  port?: number;
  /** Largest request body accepted; larger ones get `bodyTooLarge()` and the connection is closed. */
  bodyLimit: number;
  /** Default "/emulator". */
  controlPrefix?: string;
  api: Router<Handler>;
  control: Router<Handler>;
  recorder: RequestRecorder;
  /** Current API latency in ms (read per request). */
  latencyMs: () => number;
  faults: FaultBook<F>;
  faultOutcome: (fault: F, ctx: RequestContext) => FaultOutcome;
  /** Turns anything a handler threw into the provider's error reply (unknown errors: its 500). */
  errorReply: (err: unknown, control: boolean) => Reply;
  notFound: (method: string, path: string, control: boolean) => Reply;
  bodyTooLarge: (control: boolean) => Reply;
  /** Indentation of JSON replies (Plaid: 2; default compact). */
  jsonSpaces?: number;
  /** Clock for recorded timestamps (default Date.now). */
  now?: () => number;
  /** Called first on close(), e.g. to abort webhook deliveries. */
  onClose?: () => Promise<void> | void;
};

export interface EmulatorServer {
  readonly url: string;
  /** Aborts pending latency, runs onClose, stops listening and drops every socket. Idempotent. */
  close(): Promise<void>;
}

export async function startEmulatorServer<F extends FaultRule>(o: EmulatorServerOptions<F>): Promise<EmulatorServer> {
  const prefix = o.controlPrefix ?? '/emulator';
  const closing = new AbortController();
  const now = o.now ?? Date.now;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const after: Array<() => void> = [];
    const send = (reply: Reply): void => sendReply(res, reply, { after, ...(o.jsonSpaces !== undefined ? { jsonSpaces: o.jsonSpaces } : {}) });
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const path = url.pathname;
    const control = path === prefix || path.startsWith(`${prefix}/`);
    let rawBody: Buffer;
    try {
      rawBody = await readBody(req, o.bodyLimit);
    } catch (err) {
      if (!(err instanceof BodyTooLargeError)) throw err;
      const reply = o.bodyTooLarge(control);
      return send({ ...reply, headers: { ...reply.headers, connection: 'close' } });
    }
    const ctx: RequestContext = { method, path, query: url.searchParams, headers: req.headers, rawBody, params: {}, defer: (fn) => after.push(fn) };

    if (!control) {
      o.recorder.record({
        method,
        path,
        query: Object.fromEntries(url.searchParams),
        headers: flatHeaders(req.headers),
        body: parseRecordedBody(rawBody, req.headers['content-type']),
        at: new Date(now()).toISOString(),
      });
      await delay(o.latencyMs(), closing.signal);
      if (res.destroyed || closing.signal.aborted) return;
      const fault = o.faults.take(method, path);
      if (fault) {
        const outcome = o.faultOutcome(fault, ctx);
        if (outcome === 'hang') return; // never answered; close() destroys the socket
        if (outcome === 'reset') return void req.socket.destroy();
        return send(outcome);
      }
    }

    const found = (control ? o.control : o.api).match(method, path);
    if (!found) return send(o.notFound(method, path, control));
    ctx.params = found.params;
    try {
      send(await found.handler(ctx));
    } catch (err) {
      send(o.errorReply(err, control));
    }
  }

  const server = await startHttpServer(
    (req, res) =>
      handle(req, res).catch((err: unknown) => {
        if (!res.headersSent && !res.destroyed) sendReply(res, o.errorReply(err, false));
      }),
    { ...(o.host !== undefined ? { host: o.host } : {}), ...(o.port !== undefined ? { port: o.port } : {}) },
  );
  let closed: Promise<void> | null = null;
  return {
    url: server.url,
    close() {
      closed ??= (async () => {
        closing.abort();
        await o.onClose?.();
        await server.close();
      })();
      return closed;
    },
  };
}

/** Parses a JSON request body; empty is `undefined`. Throws what `invalid()` returns on bad JSON. */
export function jsonBody(ctx: Pick<RequestContext, 'rawBody'>, invalid: () => Error): unknown {
  if (ctx.rawBody.length === 0) return undefined;
  try {
    return JSON.parse(ctx.rawBody.toString('utf8')) as unknown;
  } catch {
    throw invalid();
  }
}
