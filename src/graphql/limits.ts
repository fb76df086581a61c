import {
  GraphQLError,
  Kind,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';

/**
 * Validation rules refusing abusive documents before execution (contract section 5b). Depth
 * counts nested selection sets through fragments; the standard introspection query is 15 deep.
 */

export function maxDepthRule(maxDepth: number) {
  return (ctx: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const d of ctx.getDocument().definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    // Each fragment's own depth is computed once per document: walking it again at every spread
    // made a chain of fragments that each spread the next twice cost 2^levels.
    const fragmentDepth = new Map<string, number>();
    const inProgress = new Set<string>();

    /** Levels of nested selection sets below `set` (a leaf-only set is 0), spreads included. */
    function depthBelow(set: SelectionSetNode): number {
      let max = 0;
      for (const s of set.selections) {
        if (s.kind === Kind.FIELD) {
          if (s.selectionSet) max = Math.max(max, 1 + depthBelow(s.selectionSet));
        } else if (s.kind === Kind.INLINE_FRAGMENT) {
          max = Math.max(max, depthBelow(s.selectionSet));
        } else {
          max = Math.max(max, depthOfFragment(s.name.value));
        }
      }
      return max;
    }

    function depthOfFragment(name: string): number {
      const known = fragmentDepth.get(name);
      if (known !== undefined) return known;
      const f = fragments.get(name);
      // Unknown fragments and cycles are reported by the standard rules; here they add nothing.
      if (!f || inProgress.has(name)) return 0;
      inProgress.add(name);
      const depth = depthBelow(f.selectionSet);
      inProgress.delete(name);
      fragmentDepth.set(name, depth);
      return depth;
    }

    return {
      OperationDefinition(op) {
        if (depthBelow(op.selectionSet) > maxDepth) {
          ctx.reportError(new GraphQLError(`Query is too deep: more than ${maxDepth} levels.`, { nodes: [op], extensions: { code: 'QUERY_TOO_DEEP' } }));
        }
      },
    };
  };
}

export function maxAliasesRule(maxAliases: number) {
  return (ctx: ValidationContext): ASTVisitor => {
    let count = 0;
    let reported = false;
    return {
      Field(node) {
        if (node.alias && ++count > maxAliases && !reported) {
          reported = true;
          ctx.reportError(new GraphQLError(`Too many aliases: more than ${maxAliases}.`, { extensions: { code: 'TOO_MANY_ALIASES' } }));
        }
      },
    };
  };
}

/** graphql-js appends its hints as the message's last sentence: " Did you mean ...?". */
export function withoutSuggestion(message: string): string {
  return message.replace(/ Did you mean [^]*\?$/, '');
}

/**
 * Wraps Yoga's parse with graphql's token limit: a cheap bound on the work any document can
 * cause (parsing and validation are linear in tokens), refused before validation runs.
 */
export function withMaxTokens<F extends (source: any, options?: any) => any>(parseFn: F, maxTokens: number): F {
  return ((source: unknown, options?: Record<string, unknown>) => parseFn(source, { ...options, maxTokens })) as F;
}

/**
 * Reads a request body, counting bytes as they arrive; null as soon as it exceeds `max`
 * (the rest is never buffered). Works the same with and without content-length.
 */
export async function readBodyLimited(body: ReadableStream<Uint8Array>, max: number): Promise<Uint8Array<ArrayBuffer> | null> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** Headers a browser cannot send cross-site without a CORS preflight the gateway never grants. */
const PREFLIGHT_HEADERS = ['authorization', 'x-graphql-csrf', 'graphql-require-preflight', 'apollo-require-preflight', 'x-apollo-operation-name'];
/** Content types a cross-site <form> or simple fetch may send without a preflight. */
const SIMPLE_CONTENT_TYPES = new Set(['', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']);

/**
 * CSRF prevention for browser requests: a request a browser could send cross-site without a
 * preflight (GET carrying an operation, or POST with a "simple" content type) must carry one of
 * PREFLIGHT_HEADERS. Returns the refusal message, or null when the request is fine. A GET without
 * an operation (the GraphiQL page) executes nothing and passes.
 */
export function csrfViolation(request: Request, url: URL): string | null {
  if (PREFLIGHT_HEADERS.some((h) => request.headers.has(h))) return null;
  if (request.method === 'GET' || request.method === 'HEAD') {
    return url.searchParams.has('query') || url.searchParams.has('extensions')
      ? 'GET operations need a preflight-forcing header (authorization or x-graphql-csrf).'
      : null;
  }
  const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  return SIMPLE_CONTENT_TYPES.has(type)
    ? 'Requests with this content type need a preflight-forcing header (authorization or x-graphql-csrf); send application/json.'
    : null;
}
