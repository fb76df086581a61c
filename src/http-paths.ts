// The gateway's own HTTP paths that other parts name (webhook URLs on link tokens, redirect target).
import { PROVIDERS, type ProviderName } from './domain/connection.js';

/** Where each provider delivers webhooks: the gateway puts PUBLIC_URL + this path on every link token. */
export const WEBHOOK_PATHS = { PLAID: '/webhooks/plaid', MONEYKIT: '/webhooks/moneykit' } as const satisfies Record<ProviderName, string>;

/** The full webhook URL per provider, as providers must call it. */
export function webhookUrls(publicUrl: string): Record<ProviderName, string> {
  return Object.fromEntries(PROVIDERS.map((p) => [p, publicUrl + WEBHOOK_PATHS[p]])) as Record<ProviderName, string>;
}

const BY_PATH = new Map<string, ProviderName>(Object.entries(WEBHOOK_PATHS).map(([p, path]) => [path, p as ProviderName]));

/** The provider whose webhook route this path is, if any. */
export function webhookProvider(path: string): ProviderName | undefined {
  return BY_PATH.get(path);
}

/** The default LINK_REDIRECT_URI target: a neutral page the OAuth flow returns to. */
export const LINK_COMPLETE_PATH = '/link/complete';
