import type { ProviderFailureKind } from '../errors.js';

/**
 * Plaid error response -> the kind of failure the gateway reports. Code rows win over type rows;
 * anything else is REJECTED with the raw code attached. Branch on error_type/error_code, never
 * on the HTTP status (Plaid's own advice), except that a 5xx without a Plaid body is UNAVAILABLE.
 */
export const PLAID_CALL_ERROR_CODE_KIND = {
  SANDBOX_ONLY: 'SANDBOX_ONLY',
  INVALID_PUBLIC_TOKEN: 'INVALID_INPUT',
  INVALID_PRODUCT: 'INVALID_INPUT',
  INVALID_FIELD: 'INVALID_INPUT',
  INVALID_INSTITUTION: 'INVALID_INPUT',
  INVALID_LINK_CUSTOMIZATION: 'INVALID_INPUT',
  MISSING_FIELDS: 'INVALID_INPUT',
  ITEM_NOT_FOUND: 'NOT_FOUND',
  INVALID_ACCESS_TOKEN: 'NOT_FOUND',
  USER_PERMISSION_REVOKED: 'INVALID_STATE',
  // The sync must restart from the cursor held before its first page (contract section 7).
  TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION: 'INVALID_STATE',
} as const satisfies Partial<Record<string, ProviderFailureKind>>;

export const PLAID_CALL_ERROR_TYPE_KIND = {
  RATE_LIMIT_EXCEEDED: 'RATE_LIMITED',
  API_ERROR: 'UNAVAILABLE',
  ITEM_ERROR: 'INVALID_STATE',
  INSTITUTION_ERROR: 'INVALID_STATE',
} as const satisfies Partial<Record<string, ProviderFailureKind>>;

export function plaidFailureKind(errorType: string, errorCode: string): ProviderFailureKind {
  const codes: Partial<Record<string, ProviderFailureKind>> = PLAID_CALL_ERROR_CODE_KIND;
  const types: Partial<Record<string, ProviderFailureKind>> = PLAID_CALL_ERROR_TYPE_KIND;
  return codes[errorCode] ?? types[errorType] ?? 'REJECTED';
}
