// Plaid error catalog for the emulator, written from specs/plaid/REFERENCE.md section 3 and the
// PlaidError schema in the OpenAPI file. Shared with nothing in src/providers on purpose.

export type PlaidErrorBody = {
  error_type: string;
  error_code: string;
  error_code_reason: string | null;
  error_message: string;
  display_message: string | null;
  request_id?: string;
  causes?: unknown[];
  status?: number | null;
  documentation_url?: string;
  suggested_action?: string | null;
};

type CatalogEntry = {
  type: string;
  status: number;
  message: string;
  display: string | null;
  suggested?: string;
};

// Keyed by error_code. Messages follow Plaid's documented examples where the docs give one.
export const ERROR_CATALOG: Record<string, CatalogEntry> = {
  // INVALID_REQUEST
  INVALID_BODY: { type: 'INVALID_REQUEST', status: 400, message: 'body could not be parsed as valid JSON. ensure the request body is valid JSON and the Content-Type header is application/json', display: null },
  INVALID_HEADERS: { type: 'INVALID_REQUEST', status: 400, message: 'the following required headers are missing: Content-Type', display: null },
  MISSING_FIELDS: { type: 'INVALID_REQUEST', status: 400, message: 'the following required fields are missing', display: null },
  INVALID_FIELD: { type: 'INVALID_REQUEST', status: 400, message: 'a field is invalid', display: null },
  UNKNOWN_FIELDS: { type: 'INVALID_REQUEST', status: 400, message: 'the following fields are not recognized by this endpoint', display: null },
  NOT_FOUND: { type: 'INVALID_REQUEST', status: 404, message: 'not found', display: null },
  SANDBOX_ONLY: { type: 'INVALID_REQUEST', status: 400, message: 'access to this endpoint is only available in the sandbox environment', display: null },
  // INVALID_INPUT
  INVALID_API_KEYS: { type: 'INVALID_INPUT', status: 400, message: 'invalid client_id or secret provided', display: null, suggested: 'Check that your client_id and secret are correct for this environment.' },
  INVALID_ACCESS_TOKEN: { type: 'INVALID_INPUT', status: 400, message: 'provided access token is in an invalid format. expected format: access-<environment>-<identifier>', display: null },
  INVALID_PUBLIC_TOKEN: { type: 'INVALID_INPUT', status: 400, message: 'provided public token is in an invalid format. expected format: public-<environment>-<identifier>', display: null },
  INVALID_LINK_TOKEN: { type: 'INVALID_INPUT', status: 400, message: 'provided link token is in an invalid format. expected format: link-<environment>-<identifier>', display: null, suggested: 'Create a new link token.' },
  INVALID_INSTITUTION: { type: 'INVALID_INPUT', status: 400, message: 'invalid institution_id provided', display: null },
  INVALID_PRODUCT: { type: 'INVALID_INPUT', status: 400, message: 'invalid product provided', display: null },
  INVALID_USER_ID: { type: 'INVALID_INPUT', status: 400, message: 'the provided user_id is not valid', display: null },
  INVALID_USER_TOKEN: { type: 'INVALID_INPUT', status: 400, message: 'the provided user_token is not valid', display: null },
  INVALID_WEBHOOK_VERIFICATION_KEY_ID: { type: 'INVALID_INPUT', status: 400, message: 'invalid key_id provided', display: null },
  USER_PERMISSION_REVOKED: { type: 'ITEM_ERROR', status: 400, message: 'the holder of this account has revoked their permission for your application to access it', display: null },
  // ITEM_ERROR
  ITEM_LOGIN_REQUIRED: {
    type: 'ITEM_ERROR',
    status: 400,
    message: "the login details of this item have changed (credentials, MFA, or required user action) and a user login is required to update this information. use Link's update mode to restore the item to a good state",
    display: null,
    suggested: 'Prompt the user to re-authenticate their account.',
  },
  ITEM_NOT_FOUND: { type: 'ITEM_ERROR', status: 400, message: 'the Item you requested cannot be found. This Item does not exist, has been previously removed via /item/remove, or has had access removed by the user', display: null },
  ITEM_LOCKED: { type: 'ITEM_ERROR', status: 400, message: 'the account is locked. prompt the user to visit the institution\'s site and unlock their account', display: 'The given credentials are correct, but the account is locked. Please visit your institution\'s website to unlock your account.' },
  INVALID_CREDENTIALS: { type: 'ITEM_ERROR', status: 400, message: 'the provided credentials were not correct', display: 'The provided credentials were not correct. Please try again.' },
  INVALID_MFA: { type: 'ITEM_ERROR', status: 400, message: 'the provided MFA response(s) were not correct', display: 'The provided MFA responses were not correct. Please try again.' },
  ITEM_NOT_SUPPORTED: { type: 'ITEM_ERROR', status: 400, message: 'this account is currently not supported', display: 'The given account is not currently supported for this financial institution. We apologize for the inconvenience.' },
  USER_SETUP_REQUIRED: { type: 'ITEM_ERROR', status: 400, message: 'the account has not been fully set up. prompt the user to visit the issuing institution\'s site and finish the setup process', display: 'The given account is not fully setup. Please visit your financial institution\'s website to setup your account.' },
  PASSWORD_RESET_REQUIRED: { type: 'ITEM_ERROR', status: 400, message: 'user must reset their password at the institution', display: 'The user must reset their password at their financial institution.' },
  NO_ACCOUNTS: { type: 'ITEM_ERROR', status: 400, message: 'no valid accounts were found for this item', display: 'No valid accounts were found at the financial institution. Please visit your financial institution\'s website to confirm accounts are available.' },
  MFA_NOT_SUPPORTED: { type: 'ITEM_ERROR', status: 400, message: 'this account requires a software-based MFA method, which is not supported', display: 'The multi-factor security features enabled on this account are not currently supported for this financial institution.' },
  PRODUCTS_NOT_SUPPORTED: { type: 'ITEM_ERROR', status: 400, message: '', display: null },
  // INSTITUTION_ERROR
  INSTITUTION_DOWN: { type: 'INSTITUTION_ERROR', status: 400, message: 'this institution is not currently responding to this request. please try again soon', display: 'This financial institution is not currently responding to requests. We apologize for the inconvenience.' },
  INSTITUTION_NOT_RESPONDING: { type: 'INSTITUTION_ERROR', status: 400, message: 'this institution is not currently responding to this request. please try again soon', display: 'This financial institution is not currently responding to requests. We apologize for the inconvenience.' },
  // SANDBOX_ERROR
  SANDBOX_WEBHOOK_INVALID: { type: 'SANDBOX_ERROR', status: 400, message: 'the webhook for this item is either not set or is invalid', display: null },
  SANDBOX_PRODUCT_NOT_ENABLED: { type: 'SANDBOX_ERROR', status: 400, message: 'the requested product is not enabled for this item', display: null },
  // TRANSACTIONS_ERROR
  TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION: { type: 'TRANSACTIONS_ERROR', status: 400, message: 'Underlying transaction data changed since last page was fetched. Please restart pagination from last update.', display: null, suggested: 'Restart the pagination loop from the cursor of its first page.' },
  // API_ERROR / RATE_LIMIT_EXCEEDED
  INTERNAL_SERVER_ERROR: { type: 'API_ERROR', status: 500, message: 'an unexpected error occurred', display: 'Internal error occurred', suggested: 'Retry the request.' },
  PLANNED_MAINTENANCE: { type: 'API_ERROR', status: 503, message: 'the Plaid API is temporarily unavailable due to planned maintenance. visit https://status.plaid.com/ for more information', display: null },
  RATE_LIMIT: { type: 'RATE_LIMIT_EXCEEDED', status: 429, message: 'rate limit exceeded. please try again later', display: null },
  ITEM_GET_LIMIT: { type: 'RATE_LIMIT_EXCEEDED', status: 429, message: 'rate limit exceeded for attempts to access this item. please try again later', display: null },
  INSTITUTIONS_GET_BY_ID_LIMIT: { type: 'RATE_LIMIT_EXCEEDED', status: 429, message: 'rate limit exceeded for attempts to access "institutions get by id". please try again later', display: null },
};

// error_type -> path segment of plaid.com/docs/errors/<segment>/#<code>
const DOC_SEGMENTS: Record<string, string> = {
  INVALID_REQUEST: 'invalid-request',
  INVALID_INPUT: 'invalid-input',
  INVALID_RESULT: 'invalid-result',
  ITEM_ERROR: 'item',
  INSTITUTION_ERROR: 'institution',
  API_ERROR: 'api',
  RATE_LIMIT_EXCEEDED: 'rate-limit-exceeded',
  SANDBOX_ERROR: 'sandbox',
  TRANSACTIONS_ERROR: 'transactions',
  OAUTH_ERROR: 'oauth',
  ASSET_REPORT_ERROR: 'assets',
  RECAPTCHA_ERROR: 'recaptcha',
};

export function documentationUrl(errorType: string, errorCode: string): string {
  const segment = DOC_SEGMENTS[errorType] ?? errorType.toLowerCase().replace(/_/g, '-');
  return `https://plaid.com/docs/errors/${segment}/#${errorCode.toLowerCase()}`;
}

/** Error thrown inside request handlers; the server turns it into a PlaidError response. */
export class PlaidApiError extends Error {
  readonly status: number;
  readonly body: Omit<PlaidErrorBody, 'request_id'>;
  constructor(status: number, body: Omit<PlaidErrorBody, 'request_id'>) {
    super(`${body.error_type}/${body.error_code}`);
    this.status = status;
    this.body = body;
  }
}

/** Builds a PlaidError for a catalogued code; `message` replaces the catalog text when given. */
export function plaidError(code: string, message?: string, extra?: Partial<PlaidErrorBody> & { status?: number }): PlaidApiError {
  const entry = ERROR_CATALOG[code] ?? { type: 'API_ERROR', status: 500, message: 'an unexpected error occurred', display: null };
  const type = extra?.error_type ?? entry.type;
  const status = extra?.status ?? entry.status;
  return new PlaidApiError(status, {
    error_type: type,
    error_code: code,
    error_code_reason: extra?.error_code_reason ?? null,
    error_message: message ?? entry.message,
    display_message: extra?.display_message !== undefined ? extra.display_message : entry.display,
    causes: [],
    // `status` is left out: Plaid only puts it in webhook-delivered errors.
    documentation_url: documentationUrl(type, code),
    suggested_action: extra?.suggested_action !== undefined ? extra.suggested_action : (entry.suggested ?? null),
  });
}

/** Item-level error object (as stored on the Item and shown by /item/get and ITEM ERROR webhooks). */
export function itemErrorObject(input: {
  error_type: string;
  error_code: string;
  error_message?: string | undefined;
  display_message?: string | null | undefined;
  error_code_reason?: string | null | undefined;
}): PlaidErrorBody {
  const entry = ERROR_CATALOG[input.error_code];
  return {
    error_type: input.error_type,
    error_code: input.error_code,
    error_code_reason: input.error_code_reason ?? null,
    error_message: input.error_message ?? entry?.message ?? input.error_code.toLowerCase().replace(/_/g, ' '),
    display_message: input.display_message !== undefined ? input.display_message : (entry?.display ?? null),
    causes: [],
    documentation_url: documentationUrl(input.error_type, input.error_code),
    suggested_action: entry?.suggested ?? null,
  };
}
