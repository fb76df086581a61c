import { GraphQLError, Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import { REQUIRED_ACTION, type ConnectionErrorInfo, type InstitutionInfo } from '../../domain/connection.js';
import type { ConnectionRecord } from '../../domain/connection.js';
import { builder, decodeId } from '../builder.js';
import { ConnectionActionEnum, ConnectionStatusEnum, ProviderEnum } from './enums.js';

export const ConnectionErrorType = builder.objectRef<ConnectionErrorInfo>('ConnectionError').implement({
  fields: (t) => ({
    providerCode: t.exposeString('providerCode', { description: 'Exactly as the provider sent it: ITEM_LOGIN_REQUIRED, auth_expired, ...' }),
    providerType: t.exposeString('providerType', { nullable: true, description: 'Plaid error_type; null for MoneyKit.' }),
    message: t.exposeString('message', { description: 'Developer-facing.' }),
    displayMessage: t.exposeString('displayMessage', { nullable: true, description: 'Safe to show to the end user; may be null.' }),
  }),
});

export const InstitutionType = builder.objectRef<InstitutionInfo>('Institution').implement({
  fields: (t) => ({
    id: t.exposeString('id'),
    name: t.exposeString('name', { nullable: true }),
    logoUrl: t.exposeString('logoUrl', { nullable: true }),
    primaryColor: t.exposeString('primaryColor', { nullable: true }),
  }),
});

export const ConnectionRef = builder.objectRef<ConnectionRecord>('Connection');

builder.node(ConnectionRef, {
  id: { resolve: (r) => r.id },
  // The per-request loader batches, checks ownership and re-reads stale state once per request.
  loadWithoutCache: (id, ctx) => ctx.loader.load(id),
  isTypeOf: (v) => typeof v === 'object' && v !== null && 'providerConnectionId' in v,
  fields: (t) => ({
    provider: t.field({ type: ProviderEnum, resolve: (r) => r.provider }),
    providerConnectionId: t.exposeString('providerConnectionId', { description: 'Plaid item_id / MoneyKit link_id.' }),
    userId: t.exposeString('userId', { description: 'Owner: the `sub` of the token that created it.' }),
    status: t.field({ type: ConnectionStatusEnum, resolve: (r) => r.status }),
    requiredAction: t.field({ type: ConnectionActionEnum, resolve: (r) => REQUIRED_ACTION[r.status] }),
    error: t.field({ type: ConnectionErrorType, nullable: true, description: 'Null when the provider reports no error.', resolve: (r) => r.error }),
    institution: t.field({ type: InstitutionType, nullable: true, resolve: (r) => r.institution }),
    products: t.exposeStringList('products'),
    consentExpiresAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.consentExpiresAt }),
    lastSyncedAt: t.field({ type: 'DateTime', nullable: true, resolve: (r) => r.lastSyncedAt }),
    statusChangedAt: t.field({ type: 'DateTime', resolve: (r) => r.statusChangedAt }),
    createdAt: t.field({ type: 'DateTime', resolve: (r) => r.createdAt }),
  }),
});

/** A global id argument -> the internal id, or null when it names another type. Throws on malformed ids. */
export function connectionIdFrom(globalId: string): string | null {
  const { typename, id } = decodeId(globalId);
  return typename === 'Connection' ? id : null;
}

const ConnectionFilterInput = builder.inputType('ConnectionFilter', {
  fields: (t) => ({
    status: t.field({ type: [ConnectionStatusEnum], required: false, description: 'Matches the stored status; nodes re-read for freshness in the same request show the status just read.' }),
    provider: t.field({ type: ProviderEnum, required: false }),
    userId: t.string({ required: false, description: 'Admin only.' }),
  }),
});

const MAX_PAGE = 100;

/** Whether the field's selection (fragments included) asks for `name` directly below it. */
function selectsField(info: GraphQLResolveInfo, name: string): boolean {
  const within = (set: SelectionSetNode): boolean =>
    set.selections.some((s) => {
      if (s.kind === Kind.FIELD) return s.name.value === name;
      if (s.kind === Kind.INLINE_FRAGMENT) return within(s.selectionSet);
      const f = info.fragments[s.name.value];
      return f ? within(f.selectionSet) : false;
    });
  return info.fieldNodes.some((n) => (n.selectionSet ? within(n.selectionSet) : false));
}

function encodeCursor(r: ConnectionRecord): string {
  return Buffer.from(`${r.createdAt.toISOString()}|${r.id}`).toString('base64url');
}
function decodeCursor(c: string): { createdAt: Date; id: string } | null {
  const m = /^(\d{4}-\d{2}-\d{2}T[\d:.]+Z)\|([0-9a-f-]{36})$/.exec(Buffer.from(c, 'base64url').toString('utf8'));
  if (!m) return null;
  const createdAt = new Date(m[1]!);
  return Number.isNaN(createdAt.getTime()) ? null : { createdAt, id: m[2]! };
}

builder.queryFields((t) => ({
  connection: t.field({
    type: ConnectionRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) => {
      const internal = connectionIdFrom(id);
      return internal ? ctx.loader.load(internal) : null;
    },
  }),
  connections: t.connection(
    {
      type: ConnectionRef,
      description: 'Newest first. Non-admin callers see their own connections only.',
      args: { filter: t.arg({ type: ConnectionFilterInput, required: false }) },
      resolve: async (_root, args, ctx, info) => {
        if (args.last != null || args.before != null) throw new GraphQLError('Only forward pagination (first/after) is supported.', { extensions: { code: 'INVALID_INPUT' } });
        const first = args.first ?? 20;
        if (first < 0 || first > MAX_PAGE) throw new GraphQLError(`first must be between 0 and ${MAX_PAGE}.`, { extensions: { code: 'INVALID_INPUT' } });
        const after = args.after ? decodeCursor(args.after) : null;
        if (args.after && !after) throw new GraphQLError('Malformed cursor.', { extensions: { code: 'INVALID_INPUT' } });
        if (args.filter?.userId && !ctx.caller.admin) throw new GraphQLError('filter.userId is for admin callers only.', { extensions: { code: 'FORBIDDEN' } });
        const page = await ctx.service.listConnections(ctx.caller, args.filter ?? {}, { first, after, withTotalCount: selectsField(info, 'totalCount') });
        const items = await ctx.loader.freshen(page.items);
        return {
          totalCount: page.totalCount ?? 0,
          edges: items.map((node) => ({ cursor: encodeCursor(node), node })),
          pageInfo: {
            hasNextPage: page.hasNextPage,
            hasPreviousPage: after !== null,
            startCursor: items[0] ? encodeCursor(items[0]) : null,
            endCursor: items.length ? encodeCursor(items[items.length - 1]!) : null,
          },
        };
      },
    },
    {
      name: 'ConnectionsConnection',
      fields: (tc) => ({ totalCount: tc.int({ resolve: (p) => (p as unknown as { totalCount: number }).totalCount }) }),
    },
    { name: 'ConnectionsConnectionEdge' },
  ),
}));
