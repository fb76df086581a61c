import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSchema, createYoga } from 'graphql-yoga';
import { Pool } from 'undici';
import { z } from 'zod';
import { serveParent } from './ipc.js';
import { createUpdateLinkToken, type LinkTokenTarget } from './link-token-call.js';

/**
 * The baseline for the store-read scenarios: a bare graphql-yoga server answering the same
 * connections page (the 50 objects the gateway returned, with their accounts when the page has
 * them, handed over by the orchestrator) from memory, with no authentication, store or loader.
 * For the mutation scenario's bound, the same server also answers `createUpdateLinkToken` with one
 * provider call (undici, as the floor process makes it) and nothing else: the GraphQL framework's
 * own share, without the gateway's authentication, store, decryption, breaker or metrics.
 */
const schema = createSchema<Record<string, never>>({
  typeDefs: /* GraphQL */ `
    type ConnectionError { providerCode: String providerType: String message: String displayMessage: String }
    type Institution { id: String name: String logoUrl: String primaryColor: String }
    type Connection {
      id: ID! provider: String! providerConnectionId: String! userId: String! status: String! requiredAction: String!
      error: ConnectionError institution: Institution products: [String!]! consentExpiresAt: String
      lastSyncedAt: String statusChangedAt: String createdAt: String
      accountsUpdatedAt: String accounts: [Account!]!
    }
    type AccountBalances { current: String available: String limit: String currency: String asOf: String }
    type Account {
      id: ID! providerAccountId: String! name: String! officialName: String mask: String type: String!
      subtype: String providerType: String! balances: AccountBalances!
    }
    type Edge { cursor: String! node: Connection! }
    type PageInfo { hasNextPage: Boolean! endCursor: String }
    type ConnectionConnection { totalCount: Int! pageInfo: PageInfo! edges: [Edge!]! }
    type Query { connections(first: Int): ConnectionConnection! }
    interface Error { code: String! message: String! }
    type ProviderError implements Error { code: String! message: String! }
    type LinkToken { provider: String! mode: String! token: String! expiresAt: String! }
    type CreateUpdateLinkTokenPayload { linkToken: LinkToken! connection: Connection! }
    union CreateUpdateLinkTokenResult = CreateUpdateLinkTokenPayload | ProviderError
    input CreateUpdateLinkTokenInput { connectionId: ID! }
    type Mutation { createUpdateLinkToken(input: CreateUpdateLinkTokenInput!): CreateUpdateLinkTokenResult! }
  `,
  resolvers: {
    Query: {
      connections: (_: unknown, { first }: { first?: number | null }) => {
        const edges = page.edges.slice(0, first ?? 20);
        return { totalCount: page.totalCount, pageInfo: page.pageInfo, edges };
      },
    },
    Mutation: {
      createUpdateLinkToken: async (_: unknown, { input }: { input: { connectionId: string } }) => {
        if (!provider) throw new Error('no provider set');
        const t = await createUpdateLinkToken(provider, 'bare');
        return { linkToken: { provider: 'PLAID', mode: 'UPDATE', ...t }, connection: { id: input.connectionId, status: 'CONNECTED' } };
      },
    },
    CreateUpdateLinkTokenResult: { __resolveType: (v: { code?: string }) => (v.code ? 'ProviderError' : 'CreateUpdateLinkTokenPayload') },
  },
});
let provider: LinkTokenTarget | null = null;

let page: { totalCount: number; pageInfo: unknown; edges: unknown[] } = { totalCount: 0, pageInfo: { hasNextPage: false, endCursor: null }, edges: [] };
const yoga = createYoga({ schema, logging: false, landingPage: false, graphiql: false });
const server = createServer(yoga);
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));

serveParent({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }, {
  setProvider: (a: unknown) => {
    const p = z.object({ url: z.string().url(), clientId: z.string(), secret: z.string(), accessToken: z.string(), connections: z.number().int().positive() }).parse(a);
    provider = { pool: new Pool(p.url, { connections: p.connections, pipelining: 1 }), clientId: p.clientId, secret: p.secret, accessToken: p.accessToken };
    return true;
  },
  setPage: (p: typeof page) => {
    page = p;
    return p.edges.length;
  },
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
