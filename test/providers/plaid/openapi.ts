// Request-body validator built from Plaid's own OpenAPI file (specs/plaid/2020-09-14.yml).
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse } from 'yaml';
import { specPath } from '../../helpers/specs.js';

export const PLAID_SPEC_PATH = specPath('plaid/2020-09-14.yml');

// ajv-formats is CommonJS with a default export; under NodeNext the callable sits on `.default`.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv) => Ajv;

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * OpenAPI 3.0 -> JSON Schema: `nullable: true` becomes a null branch, and (Plaid answers
 * UNKNOWN_FIELDS to undeclared keys) object schemas with `properties` and no
 * `additionalProperties` are closed, except allOf members, where closing would reject the
 * sibling members' properties.
 */
export function convertSchema(node: unknown, closable = true, allOfRefs: ReadonlySet<string> = new Set()): unknown {
  if (Array.isArray(node)) return node.map((n) => convertSchema(n, closable, allOfRefs));
  if (!isObj(node)) return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'example' || k === 'examples' || k.startsWith('x-')) continue; // data, not schema
    if (k === 'allOf' && Array.isArray(v)) out[k] = v.map((m) => convertSchema(m, false, allOfRefs));
    else if (k === 'properties' && isObj(v)) out[k] = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, convertSchema(s, true, allOfRefs)]));
    else if (k === 'enum' || k === 'required' || k === 'default' || k === 'const') out[k] = v;
    else out[k] = convertSchema(v, true, allOfRefs);
  }
  // OpenAPI 3.0's boolean exclusiveMinimum/exclusiveMaximum modify minimum/maximum; JSON Schema's are numbers.
  for (const [flag, bound] of [['exclusiveMinimum', 'minimum'], ['exclusiveMaximum', 'maximum']] as const) {
    if (typeof out[flag] !== 'boolean') continue;
    if (out[flag] === true && typeof out[bound] === 'number') {
      out[flag] = out[bound];
      delete out[bound];
    } else delete out[flag];
  }
  if (closable && isObj(out['properties']) && out['additionalProperties'] === undefined) out['additionalProperties'] = false;
  if (out['nullable'] === true) {
    delete out['nullable'];
    if (typeof out['type'] === 'string') {
      out['type'] = [out['type'], 'null'];
      if (Array.isArray(out['enum']) && !out['enum'].includes(null)) out['enum'] = [...out['enum'], null];
      return out;
    }
    return { anyOf: [out, { type: 'null' }] };
  }
  if (out['nullable'] === false) delete out['nullable'];
  return out;
}

export interface PlaidSpec {
  /** info.version of the file. */
  version: string;
  /** Validates `body` against the requestBody schema of `POST path`; returns ajv's errors (empty = valid). */
  validateRequest(path: string, body: unknown): string[];
  /** The operation's requestBody schema name (components.schemas). */
  requestSchemaName(path: string): string;
  /**
   * Validates a response body of `POST path` against the schema the spec gives for `status`
   * (falling back to the `default` response, Plaid's PlaidError); returns ajv's errors.
   */
  validateResponse(path: string, status: number, body: unknown): string[];
  /** The response schema name for `POST path` answering `status` (components.schemas). */
  responseSchemaName(path: string, status: number): string;
  /** Validates `value` against a named schema, e.g. a webhook body against `SyncUpdatesAvailableWebhook`. */
  validateSchema(schemaName: string, value: unknown): string[];
}

/** webhook_type/webhook_code -> the spec's schema for that webhook body. */
export const PLAID_WEBHOOK_SCHEMAS: Readonly<Record<string, string>> = {
  'ITEM/ERROR': 'ItemErrorWebhook',
  'ITEM/LOGIN_REPAIRED': 'ItemLoginRepairedWebhook',
  'ITEM/WEBHOOK_UPDATE_ACKNOWLEDGED': 'WebhookUpdateAcknowledgedWebhook',
  'ITEM/PENDING_DISCONNECT': 'PendingDisconnectWebhook',
  'ITEM/PENDING_EXPIRATION': 'PendingExpirationWebhook',
  'ITEM/NEW_ACCOUNTS_AVAILABLE': 'NewAccountsAvailableWebhook',
  'ITEM/USER_PERMISSION_REVOKED': 'UserPermissionRevokedWebhook',
  'ITEM/USER_ACCOUNT_REVOKED': 'UserAccountRevokedWebhook',
  'AUTH/AUTOMATICALLY_VERIFIED': 'AutomaticallyVerifiedWebhook',
  'TRANSACTIONS/SYNC_UPDATES_AVAILABLE': 'SyncUpdatesAvailableWebhook',
  'TRANSACTIONS/DEFAULT_UPDATE': 'DefaultUpdateWebhook',
  'TRANSACTIONS/TRANSACTIONS_REMOVED': 'TransactionsRemovedWebhook',
};

let cached: PlaidSpec | null = null;

/** Parses the 3 MB file once per test file (module state) and compiles schemas lazily. */
export function loadPlaidSpec(): PlaidSpec {
  if (cached) return cached;
  const doc = parse(readFileSync(PLAID_SPEC_PATH, 'utf8')) as {
    info: { version: string };
    paths: Record<
      string,
      {
        post?: {
          requestBody?: { content?: Record<string, { schema?: { $ref?: string } }> };
          responses?: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
        };
      }
    >;
    components: { schemas: Record<string, unknown> };
  };
  // Named schemas used as allOf members must stay open too.
  const allOfRefs = new Set<string>();
  const collect = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(collect);
    if (!isObj(n)) return;
    if (Array.isArray(n['allOf'])) for (const m of n['allOf']) if (isObj(m) && typeof m['$ref'] === 'string') allOfRefs.add(m['$ref'].split('/').pop()!);
    Object.values(n).forEach(collect);
  };
  collect(doc.components.schemas);
  const schemas = Object.fromEntries(
    Object.entries(doc.components.schemas).map(([name, s]) => [name, convertSchema(s, !allOfRefs.has(name), allOfRefs)]),
  );
  // strict: false lets OpenAPI-only keywords (discriminator, deprecated, readOnly) pass as annotations.
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
  addFormats(ajv);
  ajv.addSchema({ $id: 'plaid.json', components: { schemas } });
  const validators = new Map<string, ValidateFunction>();

  function requestSchemaName(path: string): string {
    const ref = doc.paths[path]?.post?.requestBody?.content?.['application/json']?.schema?.$ref;
    if (!ref) throw new Error(`spec has no JSON requestBody for POST ${path}`);
    return ref.split('/').pop()!;
  }

  function responseSchemaName(path: string, status: number): string {
    const responses = doc.paths[path]?.post?.responses ?? {};
    const ref = (responses[String(status)] ?? responses['default'])?.content?.['application/json']?.schema?.$ref;
    if (!ref) throw new Error(`spec has no JSON response for POST ${path} ${status}`);
    return ref.split('/').pop()!;
  }

  function validate(schemaName: string, value: unknown): string[] {
    let v = validators.get(schemaName);
    if (!v) {
      v = ajv.compile({ $ref: `plaid.json#/components/schemas/${schemaName}` });
      validators.set(schemaName, v);
    }
    if (v(value)) return [];
    return (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`);
  }

  cached = {
    version: doc.info.version,
    requestSchemaName,
    responseSchemaName,
    validateRequest: (path, body) => validate(requestSchemaName(path), body),
    validateResponse: (path, status, body) => validate(responseSchemaName(path, status), body),
    validateSchema: validate,
  };
  return cached;
}
