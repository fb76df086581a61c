import type { InstitutionInfo } from '../../domain/connection.js';
import type { PlaidClient } from './client.js';
import { institutionGetResponse, PLAID_COUNTRY_CODES } from './schemas.js';

/**
 * In-memory cache of `/institutions/get_by_id` (name, logo, color, countries), kept for `ttlMs`;
 * concurrent reads of one id share one request. Institution details are decoration: a failed
 * lookup yields null (the item's own institution fields are used) and is not remembered.
 */

export type PlaidInstitution = InstitutionInfo & { countryCodes: string[] };

export interface PlaidInstitutionCache {
  get(institutionId: string): Promise<PlaidInstitution | null>;
}

export function createPlaidInstitutionCache(o: { client: PlaidClient; ttlMs: number }): PlaidInstitutionCache {
  const institutions = new Map<string, { at: number; value: Promise<PlaidInstitution | null> }>();
  return {
    get(id) {
      const hit = institutions.get(id);
      if (hit && Date.now() - hit.at < o.ttlMs) return hit.value;
      const value = o.client
        .call(
          '/institutions/get_by_id',
          { institution_id: id, country_codes: PLAID_COUNTRY_CODES, options: { include_optional_metadata: true } },
          institutionGetResponse,
          true,
        )
        .then(
          (r) => ({
            id: r.institution.institution_id,
            name: r.institution.name ?? null,
            logoUrl: r.institution.logo ? `data:image/png;base64,${r.institution.logo}` : null,
            primaryColor: r.institution.primary_color ?? null,
            countryCodes: r.institution.country_codes ?? [],
          }),
          () => {
            institutions.delete(id);
            return null;
          },
        );
      institutions.set(id, { at: Date.now(), value });
      return value;
    },
  };
}
