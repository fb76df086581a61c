// Request recording: every provider API request as received (for assertions on what a client sent),
// and a redacted view for anything that leaves the process (control endpoints, logs).
import type { IncomingHttpHeaders } from 'node:http';

export type RecordedRequest = {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Parsed JSON, form fields as an object, the raw text when neither, or null when empty. */
  body: unknown;
  at: string;
};

export function flatHeaders(h: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

export function parseRecordedBody(raw: Buffer, contentType: string | undefined): unknown {
  if (raw.length === 0) return null;
  const text = raw.toString('utf8');
  if (contentType?.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text));
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export type RedactionRules = {
  /** Object keys (any depth, compared lower-case) whose values are masked whole. */
  keys?: Iterable<string>;
  /** Secret strings masked wherever they occur inside any string value. */
  values?: () => Iterable<string>;
  /** Per-key rewrite, e.g. keep the scheme of an Authorization header: `Bearer [redacted]`. */
  rewrite?: Readonly<Record<string, (value: string, mask: string) => string>>;
  mask?: string;
};

/** Deep copy of `value` with secrets masked per `rules`. */
export function redactDeep(value: unknown, rules: RedactionRules): unknown {
  const mask = rules.mask ?? '[redacted]';
  const keys = new Set([...(rules.keys ?? [])].map((k) => k.toLowerCase()));
  const secrets = [...(rules.values?.() ?? [])].filter((s) => s.length > 0);
  const walk = (v: unknown, key: string | null): unknown => {
    const k = key?.toLowerCase() ?? null;
    if (k !== null && keys.has(k)) return mask;
    if (typeof v === 'string') {
      const rewrite = k !== null ? rules.rewrite?.[k] : undefined;
      if (rewrite) return rewrite(v, mask);
      return secrets.reduce((s, secret) => s.split(secret).join(mask), v);
    }
    if (Array.isArray(v)) return v.map((x) => walk(x, null));
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([ck, x]) => [ck, walk(x, ck)]));
    return v;
  };
  return walk(value, null);
}

export class RequestRecorder {
  /** As received, secrets included: for in-process assertions only. */
  readonly requests: RecordedRequest[] = [];

  constructor(private readonly rules: RedactionRules = {}) {}

  record(r: RecordedRequest): void {
    this.requests.push(r);
  }

  /** The recorded requests with headers and bodies redacted. */
  redacted(): RecordedRequest[] {
    return this.requests.map((r) => ({
      ...r,
      headers: redactDeep(r.headers, this.rules) as Record<string, string>,
      body: redactDeep(r.body, this.rules),
      query: redactDeep(r.query, this.rules) as Record<string, string>,
    }));
  }

  clear(): void {
    this.requests.length = 0;
  }
}
