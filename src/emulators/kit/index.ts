/**
 * Emulator kit: the provider-agnostic parts of a sandbox emulator. It holds no provider knowledge
 * (no paths, field names, error shapes or signing schemes) and imports nothing outside this folder.
 *
 *   startEmulatorServer(opts) -> { url, close() }       (emulator.ts)
 *     One loopback HTTP server and the shared pipeline. API requests: body read with `bodyLimit`
 *     (over it: `bodyTooLarge()` + connection close) -> recorder.record -> latencyMs() delay ->
 *     faults.take(method, path) -> `faultOutcome(fault, ctx)`: a Reply, 'hang' or 'reset' ->
 *     api.match(method, path) -> handler(ctx) -> Reply. Requests under `controlPrefix`
 *     ("/emulator") go to the `control` router without recording, latency or faults. Unmatched:
 *     `notFound(method, path, control)`; anything a handler throws: `errorReply(err, control)`.
 *     `ctx.defer(fn)` runs fn after the response is flushed (webhooks follow their cause).
 *     close() aborts pending latency, awaits `onClose` (e.g. the webhook queue's close), then drops
 *     every socket, hanging ones included.
 *   Router<Handler>: add(method, '/links/{id}/accounts' | '/x/*', handler); match(method, path).
 *   Reply: { status, body? (JSON, indented by `jsonSpaces`), raw? (sent verbatim), headers? }.
 *   jsonBody(ctx, invalid): the parsed JSON body, undefined when empty, throws invalid() if bad.
 *   FaultBook<Spec extends { path, method?, times? }>: add(spec) -> id, take(method, path),
 *     list(), clear(); `times` defaults to 1, -1 = until cleared; path patterns as the router's.
 *   delay(ms, signal?): a sleep that ends early when the signal aborts.
 *   RequestRecorder(rules): record(r), requests (as received, secrets included; in-process only),
 *     redacted() (what may leave the process), clear(). redactDeep(value, { keys, values, rewrite,
 *     mask }) masks secret keys at any depth and secret strings anywhere inside strings.
 *   WebhookQueue<Meta>({ sign(body, attempt) -> headers, timeoutMs?, maxAttempts?, retryDelayMs?,
 *     now? }): send(url, bodyText, meta) -> { delivery, finished }, deliveries (one record per
 *     attempt: meta + id, url, body, headers, attempt, at, status, error, done),
 *     waitFor(pred, timeoutMs), clear(), close(). The provider builds and signs the exact bytes.
 *   startHttpServer / readBody / sendReply: the lower-level pieces, for anything else.
 */
export { startEmulatorServer, jsonBody, type EmulatorServer, type EmulatorServerOptions, type FaultOutcome, type Handler, type RequestContext } from './emulator.js';
export { FaultBook, delay, type FaultRule } from './faults.js';
export { BodyTooLargeError, readBody, sendReply, startHttpServer, type Defer, type LoopbackServer, type Reply } from './http.js';
export { RequestRecorder, flatHeaders, parseRecordedBody, redactDeep, type RecordedRequest, type RedactionRules } from './recorder.js';
export { Router, matchSegments, splitPath, type Params } from './router.js';
export { WebhookQueue, type Delivery, type WebhookQueueOptions } from './webhooks.js';
