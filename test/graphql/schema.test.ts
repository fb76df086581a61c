import { readFileSync } from 'node:fs';
import { buildSchema, parse, printSchema, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../../src/graphql/schema.js';
import * as ops from '../e2e/operations.js';

describe('GraphQL schema', () => {
  it('matches the committed SDL (run `npm run schema:print` after a deliberate change)', () => {
    const committed = readFileSync(new URL('../../schema/schema.graphql', import.meta.url), 'utf8');
    expect(`${printSchema(schema)}\n`).toBe(committed);
  });

  it('keeps the contract names and shapes', () => {
    const sdl = printSchema(schema);
    for (const line of [
      'connectionUpdated(id: ID): Connection!',
      'createLinkToken(input: CreateLinkTokenInput!): CreateLinkTokenResult!',
      'createUpdateLinkToken(input: CreateUpdateLinkTokenInput!): CreateUpdateLinkTokenResult!',
      'resetConnection(input: ResetConnectionInput!): ResetConnectionResult!',
      'resetConnections(input: ResetConnectionsInput!): ResetConnectionsResult!',
      'refreshConnection(input: RefreshConnectionInput!): RefreshConnectionResult!',
      'removeConnection(input: RemoveConnectionInput!): RemoveConnectionResult!',
      'exchangePublicToken(input: ExchangePublicTokenInput!): ExchangePublicTokenResult!',
      'node(id: ID!): Node',
      'connection(id: ID!): Connection',
      'type Connection implements Node',
      'interface Error',
    ]) {
      expect(sdl).toContain(line);
    }
    const built = buildSchema(sdl);
    const result = built.getType('ResetConnectionResult');
    expect(result && 'getTypes' in result ? (result as any).getTypes().map((t: any) => t.name) : []).toEqual(
      expect.arrayContaining(['ResetConnectionPayload', 'NotFoundError', 'SandboxOnlyError', 'ProviderError']),
    );
  });

  it('validates every operation the tests and codegen use', () => {
    const fragments: Record<string, string> = { ConnectionFields: ops.CONNECTION_FIELDS, AccountFields: ops.ACCOUNT_FIELDS, TransactionFields: ops.TRANSACTION_FIELDS };
    for (const [name, doc] of Object.entries(ops)) {
      if (doc.startsWith('fragment ')) continue;
      const text = [doc, ...Object.entries(fragments).filter(([f]) => doc.includes(`...${f}`)).map(([, d]) => d)].join('\n');
      expect(validate(schema, parse(text)), name).toEqual([]);
    }
  });
});
