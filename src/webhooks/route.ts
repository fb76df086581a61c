import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { ConnectionService } from '../connections/service.js';
import type { ProviderName } from '../domain/connection.js';
import { WebhookVerificationError, type WebhookVerifier } from './types.js';

const ROUTES: Record<string, ProviderName> = { '/webhooks/plaid': 'PLAID', '/webhooks/moneykit': 'MONEYKIT' };

/**
 * Providers without an idempotency key: the signature header identifies one signed delivery (ES256
 * signatures are randomized, so two sends of the same body differ), so an exact replay of a captured
 * delivery is de-duplicated while a new delivery with an identical body is still applied.
 */
const REPLAY_KEY_HEADER: Partial<Record<ProviderName, string>> = { PLAID: 'plaid-verification' };

/**
 * Answer within this long from arrival, whatever happens (Plaid waits 10 s): verification
 * (which may fetch a key) and recording share the budget; applying may finish afterwards.
 */
const ACK_WITHIN_MS = 8_000;

/** Reasons that are our failure, not the sender's: answer 503 so the provider redelivers. */
const RETRY_LATER_REASONS = new Set(['key_fetch_failed']);

const LATE = Symbol('late');
function deadline(at: number): Promise<typeof LATE> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now()), LATE).unref());
}

export interface WebhookHandlerDeps {
  service: ConnectionService;
  verifiers: Partial<Record<ProviderName, WebhookVerifier>>;
  logger: Logger;
  maxBodyBytes: number;
}

/** Raw body in, verified event to the service. A delivery that fails verification changes nothing. */
export function createWebhookHandler(deps: WebhookHandlerDeps) {
  const reply = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

  return async function handle(request: Request, path: string, requestId: string): Promise<Response> {
    const ackBy = Date.now() + ACK_WITHIN_MS;
    const provider = ROUTES[path];
    if (!provider) return reply(404, { error: 'not found' });
    if (request.method !== 'POST') return reply(405, { error: 'method not allowed' });
    const verifier = deps.verifiers[provider];
    if (!verifier) return reply(404, { error: 'provider not configured' });
    const raw = Buffer.from(await request.arrayBuffer());
    if (raw.length > deps.maxBodyBytes) return reply(413, { error: 'payload too large' });
    const headers: Record<string, string> = {};
    request.headers.forEach((v, k) => (headers[k] = v));

    let event;
    try {
      const verified = await Promise.race([verifier.verify(raw, headers), deadline(ackBy)]);
      if (verified === LATE) throw new Error('verification did not finish in time');
      event = verified;
    } catch (e) {
      if (e instanceof WebhookVerificationError && !RETRY_LATER_REASONS.has(e.reason)) {
        deps.logger.warn({ provider, reason: e.reason, requestId }, 'webhook rejected');
        return reply(401, { error: 'verification failed' });
      }
      deps.logger.error({ provider, err: (e as Error).message, requestId }, 'webhook could not be verified now');
      // Not the sender's fault (key fetch failed, too slow): ask for a redelivery.
      return reply(503, { error: 'temporarily unable to verify' });
    }

    if (event.dedupeKey === null) {
      const signed = REPLAY_KEY_HEADER[provider] && headers[REPLAY_KEY_HEADER[provider]];
      if (signed) event = { ...event, dedupeKey: `sig:${createHash('sha256').update(signed).digest('hex')}` };
    }
    const verified = event;
    const work = deps.service.applyWebhook(verified).then(
      (outcome) => {
        deps.logger.info({ provider, eventType: verified.eventType, providerConnectionId: verified.providerConnectionId, outcome, requestId }, 'webhook processed');
        return outcome;
      },
      (e: Error) => {
        deps.logger.error({ provider, eventType: verified.eventType, err: e.message, requestId }, 'webhook processing failed');
        throw e;
      },
    );
    try {
      const outcome = await Promise.race([work, deadline(ackBy)]);
      return reply(200, { received: true, outcome: outcome === LATE ? 'late' : outcome });
    } catch {
      // Recording failed: the provider must retry, nothing was acknowledged.
      return reply(500, { error: 'processing failed' });
    }
  };
}
