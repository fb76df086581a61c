// Child process of pglite-kill.test.ts: opens the embedded store in DIR with KEY, then writes
// connections from several loops without end, printing each one as a JSON line only once its insert
// resolved (acknowledged). The test SIGKILLs it while writes are in flight.
import { randomUUID } from 'node:crypto';
import { createTokenCipher } from '../../src/store/crypto.js';
import { openPgliteStore } from '../../src/store/pglite.js';

const store = await openPgliteStore({ dataDir: process.env.DIR!, cipher: createTokenCipher(Buffer.from(process.env.KEY!, 'base64')) });
await store.migrate();
console.log(JSON.stringify({ ready: true }));
const writer = async (): Promise<never> => {
  for (;;) {
    const credential = `access-sandbox-${randomUUID()}`;
    const record = await store.insertConnection({
      provider: 'PLAID', providerConnectionId: `item-${randomUUID()}`, providerUserId: null, userId: 'user-kill', sandbox: true,
      status: 'CONNECTED', error: null, institution: null, products: ['transactions'], consentExpiresAt: null, expiringUntil: null, lastSyncedAt: null, credential,
    });
    console.log(JSON.stringify({ id: record.id, providerConnectionId: record.providerConnectionId, credential }));
  }
};
await Promise.all([writer(), writer(), writer(), writer()]);
