/**
 * Exact decimal amounts as strings (contract section 7: a Decimal never passes through a float).
 *
 * Canonical form: an optional "-", an integer part without leading zeros, and, when the source
 * had fractional digits, "." and those digits as written (scale kept: "12.50" stays "12.50", so
 * 8-decimal crypto amounts keep every digit). No exponent. Zero is never negative: "-0" and
 * "-0.00" become "0" and "0.00", because a signed zero means nothing for money and would make
 * two equal amounts compare unequal as text.
 */

/** A canonical decimal string (see above). */
export type Decimal = string & { readonly __decimal: unique symbol };

/** JSON's number grammar (RFC 8259 section 6): what providers send as a number. */
const JSON_NUMBER = /^(-)?(0|[1-9]\d*)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;
/** Plain decimal text as providers send amounts in strings: no exponent, leading zeros tolerated. */
const DECIMAL_TEXT = /^(-)?(\d+)(?:\.(\d+))?$/;
const CANONICAL = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;

/** Exponents beyond this would expand to absurd strings: such input is garbage, not money. */
const MAX_EXPONENT = 400;

export class InvalidDecimalError extends Error {
  constructor(text: string) {
    // The offending text is provider data, not a secret; cut so a huge body never lands in a log.
    super(`not a decimal number: ${JSON.stringify(text.slice(0, 40))}`);
    this.name = 'InvalidDecimalError';
  }
}

/** Digits with an implied decimal point `scale` places from the right (scale may be negative). */
function render(negative: boolean, digits: string, scale: number): Decimal {
  let intPart: string;
  let fracPart: string;
  if (scale <= 0) {
    intPart = digits + '0'.repeat(-scale);
    fracPart = '';
  } else if (scale >= digits.length) {
    intPart = '0';
    fracPart = '0'.repeat(scale - digits.length) + digits;
  } else {
    intPart = digits.slice(0, digits.length - scale);
    fracPart = digits.slice(digits.length - scale);
  }
  intPart = intPart.replace(/^0+(?=\d)/, '');
  const isZero = /^0*$/.test(intPart + fracPart);
  const body = fracPart ? `${intPart}.${fracPart}` : intPart;
  return ((negative && !isZero ? '-' : '') + body) as Decimal;
}

/**
 * A JSON number's source text as a canonical decimal, by moving the decimal point in the text:
 * `1e21` -> "1000000000000000000000", `1.5e-7` -> "0.00000015", `0.30000000000000004` unchanged.
 */
export function decimalFromJsonNumber(text: string): Decimal {
  const m = JSON_NUMBER.exec(text);
  if (!m) throw new InvalidDecimalError(text);
  const [, sign, int, frac = '', exp = '0'] = m;
  const exponent = Number(exp);
  if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > MAX_EXPONENT) throw new InvalidDecimalError(text);
  return render(sign === '-', int! + frac, frac.length - exponent);
}

/** A decimal sent as a JSON string (MoneyKit amounts): "12.34", "-0.5", "007.10" -> "7.10". */
export function decimalFromText(text: string): Decimal {
  const m = DECIMAL_TEXT.exec(text);
  if (!m) throw new InvalidDecimalError(text);
  const [, sign, int, frac = ''] = m;
  return render(sign === '-', int! + frac, frac.length);
}

export function isDecimal(value: unknown): value is Decimal {
  return typeof value === 'string' && CANONICAL.test(value) && !/^-0(?:\.0+)?$/.test(value);
}

/** The amount with the opposite sign, on the text (zero stays unsigned). */
export function negate(value: Decimal): Decimal {
  if (!isDecimal(value)) throw new InvalidDecimalError(value);
  if (value.startsWith('-')) return value.slice(1) as Decimal;
  return (/^0(?:\.0+)?$/.test(value) ? value : `-${value}`) as Decimal;
}
