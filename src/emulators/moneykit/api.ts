// The MoneyKit emulator's HTTP vocabulary shared by its route modules: typed API errors in MoneyKit's
// error body shape, the request context handlers receive, and request-body validation answering
// api_error.request.validation_failed the way MoneyKit's FastAPI service does.
import type { Reply, RequestContext } from '../kit/index.js';
import type { z } from 'zod';
import { DOCUMENTATION_URL, ERROR_CATALOGUE, type ErrorCode } from './data.js';
import { randomId } from './signing.js';

export type MoneyKitEnv = 'sandbox' | 'live';

export interface MoneyKitEmulatorApp {
  clientId: string;
  clientSecret: string;
  env: MoneyKitEnv;
}

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode | string,
    readonly opts: { status?: number; message?: string; extra?: Record<string, unknown>; headers?: Record<string, string> } = {},
  ) {
    super(code);
  }
}

export type { Reply } from '../kit/index.js';

/** A request as the kit hands it over, plus the app a Bearer token authenticated (null: no auth). */
export type Ctx = RequestContext & { app: MoneyKitEmulatorApp | null };

/** A route before it goes into a kit Router; `auth` routes authenticate the Bearer token first. */
export interface RouteDef {
  method: string;
  path: string;
  auth?: boolean;
  handler(ctx: Ctx): Reply | Promise<Reply>;
}

export function errorBody(code: string, message?: string, extra?: Record<string, unknown>): Record<string, unknown> {
  const known = (ERROR_CATALOGUE as Record<string, { status: number; message: string }>)[code];
  return { error_code: code, error_message: message ?? known?.message ?? code, documentation_url: DOCUMENTATION_URL, ...extra };
}

export function statusFor(code: string, fallback = 400): number {
  return (ERROR_CATALOGUE as Record<string, { status: number }>)[code]?.status ?? fallback;
}

export function nowIso(): string {
  return new Date().toISOString();
}

/** MoneyKit-style id: prefix + 22 base62 characters, like mk_eqkWN34UEoa2NxyALG8pcV or acc_6Tef269B6ZArSVpYrxtjBV. */
export function newId(prefix: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let id = prefix;
  for (const byte of Buffer.from(randomId(32), 'base64url').subarray(0, 22)) id += alphabet[byte % alphabet.length];
  return id;
}

// pydantic-style `type` names (MoneyKit's API reports FastAPI validation errors) for zod issue codes.
const ISSUE_TYPES: Partial<Record<z.core.$ZodIssue['code'], (i: z.core.$ZodIssue) => string>> = {
  invalid_type: (i) => (/received undefined/.test(i.message) ? 'missing' : `${'expected' in i ? String(i.expected) : 'value'}_type`),
  too_small: (i) => `${'origin' in i ? String(i.origin) : 'value'}_too_short`,
  too_big: (i) => `${'origin' in i ? String(i.origin) : 'value'}_too_long`,
  invalid_value: () => 'enum',
  invalid_format: () => 'value_error',
  custom: () => 'value_error',
};

function validationType(issue: z.core.$ZodIssue): string {
  return ISSUE_TYPES[issue.code]?.(issue) ?? issue.code;
}

/** Parses a request part; `where` is the first element of each error's location (body, query). */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' = 'body'): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new ApiError('api_error.request.validation_failed', {
    extra: {
      validation_errors: r.error.issues.map((i) => ({
        location: [where, ...i.path.map((p) => (typeof p === 'number' ? p : String(p)))],
        message: i.message,
        type: validationType(i),
      })),
    },
  });
}

export function jsonBody(ctx: Ctx): unknown {
  if (ctx.rawBody.length === 0) return undefined;
  try {
    return JSON.parse(ctx.rawBody.toString('utf8')) as unknown;
  } catch {
    throw new ApiError('api_error.request.validation_failed', {
      extra: { validation_errors: [{ location: ['body'], message: 'JSON decode error', type: 'json_invalid' }] },
    });
  }
}

