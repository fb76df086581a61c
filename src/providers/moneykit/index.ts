export {
  createMoneyKitAdapter,
  MONEYKIT_DEFAULT_BASE_URL,
  MONEYKIT_DEFAULT_LINK_TOKEN_TTL_MS,
  type MoneyKitAdapter,
  type MoneyKitAdapterSettings,
  type MoneyKitUserLink,
} from './adapter.js';
export { renewalMarginMs, type MoneyKitTokenSource } from './auth.js';
export {
  MONEYKIT_ERROR_KINDS,
  MONEYKIT_OPERATION_ERROR_KINDS,
  MONEYKIT_STATUS_KINDS,
  failureKind,
  type MoneyKitOperation,
} from './errors.js';
export {
  ERROR_STATUS,
  ERROR_TEXT,
  GONE_LINK_CODES,
  MONEYKIT_LEGACY_LINK_ERRORS,
  MONEYKIT_LINK_ERRORS,
  MONEYKIT_LINK_STATES,
  STATE_STATUS,
  linkError,
  linkStatus,
  normalizeLink,
  parseMoneyKitTimestamp,
  type MoneyKitLinkError,
  type MoneyKitLinkState,
} from './status.js';
export {
  jwtExpiry,
  MONEYKIT_API_VERSION,
  MONEYKIT_COUNTRIES,
  MONEYKIT_PRODUCTS,
  MONEYKIT_PRODUCT_SETTINGS,
  type MoneyKitLinkProduct,
} from './schemas.js';
