// `npm run emulators`: both sandbox emulators standalone, for trying the gateway against them by hand.
import { randomBytes } from 'node:crypto';
import { startMoneyKitEmulator } from './moneykit/index.js';
import { startPlaidEmulator } from './plaid/index.js';

export interface DemoEmulators {
  plaid: { url: string; clientId: string; secret: string; close(): Promise<void> };
  moneykit: { url: string; clientId: string; clientSecret: string; close(): Promise<void> };
  close(): Promise<void>;
}

/** Start both emulators on loopback with fresh sandbox credentials. */
export async function startDemoEmulators(opts: { host?: string; plaidPort?: number; moneykitPort?: number } = {}): Promise<DemoEmulators> {
  const host = opts.host ?? '127.0.0.1';
  const plaidCreds = { clientId: `demo-${randomBytes(6).toString('hex')}`, secret: randomBytes(16).toString('hex') };
  const mkCreds = { clientId: `sandbox_${randomBytes(6).toString('hex')}`, clientSecret: randomBytes(16).toString('hex') };
  const plaid = await startPlaidEmulator({ ...plaidCreds, env: 'sandbox', host, port: opts.plaidPort ?? 0 });
  const moneykit = await startMoneyKitEmulator({ apps: [{ ...mkCreds, env: 'sandbox' }], host, port: opts.moneykitPort ?? 0 });
  return {
    plaid: { url: plaid.url, ...plaidCreds, close: () => plaid.close() },
    moneykit: { url: moneykit.url, ...mkCreds, close: () => moneykit.close() },
    close: async () => {
      await Promise.all([plaid.close(), moneykit.close()]);
    },
  };
}

const isMain = import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('emulators/main.ts');
if (isMain) {
  const emus = await startDemoEmulators({
    plaidPort: Number(process.env.PLAID_EMULATOR_PORT ?? 4010),
    moneykitPort: Number(process.env.MONEYKIT_EMULATOR_PORT ?? 4020),
  });
  console.log(`Plaid emulator:    ${emus.plaid.url}  PLAID_CLIENT_ID=${emus.plaid.clientId} PLAID_SECRET=${emus.plaid.secret}`);
  console.log(`MoneyKit emulator: ${emus.moneykit.url}  MONEYKIT_CLIENT_ID=${emus.moneykit.clientId} MONEYKIT_CLIENT_SECRET=${emus.moneykit.clientSecret}`);
  console.log('Control routes: POST /emulator/link/complete (Plaid), POST /emulator/connect/complete (MoneyKit); the README lists them all.');
  const stop = () => void emus.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
