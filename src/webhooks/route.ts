import type { Logger } from 'pino';
import type { ConnectionService } from '../connections/service.js';
import type { ProviderName } from '../domain/connection.js';
import { webhookProvider } from '../http-paths.js';
import { UNKNOWN_SENDER } from '../providers/webhook-keys.js';
import { WebhookVerificationError, type WebhookVerifier } from '../providers/webhook.js';

/**
 * Answer within this long from arrival, whatever happens (Plaid waits 10 s). Verification (which
 * may fetch a key) and recording must fit: a delivery is acknowledged only once it is recorded.
 * Applying may finish after the answer.
 */
const ACK_WITHIN_MS = 8_000;

/** Reasons that are our failure or our limit, not the sender's: answer 503 so the provider redelivers. */
const RETRY_LATER_REASONS = new Set(['key_fetch_failed', 'key_fetch_throttled']);

const LATE = Symbol('late');
/** One timer per delivery for all its stages: `before(work)` is `work`, or LATE once `ms` have passed since the start. */
function deadline(ms: number) {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<typeof LATE>((resolve) => {
    timer = setTimeout(resolve, ms, LATE);
  });
  return {
    before: <T>(work: Promise<T>): Promise<T | typeof LATE> => Promise.race([work, late]),
    clear: () => clearTimeout(timer),
  };
}

export interface WebhookHandlerDeps {
  service: ConnectionService;
  verifiers: Partial<Record<ProviderName, WebhookVerifier>>;
  logger: Logger;
  /** Called for each delivery refused as not genuine (metrics). */
  onRejected?: (provider: ProviderName) => void;
  /** X-Forwarded-For comes from our own proxy (TRUST_PROXY). */
  trustProxy: boolean;
}

/**
 * Who sent a delivery, for the key-fetch budgets: the TCP peer; behind our own proxy
 * (TRUST_PROXY) the last X-Forwarded-For entry, the one that proxy appended (earlier entries are
 * the client's to invent). Without a socket (in-process calls) the sender is unknown.
 */
export function webhookSender(request: Request, serverContext: unknown, trustProxy: boolean): string {
  if (trustProxy) {
    const last = request.headers.get('x-forwarded-for')?.split(',').at(-1)?.trim();
    if (last) return last;
  }
  const peer = (serverContext as { req?: { socket?: { remoteAddress?: string } } } | null)?.req?.socket?.remoteAddress;
  return peer ?? UNKNOWN_SENDER;
}

/** The answer to a delivery, as JSON; the gateway makes it a response. */
export interface WebhookReply {
  status: number;
  body: Record<string, unknown>;
}

/** Raw body in, verified event to the service. A delivery that fails verification changes nothing. */
export function createWebhookHandler(deps: WebhookHandlerDeps) {
  const { logger } = deps;
  const reply = (status: number, body: Record<string, unknown>): WebhookReply => ({ status, body });

  return async function handle(request: Request, path: string, requestId: string, serverContext?: unknown): Promise<WebhookReply> {
    const ack = deadline(ACK_WITHIN_MS);
    try {
      return await handleBefore(ack.before, request, path, requestId, serverContext);
    } finally {
      ack.clear();
    }
  };

  async function handleBefore(
    before: ReturnType<typeof deadline>['before'],
    request: Request,
    path: string,
    requestId: string,
    serverContext: unknown,
  ): Promise<WebhookReply> {
    const provider = webhookProvider(path);
    if (!provider) return reply(404, { error: 'not found' });
    if (request.method !== 'POST') return reply(405, { error: 'method not allowed' });
    const verifier = deps.verifiers[provider];
    if (!verifier) return reply(404, { error: 'provider not configured' });
    // The gateway has already refused bodies over the size limit, declared or chunked.
    const raw = Buffer.from(await request.arrayBuffer());
    const headers: Record<string, string> = {};
    request.headers.forEach((v, k) => (headers[k] = v));

    let verified;
    try {
      const v = await before(verifier.verify(raw, headers, webhookSender(request, serverContext, deps.trustProxy)));
      if (v === LATE) throw new Error('verification did not finish in time');
      verified = v;
    } catch (e) {
      if (e instanceof WebhookVerificationError && !RETRY_LATER_REASONS.has(e.reason)) {
        logger.warn({ provider, reason: e.reason, requestId }, 'webhook rejected');
        deps.onRejected?.(provider);
        return reply(401, { error: 'verification failed' });
      }
      logger.error({ provider, err: (e as Error).message, requestId }, 'webhook could not be verified now');
      // Not the sender's fault (key fetch failed, too slow): ask for a redelivery.
      return reply(503, { error: 'temporarily unable to verify' });
    }

    const log = { provider, eventType: verified.eventType, providerConnectionId: verified.providerConnectionId, requestId };
    let event;
    try {
      const recorded = await before(deps.service.recordWebhook(verified));
      // Not recorded in time: no acknowledgement. If the write still lands, the redelivery finds
      // it unapplied and applies it.
      if (recorded === LATE) return reply(503, { error: 'temporarily unable to record' });
      if (recorded === null) {
        logger.info({ ...log, outcome: 'duplicate' }, 'webhook processed');
        return reply(200, { received: true, outcome: 'duplicate' });
      }
      event = recorded;
    } catch (e) {
      logger.error({ ...log, err: (e as Error).message }, 'recording a webhook failed');
      return reply(500, { error: 'processing failed' });
    }

    const applying = deps.service.applyRecordedWebhook(event, verified).then(
      (outcome) => {
        logger.info({ ...log, outcome }, 'webhook processed');
        return outcome;
      },
      (e: Error) => {
        logger.error({ ...log, err: e.message }, 'applying a webhook failed');
        throw e;
      },
    );
    try {
      const outcome = await before(applying);
      // Recorded: acknowledged even if applying is still running.
      return reply(200, { received: true, outcome: outcome === LATE ? 'accepted' : outcome });
    } catch {
      // Recorded but not applied: a redelivery (same key) applies it.
      return reply(500, { error: 'processing failed' });
    }
  }
}
