// MoneyKit knowledge the emulator needs, kept as data. Written from specs/moneykit (REFERENCE.md,
// moneykit-openapi.reconstructed.json, seed 003) independently of src/providers/moneykit on purpose:
// a misreading shared by both sides would let every test pass.

export const LINK_STATES = ['connecting', 'awaiting_token_exchange', 'connected', 'deleted', 'error'] as const;
export type LinkState = (typeof LINK_STATES)[number];

// PublicLinkError, current full list in SDK order (REFERENCE §5).
export const LINK_ERROR_CODES = [
  'system_error',
  'provider_error',
  'institution_error',
  'user_error',
  'auth_expired',
  'no_accounts',
  'user_setup_required',
  'invalid_credentials',
  'user_oauth_denied',
  'user_input_incorrect',
  'incomplete',
] as const;
export type LinkErrorCode = (typeof LINK_ERROR_CODES)[number];

// error_message sent with link.state_changed webhooks (paraphrasing REFERENCE §5).
export const LINK_ERROR_MESSAGES = {
  system_error: 'An unexpected MoneyKit error occurred.',
  provider_error: 'The data provider for this institution is currently failing.',
  institution_error: 'The institution is currently unavailable.',
  user_error: 'The user did not finish connecting this link.',
  auth_expired: 'The authorization for this link has expired. The user must reconnect.',
  no_accounts: 'No accounts carry the requested product data.',
  user_setup_required: 'The user must take action at the institution to restore access.',
  invalid_credentials: 'The user entered invalid credentials.',
  user_oauth_denied: 'The user denied access in the institution OAuth flow.',
  user_input_incorrect: 'The user gave an incorrect answer to a security question.',
  incomplete: 'The link is waiting for user action.',
} as const satisfies Record<LinkErrorCode, string>;

// Products a link can hold; `enrichment` is in the enum but not requestable through settings.
export const PRODUCTS = ['accounts', 'account_numbers', 'identity', 'transactions', 'investments'] as const;
export type Product = (typeof PRODUCTS)[number];
export const SETTABLE_PRODUCTS = ['account_numbers', 'identity', 'transactions', 'investments'] as const;
export type SettableProduct = (typeof SETTABLE_PRODUCTS)[number];

export const PROVIDERS = ['moneykit', 'finicity', 'plaid', 'yodlee', 'mx', 'akoya'] as const;
export type UpstreamProvider = (typeof PROVIDERS)[number];
export const COUNTRIES = ['US', 'GB', 'CA'] as const;

export interface InstitutionRecord {
  institution_id: string;
  institution_id_aliases: string[];
  name: string;
  country: (typeof COUNTRIES)[number];
  domain: string | null;
  color: string | null;
  color_dark: string | null;
  is_featured: boolean;
  /** Not part of Institution: the avatar and aggregator the emulator puts on links made here. */
  avatar: string;
  provider: UpstreamProvider;
}

// MoneyKit's documented sandbox banks (REFERENCE §11) plus `chase`, the docs' example id.
export const INSTITUTIONS: readonly InstitutionRecord[] = [
  {
    institution_id: 'mk_credentials_bank',
    institution_id_aliases: [],
    name: 'Credentials Bank',
    country: 'US',
    domain: 'credentialsbank.example',
    color: '#1f6feb',
    color_dark: '#58a6ff',
    is_featured: true,
    avatar: 'https://assets.moneykit.test/institutions/mk_credentials_bank.png',
    provider: 'moneykit',
  },
  {
    institution_id: 'mk_instant_bank',
    institution_id_aliases: [],
    name: 'Instant Bank',
    country: 'US',
    domain: 'instantbank.example',
    color: '#2da44e',
    color_dark: '#56d364',
    is_featured: true,
    avatar: 'https://assets.moneykit.test/institutions/mk_instant_bank.png',
    provider: 'moneykit',
  },
  {
    institution_id: 'mk_oauth_bank',
    institution_id_aliases: [],
    name: 'OAuth Bank',
    country: 'US',
    domain: 'oauthbank.example',
    color: '#8250df',
    color_dark: '#a371f7',
    is_featured: true,
    avatar: 'https://assets.moneykit.test/institutions/mk_oauth_bank.png',
    provider: 'moneykit',
  },
  {
    institution_id: 'chase',
    institution_id_aliases: ['mx.chase'],
    name: 'Chase',
    country: 'US',
    domain: 'chase.com',
    color: '#117aca',
    color_dark: '#5aa9e6',
    is_featured: true,
    avatar: 'https://assets.moneykit.test/institutions/chase.png',
    provider: 'mx',
  },
];

export const DEFAULT_INSTITUTION_ID = 'mk_credentials_bank';

export const DOCUMENTATION_URL = 'https://docs.moneykit.com/api-reference/errors';

// Error catalogue (REFERENCE §7, spec defaults). `api_error.internal_server_error` is the emulator's
// own name for a 5xx: MoneyKit documents no body for server errors.
export const ERROR_CATALOGUE = {
  'api_error.auth.unauthorized': { status: 401, message: 'Unauthorized.' },
  'api_error.auth.expired_access_token': { status: 401, message: 'Access token expired' },
  'api_error.rate_limit_exceeded': { status: 429, message: 'Rate limit exceeded' },
  'api_error.request.validation_failed': { status: 422, message: 'Request validation error' },
  'api_error.internal_server_error': { status: 500, message: 'Internal server error.' },
  'api_error.not_found': { status: 404, message: 'Not found.' },
  'link_error.unauthorized_access': { status: 401, message: 'Unauthorized link access.' },
  'link_error.forbidden_action': { status: 403, message: 'Forbidden action.' },
  'link_error.not_found': { status: 404, message: 'Link not found.' },
  'link_error.deleted': { status: 410, message: 'This link was deleted at some earlier time.' },
  'link_error.bad_state': { status: 422, message: 'Link is not in a usable state.' },
  'link_error.bad_config': { status: 400, message: 'Bad link configuration.' },
  'link_session_error.forbidden_config': { status: 403, message: 'Link session configuration not allowed.' },
  'link_session_error.invalid_token_exchange': { status: 400, message: 'Invalid token exchange.' },
  'institution_error.not_found': { status: 404, message: 'Institution not found' },
} as const satisfies Record<string, { status: number; message: string }>;
export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export const WEBHOOK_ISSUER = 'https://api.moneykit.com';
