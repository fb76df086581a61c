// Method + path routing. Patterns are slash-separated segments; `{name}` captures one segment
// (URL-decoded), a final `*` matches any rest (also nothing). Method `*` matches every method.

export type Params = Record<string, string>;

export const splitPath = (path: string): string[] => path.split('/').filter((s) => s !== '');

/** Captured params when `pattern` (already split) matches `segments`, else null. */
export function matchSegments(pattern: readonly string[], segments: readonly string[]): Params | null {
  const params: Params = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string;
    if (p === '*' && i === pattern.length - 1) return params;
    const a = segments[i];
    if (a === undefined) return null;
    if (p.startsWith('{') && p.endsWith('}')) {
      try {
        params[p.slice(1, -1)] = decodeURIComponent(a);
      } catch {
        return null; // malformed %-escape: no route, not a crash
      }
    } else if (p !== a) return null;
  }
  return pattern.length === segments.length ? params : null;
}

export class Router<H> {
  private readonly routes: Array<{ method: string; segments: string[]; handler: H }> = [];

  add(method: string, pattern: string, handler: H): this {
    this.routes.push({ method: method.toUpperCase(), segments: splitPath(pattern), handler });
    return this;
  }

  /** First route added that matches wins. */
  match(method: string, path: string): { handler: H; params: Params } | null {
    const segments = splitPath(path);
    const m = method.toUpperCase();
    for (const r of this.routes) {
      if (r.method !== '*' && r.method !== m) continue;
      const params = matchSegments(r.segments, segments);
      if (params) return { handler: r.handler, params };
    }
    return null;
  }
}
