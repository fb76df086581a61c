// Request and response validator built from MoneyKit's rebuilt OpenAPI 3.1 document
// (specs/moneykit/moneykit-openapi.reconstructed.json): the emulator's answers are checked against the
// schemas MoneyKit's own SDKs were generated from, so a shape the emulator invents fails a test.
import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { specPath } from '../../helpers/specs.js';

// ajv-formats is CommonJS with a default export; under NodeNext the callable sits on `.default`.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv2020) => Ajv2020;

type ResponseMap = Record<string, { content?: Record<string, { schema?: unknown }> }>;
interface Operation {
  responses: ResponseMap;
  requestBody?: { required?: boolean; content: Record<string, { schema?: unknown }> };
  parameters?: Array<{ name: string; in: string }>;
}
interface Doc {
  paths: Record<string, Record<string, Operation>>;
  webhooks: { link_event: { post: Operation } };
  components: { schemas: Record<string, unknown> };
}

export interface MoneyKitSpec {
  /** The spec's path template matching a concrete path (`/links/mk_1/accounts` -> `/links/{id}/accounts`). */
  template(path: string): string;
  /** Statuses the operation declares (e.g. ["200", "401", "2XX"]). */
  statuses(method: string, path: string): string[];
  /** Validates a response body against the operation's schema for `status`; errors (empty = valid). */
  validateResponse(method: string, path: string, status: number, body: unknown): string[];
  /**
   * Validates a request as a server received it: the operation exists, every query parameter is one
   * it declares, the content type is the declared one and the body (null when none) matches its schema.
   */
  validateRequest(req: { method: string; path: string; query: Record<string, string>; headers: Record<string, string>; body: unknown }): string[];
  /** Validates a webhook body against the spec's `link_event` webhook (one of its three payloads); errors. */
  validateWebhook(body: unknown): string[];
}

let cached: MoneyKitSpec | null = null;

export function loadMoneyKitSpec(): MoneyKitSpec {
  if (cached) return cached;
  const doc = JSON.parse(readFileSync(specPath('moneykit/moneykit-openapi.reconstructed.json'), 'utf8')) as Doc;
  const ajv = new Ajv2020({ strict: false, allErrors: true, logger: false });
  addFormats(ajv);
  ajv.addSchema({ $id: 'moneykit.json', components: doc.components });
  const validators = new Map<string, ValidateFunction>();
  // Literal segments beat parameters, so /links/{id}/transactions/sync never matches a looser template.
  const templates = Object.keys(doc.paths).map((t) => ({ t, segs: t.split('/').filter(Boolean) }));

  function template(path: string): string {
    const segs = path.split('?')[0]!.split('/').filter(Boolean);
    const fits = templates.filter(
      ({ segs: ts }) => ts.length === segs.length && ts.every((s, i) => s === segs[i] || (s.startsWith('{') && s.endsWith('}'))),
    );
    fits.sort((a, b) => a.segs.filter((s) => s.startsWith('{')).length - b.segs.filter((s) => s.startsWith('{')).length);
    if (!fits[0]) throw new Error(`no spec path for ${path}`);
    return fits[0].t;
  }

  function operation(method: string, path: string): Operation {
    const op = doc.paths[template(path)]?.[method.toLowerCase()];
    if (!op) throw new Error(`spec has no ${method} ${template(path)}`);
    return op;
  }
  const responses = (method: string, path: string): ResponseMap => operation(method, path).responses;

  cached = {
    template,
    statuses: (method, path) => Object.keys(responses(method, path)),
    validateResponse(method, path, status, body) {
      const declared = responses(method, path);
      // Request validation failures are not attached to any operation in the SDK-derived document;
      // its HTTPValidationError component is their schema (REFERENCE §7).
      if (status === 422 && (body as { error_code?: unknown } | null)?.error_code === 'api_error.request.validation_failed') {
        return check('HTTPValidationError', { $ref: 'moneykit.json#/components/schemas/HTTPValidationError' }, body);
      }
      const key = String(status) in declared ? String(status) : `${String(status)[0]}XX`;
      const response = declared[key];
      if (!response) return [`${method} ${template(path)} declares no ${status} response (declared: ${Object.keys(declared).join(', ')})`];
      const schema = response.content?.['application/json']?.schema;
      if (!schema) return body === null ? [] : [`${method} ${template(path)} ${key} declares no body, got one`];
      return check(`${method} ${template(path)} ${key}`, rewrite(schema), body);
    },
    validateRequest({ method, path, query, headers, body }) {
      const id = `${method} ${template(path)}`;
      let op: Operation;
      try {
        op = operation(method, path);
      } catch (e) {
        return [(e as Error).message];
      }
      const declared = new Set((op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name));
      const errors = Object.keys(query)
        .filter((k) => !declared.has(k))
        .map((k) => `${id}: undeclared query parameter ${k}`);
      if (!op.requestBody) return body === null ? errors : [...errors, `${id} declares no request body, got one`];
      if (body === null) return op.requestBody.required ? [...errors, `${id} requires a request body`] : errors;
      const type = (headers['content-type'] ?? '').split(';')[0]!.trim();
      const media = op.requestBody.content[type];
      if (!media) return [...errors, `${id}: content type ${type || '(none)'} not declared (${Object.keys(op.requestBody.content).join(', ')})`];
      return [...errors, ...check(`${id} request`, rewrite(media.schema), body)];
    },
    validateWebhook(body) {
      return check('webhook link_event', rewrite(doc.webhooks.link_event.post.requestBody!.content['application/json']!.schema), body);
    },
  };

  // An operation's schema, with its $refs resolved against the document.
  function rewrite(n: unknown): unknown {
    if (Array.isArray(n)) return n.map(rewrite);
    if (!n || typeof n !== 'object') return n;
    return Object.fromEntries(Object.entries(n).map(([k, x]) => [k, k === '$ref' && typeof x === 'string' ? `moneykit.json${x}` : rewrite(x)]));
  }

  function check(id: string, schema: unknown, body: unknown): string[] {
    let v = validators.get(id);
    if (!v) {
      v = ajv.compile(schema as object);
      validators.set(id, v);
    }
    if (v(body)) return [];
    return (v.errors ?? []).map((e) => `${id}: ${e.instancePath || '/'} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`);
  }
  return cached;
}
