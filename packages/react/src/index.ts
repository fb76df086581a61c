export { GatewayProvider, useGateway, type GatewayProviderProps, type GatewayContextValue } from './provider.js';
export {
  useConnections,
  useConnection,
  useConnectionEvents,
  useConnectionUpdates,
  useLink,
  useUpdateLink,
  useConnectionActions,
  type Action,
  type Connection,
  type ConnectionEvent,
  type LinkOptions,
  type Loaded,
  type UseConnectionsOptions,
} from './hooks.js';
export { createGatewayClient, GatewayError, DEMO_COMPLETE_PATH, type GatewayClient, type GatewayClientOptions, type GatewayErrorCode } from './client.js';
export type { ConnectionAction, ConnectionFilter, ConnectionStatus, ErrorCode, LinkMode, Provider } from './generated/graphql.js';
