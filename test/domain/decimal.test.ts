import { describe, expect, it } from 'vitest';
import { decimalFromJsonNumber, decimalFromText, InvalidDecimalError, isDecimal, negate, type Decimal } from '../../src/domain/decimal.js';
import { isLosslessNumber } from 'lossless-json';
import { parseProviderJson, jsonDecimal, textDecimal } from '../../src/providers/json.js';

describe('decimalFromJsonNumber: a JSON number source text as an exact decimal', () => {
  const rows: [string, string][] = [
    ['0', '0'],
    ['-0', '0'], // a signed zero means nothing for money
    ['-0.00', '0.00'],
    ['12.34', '12.34'],
    ['-12.34', '-12.34'],
    ['12.50', '12.50'], // scale as written
    ['0.30000000000000004', '0.30000000000000004'], // 0.1 + 0.2 as a float prints it: kept, not rounded
    ['0.12345678', '0.12345678'], // 8-decimal crypto amount
    ['12345678901234567890.12345678', '12345678901234567890.12345678'], // past float precision
    ['1e21', '1000000000000000000000'],
    ['1E+21', '1000000000000000000000'],
    ['1.5e-7', '0.00000015'],
    ['1.50e-7', '0.000000150'],
    ['-2.5E-3', '-0.0025'],
    ['1.0e2', '100'],
    ['0.5e1', '5'],
    ['0e5', '0'],
    ['123e-2', '1.23'],
    ['9007199254740993', '9007199254740993'], // 2^53 + 1: a float would drop the 3
  ];
  it.each(rows)('%s -> %s', (input, expected) => {
    expect(decimalFromJsonNumber(input)).toBe(expected);
    expect(isDecimal(decimalFromJsonNumber(input))).toBe(true);
  });

  it.each(['', '-', '01', '1.', '.5', '+1', '1e', '0x10', 'NaN', 'Infinity', '1 ', '1e999', '1,5'])('refuses %j', (input) => {
    expect(() => decimalFromJsonNumber(input)).toThrow(InvalidDecimalError);
  });
});

describe('decimalFromText: a decimal sent as a JSON string', () => {
  it.each([
    ['12.34', '12.34'],
    ['-0', '0'],
    ['007.10', '7.10'],
    ['0.00000001', '0.00000001'],
  ])('%s -> %s', (input, expected) => expect(decimalFromText(input)).toBe(expected));

  it.each(['', '1e5', '1.', 'abc', ' 1', '--1', '1.2.3'])('refuses %j', (input) => {
    expect(() => decimalFromText(input)).toThrow(InvalidDecimalError);
  });
});

describe('negate', () => {
  it.each([
    ['12.34', '-12.34'],
    ['-12.34', '12.34'],
    ['0', '0'],
    ['0.00', '0.00'],
    ['0.00000001', '-0.00000001'],
    ['1000000000000000000000', '-1000000000000000000000'],
  ])('%s -> %s', (input, expected) => expect(negate(input as Decimal)).toBe(expected));

  it('refuses non-canonical text', () => {
    expect(() => negate('1e5' as Decimal)).toThrow(InvalidDecimalError);
    expect(() => negate('-0' as Decimal)).toThrow(InvalidDecimalError);
  });
});

describe('provider JSON keeps number source text', () => {
  it('turns numbers into exact decimals through the zod fields', () => {
    const body = parseProviderJson('{"a": 0.30000000000000004, "b": 1e21, "c": -0, "d": "12.50", "e": 12.5}') as Record<string, unknown>;
    expect(jsonDecimal.parse(body['a'])).toBe('0.30000000000000004');
    expect(jsonDecimal.parse(body['b'])).toBe('1000000000000000000000');
    expect(jsonDecimal.parse(body['c'])).toBe('0');
    // A string where a number belongs is garbage; a text decimal accepts both.
    expect(jsonDecimal.safeParse(body['d']).success).toBe(false);
    expect(textDecimal.parse(body['d'])).toBe('12.50');
    expect(textDecimal.parse(body['e'])).toBe('12.5');
    expect(textDecimal.safeParse('1e5').success).toBe(false);
  });

  it('throws on text that is not JSON', () => {
    expect(() => parseProviderJson('{"a": 1')).toThrow();
  });

  // The fast path (native parse, number texts put back in key order) must give what a
  // number-by-number parser gives, also where key order and text order differ.
  const texts = (v: unknown): unknown =>
    isLosslessNumber(v) ? `#${v.value}` : Array.isArray(v) ? v.map(texts) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, texts(x)])) : v;

  it('gives every number its own source text, skipping digits inside strings', () => {
    const body = parseProviderJson('{"s": "x\\"1.50\\" 2", "n": [1.50, {"m": -0.10, "k": [0, 2E+2]}], "t": true, "z": null, "last": 7.000}');
    expect(texts(body)).toEqual({ s: 'x"1.50" 2', n: ['#1.50', { m: '#-0.10', k: ['#0', '#2E+2'] }], t: true, z: null, last: '#7.000' });
    expect(texts(parseProviderJson('1.50'))).toBe('#1.50');
    expect(texts(parseProviderJson('[]'))).toEqual([]);
  });

  it('keeps each text with its own key where V8 reorders index-like keys', () => {
    // Key order is "0", "b", "c" but text order b, 0, c: equal values, different scales.
    const body = parseProviderJson('{"b": 1.1, "0": 1.10, "c": {"a": 2.5, "1": 2.50}}');
    expect(texts(body)).toEqual({ b: '#1.1', '0': '#1.10', c: { a: '#2.5', '1': '#2.50' } });
  });

  it('refuses a repeated key as lossless-json does (one value kept would shift the texts)', () => {
    expect(() => parseProviderJson('{"a": 1.10, "a": 1.1}')).toThrow(SyntaxError);
    // Repeats the number count and the values cannot give away: the first value holds no number,
    // and the two texts round to the same double (review finding: b took a's text).
    expect(() => parseProviderJson('{"a": "s", "b": 0.1, "a": 0.10000000000000001}')).toThrow(SyntaxError);
    expect(() => parseProviderJson('{"a": {"x": "y"}, "b": 9007199254740993, "a": {"x": 9007199254740992}}')).toThrow(SyntaxError);
    expect(() => parseProviderJson('{"amount": null, "amount": 12.34}')).toThrow(SyntaxError);
    // Colons inside strings are not keys.
    expect(texts(parseProviderJson('{"t": "10:30", "u": {"v": "a:b:c", "w": 1.50}}'))).toEqual({ t: '10:30', u: { v: 'a:b:c', w: '#1.50' } });
  });

  it('keeps a "__proto__" key as data, never as the prototype', () => {
    const body = parseProviderJson('{"__proto__": 1.50, "y": 2}') as object;
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype);
    expect(texts(Object.getOwnPropertyDescriptor(body, '__proto__')?.value)).toBe('#1.50');
    expect(texts((body as { y: unknown }).y)).toBe('#2');
  });
});
