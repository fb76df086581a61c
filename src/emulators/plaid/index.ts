// Public API of the Plaid Sandbox emulator.
export {
  PlaidEmulator,
  PlaidApiError,
  SANDBOX_INSTITUTIONS,
  startPlaidEmulator,
  type FaultSpec,
  type ItemErrorInput,
  type ItemSnapshot,
  type LinkCompleteResult,
  type PlaidEmulatorOptions,
  type PlaidEnv,
  type PlaidErrorBody,
  type PlaidJwk,
  type RecordedRequest,
  type WebhookDelivery,
} from './server.js';
