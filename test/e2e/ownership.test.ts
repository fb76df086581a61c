// Ownership by enumeration: every Query/Mutation/Subscription field that takes an id is found by
// walking the built schema, called as user B on user A's object, and must answer exactly like a
// missing one, with no provider call and no state change. A field taking an id that CALLS below
// does not know fails the test, so a new mutation cannot ship without an ownership check.
import {
  getNamedType,
  getNullableType,
  isInputObjectType,
  isListType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLInputType,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderName } from '../../src/domain/connection.js';
import { schema } from '../../src/graphql/schema.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import { internalIdOf, linkConnection, subscribeSse, type Linked } from '../webhooks/helpers.js';
import { GET, RESET, RESET_MANY } from './operations.js';

/** The kinds of owned object an id can name. Accounts and transactions join here later. */
type IdKind = 'Connection';

/** A foreign object for one call: its global id and what B's call must not touch. */
interface Target {
  kind: IdKind;
  id: string;
  /** Stored state that must be identical before and after B's call. */
  snapshot(): Promise<unknown>;
}

interface CallSpec {
  /** The id arguments (dotted paths into the field's arguments) this entry fills. */
  idPaths: string[];
  kind: IdKind;
  /** Make the call as `token` naming `id`; resolves when B's attempt is complete. */
  call(h: Harness, token: string, id: string): Promise<void>;
  /**
   * For fields naming the object by its provider credential instead of an id (idPaths empty): the
   * read-only provider requests the call must make to learn which object that is. Any other fails.
   */
  mayRead?: (r: { method: string; path: string }) => boolean;
}

const NOT_FOUND = { __typename: 'NotFoundError', code: 'NOT_FOUND' };

/** A mutation whose single `input` argument carries the id; the answer must be NotFoundError. */
function mutationCall(field: string, inputType: string, input: (id: string) => Record<string, unknown>, idPath: string): Omit<CallSpec, 'kind'> {
  return {
    idPaths: [idPath],
    async call(h, token, id) {
      const res = await h.gql(token, `mutation($input: ${inputType}!) { ${field}(input: $input) { __typename ... on Error { code message } } }`, { input: input(id) });
      expect(res.body.errors, field).toBeUndefined();
      expect(res.body.data[field], field).toMatchObject(NOT_FOUND);
    },
  };
}

/** A query field whose `id` argument names the object; the answer must be null, not an error. */
function nullQueryCall(field: string): Omit<CallSpec, 'kind'> {
  return {
    idPaths: ['id'],
    async call(h, token, id) {
      const res = await h.gql(token, `query($id: ID!) { ${field}(id: $id) { __typename } }`, { id });
      expect(res.body).toEqual({ data: { [field]: null } });
    },
  };
}

/**
 * How to call each id-taking field, keyed "Type.field". To add a field: one row. `idPaths` must
 * name every ID-typed argument or input field the schema walk finds for that field.
 */
const CALLS: Record<string, CallSpec> = {
  'Query.node': { kind: 'Connection', ...nullQueryCall('node') },
  'Query.connection': { kind: 'Connection', ...nullQueryCall('connection') },
  'Mutation.createUpdateLinkToken': { kind: 'Connection', ...mutationCall('createUpdateLinkToken', 'CreateUpdateLinkTokenInput', (id) => ({ connectionId: id }), 'input.connectionId') },
  'Mutation.resetConnection': { kind: 'Connection', ...mutationCall('resetConnection', 'ResetConnectionInput', (id) => ({ connectionId: id }), 'input.connectionId') },
  'Mutation.resetConnections': { kind: 'Connection', ...mutationCall('resetConnections', 'ResetConnectionsInput', (id) => ({ connectionIds: [id] }), 'input.connectionIds') },
  'Mutation.refreshConnection': { kind: 'Connection', ...mutationCall('refreshConnection', 'RefreshConnectionInput', (id) => ({ connectionId: id }), 'input.connectionId') },
  'Mutation.completeUpdateLink': { kind: 'Connection', ...mutationCall('completeUpdateLink', 'CompleteUpdateLinkInput', (id) => ({ connectionId: id }), 'input.connectionId') },
  'Mutation.removeConnection': { kind: 'Connection', ...mutationCall('removeConnection', 'RemoveConnectionInput', (id) => ({ connectionId: id }), 'input.connectionId') },
  'Query.transactionsSync': {
    kind: 'Connection',
    idPaths: ['input.connectionId'],
    async call(h, token, id) {
      const res = await h.gql(token, 'query($input: TransactionsSyncInput!) { transactionsSync(input: $input) { __typename ... on Error { code message } } }', { input: { connectionId: id, count: 10 } });
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.transactionsSync).toMatchObject(NOT_FOUND);
    },
  },
  // Names the connection by its credential (Plaid access token, MoneyKit link id), verified at the provider first.
  'Mutation.importConnection': {
    kind: 'Connection',
    idPaths: [],
    mayRead: (r) => r.path === '/item/get' || r.path === '/institutions/get_by_id' || r.method === 'GET' || r.path === '/auth/token',
    async call(h, token, id) {
      const found = (await h.store.getConnectionWithCredential(internalIdOf(id)))!;
      const input = { provider: found.record.provider, credential: found.credential ?? found.record.providerConnectionId };
      const res = await h.gql(token, 'mutation($input: ImportConnectionInput!) { importConnection(input: $input) { __typename ... on Error { code message } } }', { input });
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.importConnection).toMatchObject(NOT_FOUND);
    },
  },
  'Subscription.connectionUpdated': {
    kind: 'Connection',
    idPaths: ['id'],
    // B's stream on A's id stays silent while a change to A's connection reaches A's own stream.
    async call(h, token, id) {
      const query = 'subscription($id: ID) { connectionUpdated(id: $id) { id status } }';
      const theirs = await subscribeSse(h.fetch, token, query, { id });
      expect(theirs.status).toBe(200);
      await theirs.close();
    },
  },
};

/** Every ID-typed argument or input field below a field's arguments, as dotted paths. */
function idPathsOf(args: readonly GraphQLArgument[]): string[] {
  const out: string[] = [];
  const walk = (type: GraphQLInputType, path: string, seen: Set<string>) => {
    let t = getNullableType(type);
    while (isListType(t)) t = getNullableType(t.ofType);
    const named = getNamedType(t);
    if (isScalarType(named) && named.name === 'ID') out.push(path);
    if (isInputObjectType(named) && !seen.has(named.name)) {
      for (const f of Object.values(named.getFields())) walk(f.type, `${path}.${f.name}`, new Set([...seen, named.name]));
    }
  };
  for (const a of args) walk(a.type, a.name, new Set());
  return out.sort();
}

/** Schema fields that take an id, with the paths of their id arguments. */
function idTakingFields(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const root of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    if (!root) continue;
    for (const f of Object.values(root.getFields())) {
      const paths = idPathsOf(f.args);
      if (paths.length) found.set(`${root.name}.${f.name}`, paths);
    }
  }
  return found;
}

let h: Harness;
let alice: string;
let bob: string;
const owned: Record<ProviderName, Linked> = {} as Record<ProviderName, Linked>;

/** Webhook verification key fetches are the gateway verifying an earlier delivery, not B's call. */
const KEY_FETCHES = new Set(['/webhook_verification_key/get', '/.well-known/jwks.json']);
const providerCalls = (mayRead: CallSpec['mayRead'] = () => false) => [...h.plaid.requests, ...h.moneykit.requests].filter((r) => !KEY_FETCHES.has(r.path) && !mayRead(r)).length;
/** Everything stored about one connection that a call could change. */
async function stored(internalId: string) {
  const [r] = await h.store.getConnections([internalId]);
  const [credential] = await h.store.getCredentials([internalId]);
  return { record: r, credential };
}

beforeAll(async () => {
  // Stored state stays fresh for the whole file: no freshness re-read blurs "no provider call".
  h = await startHarness({ env: { STATUS_MAX_AGE_SECONDS: '3600' } });
  [alice, bob] = await Promise.all([h.token('alice-owner'), h.token('bob-intruder')]);
  owned.PLAID = await linkConnection(h, alice, 'PLAID');
  owned.MONEYKIT = await linkConnection(h, alice, 'MONEYKIT');
  await linkConnection(h, bob, 'PLAID'); // B has a connection of his own
});
afterAll(async () => {
  await h?.close();
});

describe('ownership by enumeration of the schema', () => {
  it('every id-taking field of the schema has a row in CALLS, with the id paths it takes', () => {
    const found = idTakingFields();
    // Sanity: the walk itself works (these fields exist today).
    expect([...found.keys()]).toEqual(expect.arrayContaining(['Query.connection', 'Mutation.resetConnection', 'Subscription.connectionUpdated']));
    const unknown = [...found.keys()].filter((k) => !CALLS[k]);
    expect(unknown, 'fields taking an id without an ownership row in CALLS').toEqual([]);
    const byCredential = Object.keys(CALLS).filter((k) => CALLS[k]!.idPaths.length === 0);
    const rootFields = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].flatMap((t) => (t ? Object.keys(t.getFields()).map((f) => `${t.name}.${f}`) : []));
    expect(byCredential.filter((k) => !rootFields.includes(k)), 'CALLS rows for fields the schema no longer has').toEqual([]);
    const stale = Object.keys(CALLS).filter((k) => !found.has(k) && !byCredential.includes(k));
    expect(stale, 'CALLS rows for fields the schema no longer has').toEqual([]);
    for (const [k, paths] of found) expect(paths, k).toEqual([...CALLS[k]!.idPaths].sort());
  });

  const targets = (): Target[] =>
    (['PLAID', 'MONEYKIT'] as const).map((p) => ({ kind: 'Connection' as const, id: owned[p].id, snapshot: () => stored(owned[p].internalId) }));

  it.each(Object.keys(CALLS))("%s: B on A's object answers like a missing one, calls no provider, changes nothing", async (key) => {
    const spec = CALLS[key]!;
    for (const t of targets().filter((x) => x.kind === spec.kind)) {
      const before = await t.snapshot();
      const calls = providerCalls(spec.mayRead);
      await spec.call(h, bob, t.id);
      expect(providerCalls(spec.mayRead), `${key} called a provider`).toBe(calls);
      expect(await t.snapshot(), `${key} changed stored state`).toEqual(before);
      // The owner still sees it, unchanged (a removal or reset by B would show here).
      expect((await h.gql(alice, GET, { id: t.id })).body.data.connection).toMatchObject({ id: t.id, status: 'CONNECTED' });
    }
  });

  it("Subscription.connectionUpdated: B's stream on A's id stays silent while A's receives the change", async () => {
    const query = 'subscription($id: ID) { connectionUpdated(id: $id) { id status } }';
    const c = await linkConnection(h, alice, 'PLAID');
    const theirs = await subscribeSse(h.fetch, bob, query, { id: c.id });
    const mine = await subscribeSse(h.fetch, alice, query, { id: c.id });
    try {
      const r = await h.gql(alice, RESET, { input: { connectionId: c.id } });
      expect(r.body.data.resetConnection.connection.status).toBe('LOGIN_REQUIRED');
      expect((await mine.next()).data.connectionUpdated).toEqual({ id: c.id, status: 'LOGIN_REQUIRED' });
      // A negative can only be watched for a while: generous, so a loaded machine cannot fake a pass.
      await new Promise((r) => setTimeout(r, 500));
      expect(theirs.pending()).toEqual([]);
    } finally {
      await theirs.close();
      await mine.close();
    }
  });
});

describe("another user's accounts and transactions", () => {
  it('node(id:) on an Account or Transaction id of A answers null for B, with no provider call, like a missing id', async () => {
    for (const p of ['PLAID', 'MONEYKIT'] as const) {
      const conn = (await h.gql(alice, 'query($id: ID!) { connection(id: $id) { accounts { id } } }', { id: owned[p].id })).body.data.connection;
      expect(conn.accounts.length).toBeGreaterThan(0);
      const sync = (await h.gql(alice, 'query($input: TransactionsSyncInput!) { transactionsSync(input: $input) { ... on TransactionsSyncPayload { added { id } } } }', { input: { connectionId: owned[p].id, count: 5 } })).body.data.transactionsSync;
      expect(sync.added.length).toBeGreaterThan(0);
      const ids = [conn.accounts[0].id, sync.added[0].id];
      const missing = [Buffer.from('Account:00000000-0000-4000-8000-000000000000').toString('base64'), Buffer.from('Transaction:00000000-0000-4000-8000-000000000000').toString('base64')];
      const calls = providerCalls();
      for (const id of [...ids, ...missing]) {
        expect((await h.gql(bob, 'query($id: ID!) { node(id: $id) { id } }', { id })).body, id).toEqual({ data: { node: null } });
      }
      expect(providerCalls()).toBe(calls);
      // The owner resolves both.
      for (const id of ids) expect((await h.gql(alice, 'query($id: ID!) { node(id: $id) { id } }', { id })).body.data.node).toEqual({ id });
    }
  });
});

describe('resetConnections without ids', () => {
  it.each([{}, { connectionIds: null }, { connectionIds: [] }])("resets the caller's connections only (input %j)", async (input) => {
    const carol = await h.token(`carol-${Math.random().toString(36).slice(2)}`);
    const mine = await linkConnection(h, carol, 'PLAID');
    const before = await Promise.all((['PLAID', 'MONEYKIT'] as const).map((p) => stored(owned[p].internalId)));
    const res = (await h.gql(carol, RESET_MANY, { input })).body.data.resetConnections;
    expect(res.__typename).toBe('ResetConnectionsPayload');
    expect(res.connections).toEqual([{ id: mine.id, status: 'LOGIN_REQUIRED', requiredAction: 'UPDATE_LINK' }]);
    expect(await Promise.all((['PLAID', 'MONEYKIT'] as const).map((p) => stored(owned[p].internalId)))).toEqual(before);
  });
});
