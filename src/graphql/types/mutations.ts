import { encodeGlobalID } from '@pothos/plugin-relay';
import type { LinkTokenInfo } from '../../domain/connection.js';
import { InvalidInputError } from '../../connections/errors.js';
import type { ConnectionRecord } from '../../domain/connection.js';
import { builder, MalformedIdError } from '../builder.js';
import { ConnectionRef, connectionIdFrom } from './connection.js';
import { LinkModeEnum, ProviderEnum } from './enums.js';
import { CONNECTION_MUTATION_ERRORS, PROVIDER_MUTATION_ERRORS, SANDBOX_MUTATION_ERRORS } from './errors.js';

export const LinkTokenType = builder.objectRef<LinkTokenInfo>('LinkToken').implement({
  fields: (t) => ({
    provider: t.field({ type: ProviderEnum, resolve: (l) => l.provider }),
    mode: t.field({ type: LinkModeEnum, resolve: (l) => l.mode }),
    token: t.exposeString('token', { description: 'Plaid link_token / MoneyKit link_session_token.' }),
    expiresAt: t.field({ type: 'DateTime', resolve: (l) => l.expiresAt }),
    hostedLinkUrl: t.exposeString('hostedLinkUrl', { nullable: true }),
  }),
});

/** Mutation ids arrive as plain IDs so a malformed one becomes an InvalidInputError result, not a top-level error. */
export function internalId(globalId: string, field = 'connectionId'): string {
  try {
    const id = connectionIdFrom(globalId);
    if (id) return id;
  } catch (e) {
    if (!(e instanceof MalformedIdError)) throw e;
  }
  throw new InvalidInputError(`${field} is not a Connection id.`, field);
}

type FieldsOf<T extends object> = Parameters<ReturnType<typeof builder.objectRef<T>>['implement']>[0]['fields'];
/** A mutation payload object type. */
function payloadType<T extends object>(name: string, fields: FieldsOf<T>) {
  return builder.objectRef<T>(name).implement({ fields });
}

// --- createLinkToken -------------------------------------------------------

const CreateLinkTokenInput = builder.inputType('CreateLinkTokenInput', {
  fields: (t) => ({
    provider: t.field({ type: ProviderEnum, required: true }),
    products: t.stringList({ required: true, description: 'Provider product names (Plaid: transactions, auth ...; MoneyKit: transactions, identity ...).' }),
    redirectUri: t.string({ required: false }),
    androidPackageName: t.string({ required: false, description: 'Plaid only.' }),
    language: t.string({ required: false, description: 'Default "en".' }),
    countryCodes: t.stringList({ required: false, description: 'Default ["US"].' }),
  }),
});
const CreateLinkTokenPayload = payloadType<{ linkToken: LinkTokenInfo }>('CreateLinkTokenPayload', (t) => ({
  linkToken: t.field({ type: LinkTokenType, resolve: (p) => p.linkToken }),
}));

builder.mutationField('createLinkToken', (t) =>
  t.field({
    type: CreateLinkTokenPayload,
    args: { input: t.arg({ type: CreateLinkTokenInput, required: true }) },
    nullable: false,
    errors: { types: PROVIDER_MUTATION_ERRORS, directResult: true, union: { name: 'CreateLinkTokenResult' } },
    resolve: async (_r, { input }, ctx) => {
      ctx.spendProviderCall();
      return { linkToken: await ctx.service.createLinkToken(ctx.caller, input) };
    },
  }),
);

// --- exchangePublicToken ---------------------------------------------------

const ExchangePublicTokenInput = builder.inputType('ExchangePublicTokenInput', {
  fields: (t) => ({
    provider: t.field({ type: ProviderEnum, required: true }),
    publicToken: t.string({ required: true, description: 'MoneyKit: the exchangeable token.' }),
  }),
});
/** A payload carrying one connection (shared by the connection mutations, import.ts included). */
export const ConnectionPayload = (name: string) =>
  payloadType<{ connection: ConnectionRecord }>(name, (t) => ({
    connection: t.field({ type: ConnectionRef, resolve: (p) => p.connection }),
  }));
const ExchangePublicTokenPayload = ConnectionPayload('ExchangePublicTokenPayload');

builder.mutationField('exchangePublicToken', (t) =>
  t.field({
    type: ExchangePublicTokenPayload,
    args: { input: t.arg({ type: ExchangePublicTokenInput, required: true }) },
    nullable: false,
    errors: { types: PROVIDER_MUTATION_ERRORS, directResult: true, union: { name: 'ExchangePublicTokenResult' } },
    resolve: async (_r, { input }, ctx) => {
      ctx.spendProviderCall();
      return { connection: await ctx.service.exchangePublicToken(ctx.caller, input) };
    },
  }),
);

// --- createUpdateLinkToken -------------------------------------------------

const CreateUpdateLinkTokenInput = builder.inputType('CreateUpdateLinkTokenInput', {
  fields: (t) => ({
    connectionId: t.id({ required: true }),
    redirectUri: t.string({ required: false }),
    androidPackageName: t.string({ required: false }),
    language: t.string({ required: false }),
    accountSelectionEnabled: t.boolean({ required: false, description: 'Plaid update.account_selection_enabled.' }),
  }),
});
type UpdateLinkPayload = { linkToken: LinkTokenInfo; connection: ConnectionRecord };
const CreateUpdateLinkTokenPayload = payloadType<UpdateLinkPayload>('CreateUpdateLinkTokenPayload', (t) => ({
  linkToken: t.field({ type: LinkTokenType, resolve: (p) => p.linkToken }),
  connection: t.field({ type: ConnectionRef, resolve: (p) => p.connection }),
}));

builder.mutationField('createUpdateLinkToken', (t) =>
  t.field({
    type: CreateUpdateLinkTokenPayload,
    args: { input: t.arg({ type: CreateUpdateLinkTokenInput, required: true }) },
    nullable: false,
    errors: { types: CONNECTION_MUTATION_ERRORS, directResult: true, union: { name: 'CreateUpdateLinkTokenResult' } },
    resolve: (_r, { input }, ctx) => {
      ctx.spendProviderCall();
      return ctx.service.createUpdateLinkToken(ctx.caller, { ...input, connectionId: internalId(input.connectionId) });
    },
  }),
);

// --- resetConnection / resetConnections --------------------------------------

const ResetConnectionInput = builder.inputType('ResetConnectionInput', { fields: (t) => ({ connectionId: t.id({ required: true }) }) });
const ResetConnectionPayload = ConnectionPayload('ResetConnectionPayload');

builder.mutationField('resetConnection', (t) =>
  t.field({
    type: ResetConnectionPayload,
    description: 'Sandbox only: force the connection into the login-required state, to test the repair flow.',
    args: { input: t.arg({ type: ResetConnectionInput, required: true }) },
    nullable: false,
    errors: { types: SANDBOX_MUTATION_ERRORS, directResult: true, union: { name: 'ResetConnectionResult' } },
    resolve: async (_r, { input }, ctx) => {
      ctx.spendProviderCall();
      return { connection: await ctx.service.resetConnection(ctx.caller, internalId(input.connectionId)) };
    },
  }),
);

const ResetConnectionsInput = builder.inputType('ResetConnectionsInput', {
  fields: (t) => ({ connectionIds: t.idList({ required: false, description: "Null or empty: all of the caller's connections." }) }),
});
const ResetConnectionsPayload = payloadType<{ connections: ConnectionRecord[] }>('ResetConnectionsPayload', (t) => ({
  connections: t.field({ type: [ConnectionRef], resolve: (p) => p.connections }),
}));

builder.mutationField('resetConnections', (t) =>
  t.field({
    type: ResetConnectionsPayload,
    args: { input: t.arg({ type: ResetConnectionsInput, required: true }) },
    nullable: false,
    errors: { types: SANDBOX_MUTATION_ERRORS, directResult: true, union: { name: 'ResetConnectionsResult' } },
    resolve: async (_r, { input }, ctx) => {
      ctx.spendProviderCall();
      if ((input.connectionIds?.length ?? 0) > 100) throw new InvalidInputError('At most 100 connectionIds at once.', 'connectionIds');
      const ids = input.connectionIds?.map((id) => internalId(id, 'connectionIds')) ?? null;
      return { connections: await ctx.service.resetConnections(ctx.caller, ids) };
    },
  }),
);

// --- refreshConnection / removeConnection -------------------------------------

const RefreshConnectionInput = builder.inputType('RefreshConnectionInput', { fields: (t) => ({ connectionId: t.id({ required: true }) }) });
const RefreshConnectionPayload = ConnectionPayload('RefreshConnectionPayload');

builder.mutationField('refreshConnection', (t) =>
  t.field({
    type: RefreshConnectionPayload,
    description: 'Re-read the status from the provider now.',
    args: { input: t.arg({ type: RefreshConnectionInput, required: true }) },
    nullable: false,
    errors: { types: CONNECTION_MUTATION_ERRORS, directResult: true, union: { name: 'RefreshConnectionResult' } },
    resolve: async (_r, { input }, ctx) => {
      ctx.spendProviderCall();
      return { connection: await ctx.service.refreshConnection(ctx.caller, internalId(input.connectionId)) };
    },
  }),
);

const CompleteUpdateLinkInput = builder.inputType('CompleteUpdateLinkInput', { fields: (t) => ({ connectionId: t.id({ required: true }) }) });
const CompleteUpdateLinkPayload = ConnectionPayload('CompleteUpdateLinkPayload');

builder.mutationField('completeUpdateLink', (t) =>
  t.field({
    type: CompleteUpdateLinkPayload,
    description:
      "Call when the provider's widget reports success in update mode (no token exchange). Ends an announced expiry (EXPIRING) and re-reads the status from the provider.",
    args: { input: t.arg({ type: CompleteUpdateLinkInput, required: true }) },
    nullable: false,
    errors: { types: CONNECTION_MUTATION_ERRORS, directResult: true, union: { name: 'CompleteUpdateLinkResult' } },
    resolve: async (_r, { input }, ctx) => {
      ctx.spendProviderCall();
      return { connection: await ctx.service.completeUpdateLink(ctx.caller, internalId(input.connectionId)) };
    },
  }),
);

const RemoveConnectionInput = builder.inputType('RemoveConnectionInput', { fields: (t) => ({ connectionId: t.id({ required: true }) }) });
const RemoveConnectionPayload = payloadType<{ removedConnectionId: string }>('RemoveConnectionPayload', (t) => ({
  removedConnectionId: t.id({ resolve: (p) => p.removedConnectionId }),
}));

builder.mutationField('removeConnection', (t) =>
  t.field({
    type: RemoveConnectionPayload,
    args: { input: t.arg({ type: RemoveConnectionInput, required: true }) },
    nullable: false,
    errors: { types: CONNECTION_MUTATION_ERRORS, directResult: true, union: { name: 'RemoveConnectionResult' } },
    resolve: async (_r, { input }, ctx) => {
      ctx.spendProviderCall();
      const id = await ctx.service.removeConnection(ctx.caller, internalId(input.connectionId));
      return { removedConnectionId: encodeGlobalID('Connection', id) };
    },
  }),
);

