export { createPlaidAdapter, PLAID_HOSTS } from './adapter.js';
export type { PlaidAdapter, PlaidAdapterSettings } from './adapter.js';
export { plaidErrorInfo, plaidItemStatus } from './status.js';
