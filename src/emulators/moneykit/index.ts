// Public API of the MoneyKit sandbox emulator (see server.ts for routes and behaviour).
export {
  startMoneyKitEmulator,
  EmulatorError,
  LINK_STATES,
  LINK_ERROR_CODES,
  type MoneyKitEmulator,
  type MoneyKitEmulatorApp,
  type MoneyKitEmulatorOptions,
  type MoneyKitEnv,
  type FaultSpec,
  type LinkCommon,
  type LinkProductResponse,
  type LinkState,
  type LinkErrorCode,
  type Product,
  type RecordedRequest,
  type WebhookDelivery,
  type CompleteConnectResult,
  type CreateLinkInput,
  type TransactionControlInput,
  type BalancesInput,
} from './server.js';
export { INSTITUTIONS, DEFAULT_INSTITUTION_ID } from './data.js';
