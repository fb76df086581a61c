// MoneyKit's API routes on the emulator (all except /auth/token and /.well-known/jwks.json need
// `Authorization: Bearer`), as a kit Router. Accounts and transactions come from finance.ts.
import { randomUUID } from 'node:crypto';
import { Router, type Handler } from '../kit/index.js';
import { ApiError, jsonBody, nowIso, parseWith, type Ctx, type MoneyKitEmulatorApp, type Reply, type RouteDef } from './api.js';
import {
  exchangeTokenRequestSchema,
  linkSessionRequestSchema,
  tokenRequestSchema,
  updateLinkRequestSchema,
  webhookTestRequestSchema,
} from './schemas.js';
import { randomId, signJws } from './signing.js';
import type { EmulatorState } from './state.js';
import type { LinkCommon, LinkRecord } from './types.js';
import type { Emitted, Schedule } from './webhooks.js';

const API_LINK_SESSION_TTL_SECONDS = 3600;

export interface ApiRouteOptions {
  now: () => number;
  tokenTtl: number;
  deletedLinkRead: 'tombstone' | 'gone';
  emit: (link: LinkRecord, body: Record<string, unknown>, schedule?: Schedule) => Emitted;
  /** Further API routes (accounts, transactions). */
  extra: readonly RouteDef[];
}

export function createApiRouter(st: EmulatorState, o: ApiRouteOptions): Router<Handler> {
  const { now, tokenTtl, deletedLinkRead, emit } = o;

  function issueToken(ctx: Ctx): Reply {
    const form = Object.fromEntries(new URLSearchParams(ctx.rawBody.toString('utf8')));
    const parsed = tokenRequestSchema.safeParse(form);
    const body = parsed.success ? parsed.data : {};
    let clientId = body.client_id ?? null;
    let clientSecret = body.client_secret ?? null;
    const basic = /^Basic\s+(.+)$/i.exec(ctx.headers.authorization ?? '');
    if (basic) {
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon >= 0) {
        clientId = decodeURIComponent(decoded.slice(0, colon));
        clientSecret = decodeURIComponent(decoded.slice(colon + 1));
      }
    }
    if (body.grant_type !== 'client_credentials') {
      throw new ApiError('api_error.auth.unauthorized', { status: 400, message: 'Unsupported grant_type.' });
    }
    const app = clientId ? st.apps.get(clientId) : undefined;
    if (!app || app.clientSecret !== clientSecret) {
      throw new ApiError('api_error.auth.unauthorized', { message: 'Invalid client credentials.' });
    }
    const accessToken = `mk_at_${randomId(32)}`;
    st.data.tokens.set(accessToken, { clientId: app.clientId, expiresAt: now() + tokenTtl * 1000, forcedExpired: false });
    return { status: 201, body: { access_token: accessToken, token_type: 'bearer', expires_in: tokenTtl } };
  }

  function createLinkSession(ctx: Ctx): Reply {
    const app = ctx.app!;
    const req = parseWith(linkSessionRequestSchema, jsonBody(ctx));
    let existingLinkId: string | null = null;
    if (req.existing_link_id) {
      const link = st.requireLink(req.existing_link_id, app);
      if (link.customerUserId !== req.customer_user.id) {
        throw new ApiError('link_session_error.forbidden_config', {
          message: 'existing_link_id does not belong to this customer_user.',
        });
      }
      existingLinkId = link.link_id;
    }
    const iat = Math.floor(now() / 1000);
    const token = signJws(st.currentKey(), {
      iss: 'https://api.moneykit.com',
      sub: app.clientId,
      sid: randomUUID(),
      mode: existingLinkId ? 'relink' : 'link',
      iat,
      exp: iat + API_LINK_SESSION_TTL_SECONDS,
    });
    st.data.sessions.set(token, { clientId: app.clientId, request: req, existingLinkId, completed: false });
    return { status: 201, body: { link_session_token: token } };
  }

  function exchangeToken(ctx: Ctx): Reply {
    const app = ctx.app!;
    const { exchangeable_token } = parseWith(exchangeTokenRequestSchema, jsonBody(ctx));
    const rec = st.data.exchangeTokens.get(exchangeable_token);
    if (!rec || rec.used || rec.clientId !== app.clientId) {
      throw new ApiError('link_session_error.invalid_token_exchange', { message: 'Invalid or already used exchangeable token.' });
    }
    const link = st.data.links.get(rec.linkId);
    if (!link || link.state !== 'awaiting_token_exchange') {
      throw new ApiError('link_session_error.invalid_token_exchange', { message: 'Incorrect link state for token exchange.' });
    }
    rec.used = true;
    link.state = 'connected';
    link.error_code = null;
    const view = st.toLinkCommon(link);
    return { status: 201, body: { link_id: view.link_id, link: view } };
  }

  function getLink(ctx: Ctx): Reply {
    const link = st.requireLink(ctx.params.id!, ctx.app!, deletedLinkRead === 'tombstone');
    return { status: 200, body: st.toLinkCommon(link) };
  }

  function patchLink(ctx: Ctx): Reply {
    const link = st.requireLink(ctx.params.id!, ctx.app!);
    const body = parseWith(updateLinkRequestSchema, jsonBody(ctx) ?? {});
    if (body.webhook !== undefined) link.webhook = body.webhook;
    const tags = body.link_tags !== undefined ? body.link_tags : body.tags;
    if (tags !== undefined) link.link_tags = tags;
    return { status: 200, body: st.toLinkCommon(link) };
  }

  function deleteLink(ctx: Ctx): Reply {
    const link = st.requireLink(ctx.params.id!, ctx.app!);
    link.state = 'deleted';
    link.error_code = null;
    link.deleted_at = new Date();
    emit(link, { webhook_event: 'link.state_changed' }, ctx.defer);
    return { status: 204 };
  }

  function resetLink(ctx: Ctx): Reply {
    const app = ctx.app!;
    const link = st.requireLink(ctx.params.id!, app);
    if (app.env !== 'sandbox') {
      throw new ApiError('link_error.forbidden_action', { message: 'Reset is only supported for test st.data.links.' });
    }
    const view = st.setLinkState(link.link_id, 'error', 'auth_expired', {}, ctx.defer);
    return { status: 200, body: view };
  }

  function userLinks(ctx: Ctx): Reply {
    const app = ctx.app!;
    const out: Record<string, LinkCommon> = {};
    for (const link of st.data.links.values()) {
      if (link.clientId === app.clientId && link.customerUserId === ctx.params.id && link.state !== 'deleted') {
        out[link.link_id] = st.toLinkCommon(link);
      }
    }
    return { status: 200, body: { links: out } };
  }

  function getInstitution(ctx: Ctx): Reply {
    const inst = st.findInstitution(ctx.params.institution_id!);
    if (!inst) throw new ApiError('institution_error.not_found');
    const { avatar: _avatar, provider: _provider, ...institution } = inst;
    return { status: 200, body: institution };
  }

  function introspect(ctx: Ctx): Reply {
    const app = ctx.app!;
    const appInfo = { app_id: `app_${app.clientId}`, id: `app_${app.clientId}`, name: `Emulated ${app.env} app`, app_name: `Emulated ${app.env} app` };
    return { status: 200, body: { client_id: app.clientId, client_name: appInfo.name, scope: '', app: appInfo } };
  }

  function testWebhook(ctx: Ctx): Reply {
    const app = ctx.app!;
    const link = st.requireLink(ctx.params.id!, app);
    if (app.env !== 'sandbox') throw new ApiError('link_error.forbidden_action', { message: 'Test webhooks are only supported for test st.data.links.' });
    const body = parseWith(webhookTestRequestSchema, jsonBody(ctx));
    if (!link.webhook) throw new ApiError('link_error.bad_config', { message: 'This link has no webhook URL.' });
    const eventFields: Record<string, Record<string, unknown>> = {
      'link.state_changed': {},
      'transactions.updates_available': { has_history: true },
      'link.product_refresh': { product: 'accounts', state: 'completed', state_changed_at: nowIso(), error_message: null },
      'product.state_changed': { product: 'accounts', state: 'completed', state_changed_at: nowIso(), error_message: null },
    };
    const { deliveryToken } = emit(
      link,
      { webhook_event: body.webhook_event, webhook_idempotency_key: body.webhook_idempotency_key, ...eventFields[body.webhook_event] },
      ctx.defer,
    );
    return { status: 200, body: { delivery_token: deliveryToken } };
  }

  function jwksHandler(ctx: Ctx): Reply {
    const clientId = ctx.headers['x-client-id'];
    const viaHeader = typeof clientId === 'string' && st.apps.has(clientId);
    if (!viaHeader) authenticate(ctx); // deprecated Bearer alternative; throws when absent/invalid
    return { status: 200, body: { keys: st.keys.map((k) => k.publicJwk) } };
  }

  function authenticate(ctx: Ctx): MoneyKitEmulatorApp {
    const m = /^Bearer\s+(.+)$/i.exec(ctx.headers.authorization ?? '');
    if (!m) throw new ApiError('api_error.auth.unauthorized', { message: 'Missing bearer token.' });
    const tok = st.data.tokens.get(m[1]!.trim());
    if (!tok) throw new ApiError('api_error.auth.unauthorized', { message: 'Invalid access token.' });
    if (tok.forcedExpired || now() >= tok.expiresAt) throw new ApiError('api_error.auth.expired_access_token');
    const app = st.apps.get(tok.clientId);
    if (!app) throw new ApiError('api_error.auth.unauthorized', { message: 'Invalid access token.' });
    return app;
  }

  const defs: RouteDef[] = [
    { method: 'POST', path: '/auth/token', auth: false, handler: issueToken },
    { method: 'GET', path: '/auth/introspect', auth: true, handler: introspect },
    { method: 'POST', path: '/link-session', auth: true, handler: createLinkSession },
    { method: 'POST', path: '/link-session/exchange-token', auth: true, handler: exchangeToken },
    { method: 'GET', path: '/links/{id}', auth: true, handler: getLink },
    { method: 'PATCH', path: '/links/{id}', auth: true, handler: patchLink },
    { method: 'DELETE', path: '/links/{id}', auth: true, handler: deleteLink },
    { method: 'POST', path: '/links/{id}/reset', auth: true, handler: resetLink },
    { method: 'GET', path: '/users/{id}/links', auth: true, handler: userLinks },
    { method: 'GET', path: '/institutions/{institution_id}', auth: true, handler: getInstitution },
    { method: 'POST', path: '/webhooks/test/link/{id}', auth: true, handler: testWebhook },
    { method: 'GET', path: '/.well-known/jwks.json', auth: false, handler: jwksHandler },
    ...o.extra,
  ];
  const router = new Router<Handler>();
  for (const d of defs) router.add(d.method, d.path, (ctx) => d.handler({ ...ctx, app: d.auth ? authenticate({ ...ctx, app: null }) : null }));
  return router;
}
