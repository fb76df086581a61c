import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSchema, createYoga } from 'graphql-yoga';
import { serveParent } from './ipc.js';

/**
 * The baseline for the store-read scenarios: a bare graphql-yoga server answering the same
 * connections page (the 50 objects the gateway returned, with their accounts when the page has
 * them, handed over by the orchestrator) from memory, with no authentication, store or loader.
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
  `,
  resolvers: {
    Query: {
      connections: (_: unknown, { first }: { first?: number | null }) => {
        const edges = page.edges.slice(0, first ?? 20);
        return { totalCount: page.totalCount, pageInfo: page.pageInfo, edges };
      },
    },
  },
});

let page: { totalCount: number; pageInfo: unknown; edges: unknown[] } = { totalCount: 0, pageInfo: { hasNextPage: false, endCursor: null }, edges: [] };
const yoga = createYoga({ schema, logging: false, landingPage: false, graphiql: false });
const server = createServer(yoga);
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));

serveParent({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }, {
  setPage: (p: typeof page) => {
    page = p;
    return p.edges.length;
  },
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
