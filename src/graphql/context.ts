import type { Caller } from '../auth/auth.js';
import type { ConnectionService } from '../connections/service.js';

export interface GraphQLContext {
  caller: Caller;
  service: ConnectionService;
  loader: ReturnType<ConnectionService['createLoader']>;
  requestId: string;
  /** Spends one of the caller's provider-bound mutation calls; throws RateLimitedError when none is left. */
  spendProviderCall(): void;
}
