import SchemaBuilder from '@pothos/core';
import ErrorsPlugin from '@pothos/plugin-errors';
import RelayPlugin from '@pothos/plugin-relay';
import { GraphQLError } from 'graphql';
import { isDecimal, type Decimal } from '../domain/decimal.js';
import { isCalendarDate } from '../domain/transaction.js';
import type { GraphQLContext } from './context.js';

/** Types with Relay nodes (node(id:) resolves these). */
const NODE_TYPES = new Set(['Connection', 'Account', 'Transaction']);

/** Plugins and global options only; types live in ./types, one file each. */
export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    ID: { Input: string; Output: string };
    Decimal: { Input: Decimal; Output: Decimal };
    Date: { Input: string; Output: string };
  };
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
  DefaultFieldNullability: false;
}>({
  defaultFieldNullability: false,
  plugins: [ErrorsPlugin, RelayPlugin],
  // No defaultTypes: an unexpected error must stay a masked GraphQL error, never client data.
  errors: { defaultTypes: [] },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodesQueryOptions: false,
    // A well-formed id of a type that has no nodes is simply absent, like a missing connection.
    nodeQueryOptions: {
      resolve: (_root, { id }, _ctx, _info, resolveNode) => (NODE_TYPES.has(id.typename) ? resolveNode(id) : null),
    },
    edgesFieldOptions: { nullable: false },
    nodeFieldOptions: { nullable: false },
    decodeGlobalID: (globalID: string) => decodeId(globalID),
  },
});

const ID_PATTERN = /^([A-Za-z]+):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export class MalformedIdError extends GraphQLError {
  constructor() {
    super('Malformed id.', { extensions: { code: 'INVALID_INPUT' } });
  }
}

/** Opaque global ids: base64url("Type:uuid"). Anything else is a malformed id. */
export function decodeId(globalID: string): { typename: string; id: string } {
  if (typeof globalID !== 'string' || globalID.length > 200) throw new MalformedIdError();
  const m = ID_PATTERN.exec(Buffer.from(globalID, 'base64').toString('utf8'));
  if (!m) throw new MalformedIdError();
  return { typename: m[1]!, id: m[2]! };
}

builder.scalarType('DateTime', {
  description: 'ISO-8601 date-time with time zone, e.g. 2026-11-23T10:00:00.000Z',
  serialize: (d) => (d instanceof Date ? d : new Date(d as string)).toISOString(),
  parseValue: (v) => {
    const d = new Date(String(v));
    if (typeof v !== 'string' || Number.isNaN(d.getTime())) throw new GraphQLError('DateTime must be an ISO-8601 string.');
    return d;
  },
});

builder.scalarType('Decimal', {
  description: 'An exact decimal amount as a string, e.g. "-12.34". Never a float.',
  // Output only ever comes from the exact decimals the adapters read; anything else is a bug, not data.
  serialize: (v) => {
    if (!isDecimal(v)) throw new GraphQLError('Decimal: not an exact decimal.');
    return v;
  },
  parseValue: (v) => {
    if (!isDecimal(v)) throw new GraphQLError('Decimal must be a string like "-12.34".');
    return v;
  },
});

builder.scalarType('Date', {
  description: 'A calendar date, YYYY-MM-DD.',
  serialize: (v) => {
    if (typeof v !== 'string' || !isCalendarDate(v)) throw new GraphQLError('Date: not a calendar date.');
    return v;
  },
  parseValue: (v) => {
    if (typeof v !== 'string' || !isCalendarDate(v)) throw new GraphQLError('Date must be YYYY-MM-DD.');
    return v;
  },
});
