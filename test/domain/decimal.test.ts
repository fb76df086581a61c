import { describe, expect, it } from 'vitest';
import { decimalFromJsonNumber, decimalFromText, InvalidDecimalError, isDecimal, negate, type Decimal } from '../../src/domain/decimal.js';
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
});
