import type { Caller } from '../auth/auth.js';
import type { ConnectionService } from '../connections/service.js';

export interface GraphQLContext {
  caller: Caller;
  service: ConnectionService;
  loader: ReturnType<ConnectionService['createLoader']>;
  requestId: string;
}
