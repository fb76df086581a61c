// JSON text with numbers written exactly as given. JSON.stringify cannot print `1e21`, `-0` or
// 0.30000000000000004 as a provider might send them, so the tricky-numbers answers are built here.

/** A JSON number literal, written verbatim. */
export class RawNumber {
  constructor(readonly text: string) {
    if (!/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(text)) throw new Error(`not a JSON number: ${text}`);
  }
}

/** Like JSON.stringify(value, null, indent), with RawNumber values written as their text. */
export function jsonText(value: unknown, indent = 2): string {
  const write = (v: unknown, depth: number): string => {
    if (v instanceof RawNumber) return v.text;
    if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
    const pad = ' '.repeat(indent * (depth + 1));
    const end = ' '.repeat(indent * depth);
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      return `[\n${v.map((x) => pad + write(x, depth + 1)).join(',\n')}\n${end}]`;
    }
    const entries = Object.entries(v).filter(([, x]) => x !== undefined);
    if (entries.length === 0) return '{}';
    return `{\n${entries.map(([k, x]) => `${pad}${JSON.stringify(k)}: ${write(x, depth + 1)}`).join(',\n')}\n${end}}`;
  };
  return write(value, 0);
}
