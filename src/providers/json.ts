import { isLosslessNumber, LosslessNumber, parse } from 'lossless-json';
import { z } from 'zod';
import { decimalFromJsonNumber, decimalFromText, type Decimal } from '../domain/decimal.js';

/**
 * A JSON string (skipped whole, so digits and colons inside strings are never taken for numbers or
 * keys), a JSON number, or the colon after an object key (one per key written in the text).
 */
const STRING_NUMBER_OR_COLON = /"[^"\\]*(?:\\.[^"\\]*)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|:/g;
/** Keys that V8 orders before all others in an object, whatever their place in the text. */
const INDEX_KEY = /^(?:0|[1-9]\d*)$/;
const FALLBACK = Symbol('fallback');

/**
 * Provider JSON with every number kept as its source text (a LosslessNumber), so money never
 * passes through a float: Node 20's JSON.parse cannot hand a reviver the source text.
 * Throws SyntaxError on text that is not JSON.
 *
 * Fast path (a 500-transaction Plaid page: about 2.6 ms instead of 10-17 ms with lossless-json's
 * parser, the largest cost of a sync page): the native JSON.parse, then the numbers' source texts,
 * found in text order by one regular-expression scan, put back in place by a walk in key order.
 * Key order equals text order except for index-like keys ("0", "12": V8 lists them first) and
 * repeated keys (one value kept, counted by the colons outside strings); those, or any number
 * whose text does not parse to the value found there, take lossless-json's own parser instead
 * (which refuses repeated keys). (A "__proto__" key is an own data
 * property after JSON.parse, so writing it back never touches the prototype.)
 */
export function parseProviderJson(text: string): unknown {
  const value: unknown = JSON.parse(text);
  const numbers: string[] = [];
  let keysWritten = 0;
  STRING_NUMBER_OR_COLON.lastIndex = 0;
  for (let m; (m = STRING_NUMBER_OR_COLON.exec(text)); ) {
    const c = m[0].charCodeAt(0);
    if (c === 0x3a) keysWritten++;
    else if (c !== 0x22) numbers.push(m[0]);
  }
  let keysWalked = 0;
  let next = 0;
  const number = (v: number): LosslessNumber => {
    const source = numbers[next++];
    if (source === undefined || Number(source) !== v) throw FALLBACK;
    return new LosslessNumber(source);
  };
  const walk = (v: object): void => {
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (typeof x === 'number') v[i] = number(x);
        else if (x !== null && typeof x === 'object') walk(x);
      }
      return;
    }
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o);
    keysWalked += keys.length;
    for (const k of keys) {
      if (INDEX_KEY.test(k)) throw FALLBACK;
      const x = o[k];
      if (typeof x === 'number') o[k] = number(x);
      else if (x !== null && typeof x === 'object') walk(x);
    }
  };
  try {
    if (typeof value === 'number') return number(value);
    if (value !== null && typeof value === 'object') walk(value);
    // A repeated key keeps one value in the parsed object: fewer keys than the text wrote.
    if (next !== numbers.length || keysWalked !== keysWritten) throw FALLBACK;
    return value;
  } catch (e) {
    if (e === FALLBACK) return parse(text);
    throw e;
  }
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
