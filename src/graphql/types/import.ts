import { GraphQLError } from 'graphql';
import { builder } from '../builder.js';
import { ProviderEnum } from './enums.js';
import { CONNECTION_MUTATION_ERRORS } from './errors.js';
import { ConnectionPayload } from './mutations.js';

// importConnection (contract section 8): bring a Plaid item or MoneyKit link made outside the gateway.

const ImportConnectionInput = builder.inputType('ImportConnectionInput', {
  fields: (t) => ({
    provider: t.field({ type: ProviderEnum, required: true }),
    credential: t.string({ required: true, description: 'Plaid: an existing access_token; MoneyKit: an existing link id.' }),
    userId: t.string({ required: false, description: "Owner; admin callers only (default: the caller's sub)." }),
  }),
});
const ImportConnectionPayload = ConnectionPayload('ImportConnectionPayload');

builder.mutationField('importConnection', (t) =>
  t.field({
    type: ImportConnectionPayload,
    description:
      "Adopt an existing provider connection: the credential is verified with the provider, its webhooks are pointed at the gateway, it is stored encrypted and read. Already stored: the connection itself for its owner, NOT_FOUND for anyone else.",
    args: { input: t.arg({ type: ImportConnectionInput, required: true }) },
    nullable: false,
    errors: { types: CONNECTION_MUTATION_ERRORS, directResult: true, union: { name: 'ImportConnectionResult' } },
    resolve: async (_r, { input }, ctx) => {
      // Refused like connections(filter: { userId }): before anything is read or spent.
      if (input.userId != null && !ctx.caller.admin) throw new GraphQLError('userId is for admin callers only.', { extensions: { code: 'FORBIDDEN' } });
      ctx.spendProviderCall();
      const { connection } = await ctx.service.importConnection(ctx.caller, input);
      return { connection };
    },
  }),
);
