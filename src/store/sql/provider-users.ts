// Provider-side user ids learned for a caller (Plaid's `user_id`), one per (provider, user).
import { sql, type Kysely } from 'kysely';
import type { ProviderUserStore } from '../store.js';
import type { Database } from '../schema.js';
import { providerName } from './rows.js';

export function providerUserQueries(db: Kysely<Database>): ProviderUserStore {
  return {
    async setProviderUserId(provider, userId, providerUserId) {
      await db
        .insertInto('provider_users')
        .values({ provider: providerName.parse(provider), user_id: userId, provider_user_id: providerUserId })
        .onConflict((oc) =>
          oc.columns(['provider', 'user_id']).doUpdateSet({ provider_user_id: providerUserId, updated_at: sql`now()` }),
        )
        .execute();
    },

    async getProviderUserId(provider, userId) {
      const row = await db
        .selectFrom('provider_users')
        .select('provider_user_id')
        .where('provider', '=', providerName.parse(provider))
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return row?.provider_user_id ?? null;
    },
  };
}
