import { isLosslessNumber, parse } from 'lossless-json';
import { z } from 'zod';
import { decimalFromJsonNumber, decimalFromText, type Decimal } from '../domain/decimal.js';

/**
 * Provider JSON with every number kept as its source text (a LosslessNumber), so money never
 * passes through a float: Node 20's JSON.parse cannot hand a reviver the source text.
 * Throws SyntaxError on text that is not JSON. One function, so a faster parser can replace it.
 */
export function parseProviderJson(text: string): unknown {
  return parse(text);
}

/** A JSON number (as parsed above) -> canonical Decimal. A string or a float is refused. */
export const jsonDecimal: z.ZodType<Decimal> = z.custom<unknown>((v) => isLosslessNumber(v), 'expected a JSON number').transform((n, ctx) => {
  try {
    return decimalFromJsonNumber((n as { value: string }).value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'not a decimal number' });
    return z.NEVER;
  }
});

/** A decimal sent as a JSON string ("12.34"); a JSON number is accepted too (lenient on type, exact on value). */
export const textDecimal: z.ZodType<Decimal> = z.union([z.string(), z.custom<unknown>((v) => isLosslessNumber(v))]).transform((v, ctx) => {
  try {
    return typeof v === 'string' ? decimalFromText(v) : decimalFromJsonNumber((v as { value: string }).value);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'not a decimal number' });
    return z.NEVER;
  }
});

/** Plain JSON text as a value, or undefined when it is not JSON (callers' zod schemas then refuse it). */
export function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
