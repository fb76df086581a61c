import { randomBytes } from 'node:crypto';
import { createTokenCipher } from '../../src/store/crypto.js';
import { openPgliteStore } from '../../src/store/pglite.js';
import { describeStoreSuite } from './store-suite.js';

// One in-memory database for the whole file: creating one costs seconds.
describeStoreSuite('PGlite in memory', {
  open: () => openPgliteStore({ dataDir: null, cipher: createTokenCipher(randomBytes(32)) }),
});
