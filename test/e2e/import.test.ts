// importConnection (contract section 8) through GraphQL, for both providers: connections made
// outside the gateway (emulator control calls) are verified, re-pointed at the gateway, stored
// encrypted and read; bad credentials, existing connections and userId rules.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProviderName } from '../../src/domain/connection.js';
import { eventually, startHarness, type Harness } from '../helpers/harness.js';
import { eventsFor, internalIdOf } from '../webhooks/helpers.js';
import { GET } from './operations.js';

const IMPORT = `mutation Import($input: ImportConnectionInput!) {
  importConnection(input: $input) {
    __typename
    ... on ImportConnectionPayload { connection { ...ConnectionFields } }
    ... on Error { code message }
    ... on InvalidInputError { field }
  }
}`;

let h: Harness;
let alice: string;
let bob: string;
let admin: string;
beforeAll(async () => {
  h = await startHarness();
  [alice, bob, admin] = await Promise.all([h.token('alice'), h.token('bob'), h.token('ops-admin', { scope: 'admin' })]);
});
afterAll(async () => {
  await h?.close();
});

/** A connection made outside the gateway, as each provider would hold it. */
interface Outside {
  credential: string;
  providerConnectionId: string;
}

interface Driver {
  provider: ProviderName;
  /** Made at the provider, its webhook pointing somewhere else. */
  create(h: Harness): Outside;
  /** Credentials the provider does not recognise (unknown, malformed, removed). */
  bad(h: Harness): Promise<string[]>;
  /** Provider requests made so far that change something (webhook updates). */
  webhookUpdates(h: Harness, o: Outside): unknown[];
  /** Provider requests of any kind so far. */
  requests(h: Harness): number;
  /** What the provider now holds as the connection's webhook URL. */
  webhookAt(h: Harness, pcid: string): string | null | undefined;
}

const OLD_HOOK = 'https://old-backend.example.com/hooks';

const drivers: Driver[] = [
  {
    provider: 'PLAID',
    create: (h) => {
      const { item_id, access_token } = h.plaid.createItem({ webhook: OLD_HOOK });
      return { credential: access_token, providerConnectionId: item_id };
    },
    bad: async (h) => {
      const removed = h.plaid.createItem({});
      h.plaid.item(removed.item_id).removed = true; // as after /item/remove
      return ['access-sandbox-00000000-0000-0000-0000-000000000000', 'not-an-access-token', removed.access_token];
    },
    webhookUpdates: (h, o) => h.plaid.requests.filter((r) => r.path === '/item/webhook/update' && (r.body as { access_token?: string }).access_token === o.credential),
    requests: (h) => h.plaid.requests.length,
    webhookAt: (h, pcid) => h.plaid.getItem(pcid)?.webhook,
  },
  {
    provider: 'MONEYKIT',
    create: (h) => {
      const link = h.moneykit.createLink({ webhook: OLD_HOOK });
      return { credential: link.link_id, providerConnectionId: link.link_id };
    },
    bad: async (h) => {
      const deleted = h.moneykit.createLink({});
      h.moneykit.setLinkState(deleted.link_id, 'deleted', null);
      return ['mk_0000000000000000000000', deleted.link_id];
    },
    webhookUpdates: (h, o) => h.moneykit.requests.filter((r) => r.method === 'PATCH' && r.path === `/links/${o.providerConnectionId}`),
    requests: (h) => h.moneykit.requests.length,
    webhookAt: (h, pcid) => h.moneykit.getLink(pcid)?.webhook,
  },
];

const rowsFor = async (provider: ProviderName, pcid: string) => (await h.store.findByProviderId(provider, pcid)) ?? null;

describe.each(drivers)('importConnection on $provider', (d) => {
  it('verifies, points the webhooks at the gateway, stores the credential encrypted and reads the status', async () => {
    const outside = d.create(h);
    const res = await h.gql(alice, IMPORT, { input: { provider: d.provider, credential: outside.credential } });
    expect(res.body.errors).toBeUndefined();
    const c = res.body.data.importConnection;
    expect(c.__typename).toBe('ImportConnectionPayload');
    expect(c.connection).toMatchObject({ provider: d.provider, providerConnectionId: outside.providerConnectionId, userId: 'alice', status: 'CONNECTED', requiredAction: 'NONE', error: null });
    expect(c.connection.institution?.id).toEqual(expect.any(String));

    // Stored, owned by the caller, sandbox like the adapter; the secret encrypted at rest.
    const row = await rowsFor(d.provider, outside.providerConnectionId);
    expect(row).toMatchObject({ id: internalIdOf(c.connection.id), userId: 'alice', sandbox: true, status: 'CONNECTED' });
    const [cred] = await h.store.getCredentials([row!.id]);
    expect(cred).toBe(d.provider === 'PLAID' ? outside.credential : null);
    if (d.provider === 'PLAID') {
      const raw = await h.store.db.selectFrom('connections').selectAll().where('id', '=', row!.id).executeTakeFirstOrThrow();
      expect(JSON.stringify(raw)).not.toContain(outside.credential);
    }

    // The provider now sends this connection's webhooks to the gateway, asked for exactly once.
    const hook = `${h.url}/webhooks/${d.provider.toLowerCase()}`;
    expect(d.webhookAt(h, outside.providerConnectionId)).toBe(hook);
    expect(d.webhookUpdates(h, outside)).toHaveLength(1);

    // Reachable as any connection of the owner.
    expect((await h.gql(alice, GET, { id: c.connection.id })).body.data.connection).toMatchObject({ id: c.connection.id, status: 'CONNECTED' });
  });

  it('an invalid credential is INVALID_INPUT on credential and stores nothing', async () => {
    for (const credential of [...(await d.bad(h)), '   ']) {
      const before = (await h.store.listConnections({}, { first: 500, after: null })).items.length;
      const res = await h.gql(alice, IMPORT, { input: { provider: d.provider, credential } });
      expect(res.body.errors).toBeUndefined();
      expect(res.body.data.importConnection, credential).toMatchObject({ __typename: 'InvalidInputError', code: 'INVALID_INPUT', field: 'credential' });
      expect(res.body.data.importConnection.message).not.toContain(credential.trim() || '\u0000');
      expect((await h.store.listConnections({}, { first: 500, after: null })).items.length).toBe(before);
    }
  });

  it('an already stored connection: the same connection to its owner, NOT_FOUND to anyone else, nothing changed', async () => {
    const outside = d.create(h);
    const first = (await h.gql(alice, IMPORT, { input: { provider: d.provider, credential: outside.credential } })).body.data.importConnection;
    expect(first.__typename).toBe('ImportConnectionPayload');
    const again = (await h.gql(alice, IMPORT, { input: { provider: d.provider, credential: outside.credential } })).body.data.importConnection;
    expect(again.__typename).toBe('ImportConnectionPayload');
    expect(again.connection.id).toBe(first.connection.id);
    const before = await rowsFor(d.provider, outside.providerConnectionId);
    const theirs = (await h.gql(bob, IMPORT, { input: { provider: d.provider, credential: outside.credential } })).body.data.importConnection;
    expect(theirs).toMatchObject({ __typename: 'NotFoundError', code: 'NOT_FOUND' });
    const after = await rowsFor(d.provider, outside.providerConnectionId);
    expect({ ...after, stateRefreshedAt: null }).toEqual({ ...before, stateRefreshedAt: null });
    expect(after?.userId).toBe('alice');
    // The webhook was pointed at the gateway once, by the first import only.
    expect(d.webhookUpdates(h, outside)).toHaveLength(1);
  });

  it('concurrent imports of the same credential end with one row', async () => {
    const outside = d.create(h);
    const results = await Promise.all(
      Array.from({ length: 4 }, () => h.gql(alice, IMPORT, { input: { provider: d.provider, credential: outside.credential } })),
    );
    const ids = new Set(results.map((r) => r.body.data.importConnection.connection?.id));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toEqual(expect.any(String));
    expect((await h.store.listConnections({ userId: 'alice', provider: d.provider }, { first: 500, after: null })).items.filter((c) => c.providerConnectionId === outside.providerConnectionId)).toHaveLength(1);
  });

  it('a non-admin naming userId is refused like filter.userId: nothing imported, no provider call', async () => {
    const outside = d.create(h);
    const calls = d.requests(h);
    const res = await h.gql(alice, IMPORT, { input: { provider: d.provider, credential: outside.credential, userId: 'alice' } });
    expect(res.body.data).toBeNull();
    expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(d.requests(h)).toBe(calls);
    expect(await rowsFor(d.provider, outside.providerConnectionId)).toBeNull();
    expect(d.webhookAt(h, outside.providerConnectionId)).toBe(OLD_HOOK);
  });

  it("an admin naming userId imports for that user; importing it again answers that user's connection", async () => {
    const outside = d.create(h);
    const res = (await h.gql(admin, IMPORT, { input: { provider: d.provider, credential: outside.credential, userId: 'carol' } })).body.data.importConnection;
    expect(res.__typename).toBe('ImportConnectionPayload');
    expect(res.connection.userId).toBe('carol');
    expect((await rowsFor(d.provider, outside.providerConnectionId))?.userId).toBe('carol');
    const carol = await h.token('carol');
    expect((await h.gql(carol, GET, { id: res.connection.id })).body.data.connection).toMatchObject({ id: res.connection.id, userId: 'carol' });
    // For carol again: her connection; for another owner (the admin's own sub): NOT_FOUND.
    const again = (await h.gql(admin, IMPORT, { input: { provider: d.provider, credential: outside.credential, userId: 'carol' } })).body.data.importConnection;
    expect(again.connection?.id).toBe(res.connection.id);
    const other = (await h.gql(admin, IMPORT, { input: { provider: d.provider, credential: outside.credential } })).body.data.importConnection;
    expect(other).toMatchObject({ __typename: 'NotFoundError' });
    const empty = (await h.gql(admin, IMPORT, { input: { provider: d.provider, credential: outside.credential, userId: ' ' } })).body.data.importConnection;
    expect(empty).toMatchObject({ __typename: 'InvalidInputError', field: 'userId' });
  });

  it('provider down: PROVIDER_UNAVAILABLE and nothing stored', async () => {
    const outside = d.create(h);
    const emu = d.provider === 'PLAID' ? h.plaid : h.moneykit;
    const path = d.provider === 'PLAID' ? '/item/get' : `/links/${outside.providerConnectionId}`;
    emu.injectFault({ path, kind: 'http500', times: -1 });
    try {
      const res = (await h.gql(alice, IMPORT, { input: { provider: d.provider, credential: outside.credential } })).body.data.importConnection;
      expect(res).toMatchObject({ __typename: 'ProviderError', code: 'PROVIDER_UNAVAILABLE' });
    } finally {
      emu.clearFaults();
    }
    expect(await rowsFor(d.provider, outside.providerConnectionId)).toBeNull();
  });
});

describe('webhooks after a Plaid import', () => {
  it("WEBHOOK_UPDATE_ACKNOWLEDGED reaches the gateway, verified and recorded against the imported item", async () => {
    const { item_id, access_token } = h.plaid.createItem({ webhook: OLD_HOOK });
    const res = (await h.gql(alice, IMPORT, { input: { provider: 'PLAID', credential: access_token } })).body.data.importConnection;
    expect(res.__typename).toBe('ImportConnectionPayload');
    const delivery = await h.plaid.waitForWebhook((x) => x.itemId === item_id);
    expect(delivery.url).toBe(`${h.url}/webhooks/plaid`);
    expect(delivery.status).toBe(200);
    expect(JSON.parse(delivery.body)).toMatchObject({ webhook_type: 'ITEM', webhook_code: 'WEBHOOK_UPDATE_ACKNOWLEDGED', item_id, new_webhook_url: `${h.url}/webhooks/plaid` });
    const events = await eventually(async () => {
      const rows = await eventsFor(h, 'PLAID', item_id);
      return rows.length === 1 && rows[0]!.outcome !== null && rows[0]!.outcome !== 'unknown_connection' ? rows : null;
    }, 5000);
    expect(events[0]!.eventType).toBe('ITEM.WEBHOOK_UPDATE_ACKNOWLEDGED');
    // Later webhooks now reach the gateway and change the imported connection.
    await fetch(`${h.plaid.url}/emulator/items/${item_id}/error`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ error: { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOGIN_REQUIRED' }, webhook: true }),
    });
    await eventually(async () => (await rowsFor('PLAID', item_id))?.status === 'LOGIN_REQUIRED', 5000);
    await h.assertNoSecretLeaks();
  });
});
