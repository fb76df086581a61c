export { createPlaidAdapter, plaidItemStatus, plaidErrorInfo, PLAID_HOSTS } from './adapter.js';
export type { PlaidAdapter, PlaidAdapterSettings } from './adapter.js';
