import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { createTokenCipher } from '../src/store/crypto.js';
import { openStore } from '../src/store/index.js';
import { serveParent } from './ipc.js';

/**
 * The gateway as `npm start` runs it (buildApp + node:http), configured from the environment the
 * orchestrator passes (LOG_LEVEL=silent, emulator URL, store). Reports its URL and, on request,
 * its resident memory.
 */
const server = createServer();
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
// PUBLIC_URL must be known before buildApp: webhooks registered at providers point at it.
const config = loadConfig({ ...process.env, PUBLIC_URL: url });
if (!config.encryptionKey) throw new Error('the bench passes ENCRYPTION_KEY');
const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, cipher: createTokenCipher(config.encryptionKey) });
await store.migrate();
// An experiment for the store-read bound (`memoReads`): while on, a page of connections or a
// connection with its credential asked before is answered from memory, so the measured request
// does everything but the database read. Off, the store is the gateway's own.
let memoReads = false;
const answers = new Map<string, Promise<unknown>>();
function memo<A extends unknown[], R>(read: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return (...args) => {
    if (!memoReads) return read(...args);
    const key = JSON.stringify([read.name, args]);
    let answer = answers.get(key) as Promise<R> | undefined;
    if (!answer) answers.set(key, (answer = read(...args)));
    return answer;
  };
}
const app = await buildApp(config, createLogger(config.logLevel), {
  store: { ...store, listConnections: memo(store.listConnections), getConnectionWithCredential: memo(store.getConnectionWithCredential) },
});
server.on('request', app.gateway);

let profiler: Session | null = null;
serveParent({ url }, {
  /** RSS after a full GC (when exposed), so the figure is live memory rather than GC timing. */
  memory: () => {
    (globalThis as { gc?: () => void }).gc?.();
    const m = process.memoryUsage();
    return { rssBytes: m.rss, heapUsedBytes: m.heapUsed };
  },
  connections: () => new Promise<number>((r) => server.getConnections((_e, n) => r(n))),
  /** BENCH_PROFILE_DIR: a CPU profile of one measured window (`{ start: true }`, then `{ file }`). */
  profile: async (arg: unknown) => {
    const a = arg as { start?: boolean; file?: string };
    if (a.start) {
      profiler ??= new Session();
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.start');
      return true;
    }
    if (!profiler) return false;
    const { profile } = await profiler.post('Profiler.stop');
    profiler.disconnect();
    await writeFile(a.file!, JSON.stringify(profile));
    return true;
  },
  memoReads: (on: unknown) => {
    memoReads = on === true;
    answers.clear();
    return memoReads;
  },
});

process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close();
  void app.close().then(() => store.close()).finally(() => process.exit(0));
});
