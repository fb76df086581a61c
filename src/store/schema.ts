// Kysely table types; mirror migrations.ts. jsonb columns are written as JSON text (see
// sql/rows.ts `json`) so both drivers send them the same way.
import type { ColumnType, Generated } from 'kysely';

type Json = ColumnType<unknown, string | null, string | null>;
type DefaultedDate = ColumnType<Date, Date | undefined, Date>;

export interface ConnectionsTable {
  id: string;
  provider: string;
  provider_connection_id: string;
  provider_user_id: string | null;
  user_id: string;
  sandbox: boolean;
  status: string;
  error: Json;
  institution: Json;
  products: string[];
  consent_expires_at: Date | null;
  expiring_until: Date | null;
  last_synced_at: Date | null;
  status_changed_at: DefaultedDate;
  state_refreshed_at: DefaultedDate;
  last_event_at: Date | null;
  created_at: ColumnType<Date, Date | undefined, never>;
  version: ColumnType<number, number | undefined, number>;
  credential_ciphertext: string | null;
  accounts_updated_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  transactions_updated_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
}

export interface AccountsTable {
  id: string;
  connection_id: string;
  provider_account_id: string;
  position: number;
  name: string;
  official_name: string | null;
  mask: string | null;
  type: string;
  subtype: string | null;
  provider_type: string;
  balance_current: string | null;
  balance_available: string | null;
  balance_limit: string | null;
  currency: string | null;
  balances_as_of: Date;
  updated_at: DefaultedDate;
}

export interface TransactionsTable {
  id: string;
  connection_id: string;
  provider_transaction_id: string;
  provider_account_id: string;
  amount: string;
  currency: string | null;
  date: string;
  authorized_date: string | null;
  pending: boolean;
  description: string;
  merchant_name: string | null;
  provider_category: string | null;
  updated_at: DefaultedDate;
}

export interface TransactionSyncCursorsTable {
  id: string;
  connection_id: string;
  provider_cursor: string | null;
  known_pending: string[];
  run_pending: string[];
  run_seen: string[];
  created_at: ColumnType<Date, Date | undefined, never>;
}

export interface WebhookEventsTable {
  id: string;
  seq: ColumnType<string, never, never>;
  provider: string;
  dedupe_key: string | null;
  event_type: string;
  provider_connection_id: string | null;
  occurred_at: Date | null;
  received_at: ColumnType<Date, Date | undefined, never>;
  payload: ColumnType<unknown, string, never>;
  effect: ColumnType<unknown, string | null | undefined, never>;
  outcome: string | null;
}

export interface ProviderUsersTable {
  provider: string;
  user_id: string;
  provider_user_id: string;
  updated_at: Generated<Date>;
}

export interface SchemaMigrationsTable {
  version: number;
  name: string;
  applied_at: Generated<Date>;
}

export interface Database {
  connections: ConnectionsTable;
  webhook_events: WebhookEventsTable;
  provider_users: ProviderUsersTable;
  accounts: AccountsTable;
  transactions: TransactionsTable;
  transaction_sync_cursors: TransactionSyncCursorsTable;
  schema_migrations: SchemaMigrationsTable;
}
