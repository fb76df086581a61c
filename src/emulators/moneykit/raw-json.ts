// JSON text with numbers written exactly as given. MoneyKit balances are JSON numbers; to let a
// gateway's exact-decimal handling be tested, the emulator keeps them as decimal text and writes that
// text raw (0.30000000000000004, 1e21, -0), which JSON.stringify of a float could never reproduce.

/** A JSON number literal kept as its source text. */
export class RawNumber {
  constructor(readonly text: string) {
    if (!JSON_NUMBER.test(text)) throw new TypeError(`not a JSON number literal: ${text}`);
  }
  /** Lets a body holding RawNumbers also go through JSON.stringify (as a string) without throwing. */
  toJSON(): string {
    return this.text;
  }
}

// RFC 8259 number grammar.
export const JSON_NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;

/** JSON.stringify, except that every RawNumber is written as its literal text. */
export function stringifyRaw(value: unknown): string {
  const raws: string[] = [];
  // A placeholder no JSON string can contain unescaped: U+0000 is always escaped by JSON.stringify.
  const text = JSON.stringify(value, function (this: Record<string, unknown>, key: string, v: unknown) {
    const original = this[key];
    if (original instanceof RawNumber) {
      raws.push(original.text);
      return `\u0000${raws.length - 1}\u0000`;
    }
    return v;
  });
  return text.replace(/"\\u0000(\d+)\\u0000"/g, (_m, i: string) => raws[Number(i)]!);
}
