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

    function depthOf(set: SelectionSetNode | undefined, depth: number, seen: Set<string>): number {
      if (!set) return depth;
      if (depth > maxDepth) return depth; // stop early: enough to refuse
      let max = depth;
      for (const s of set.selections) {
        if (s.kind === Kind.FIELD) {
          max = Math.max(max, s.selectionSet ? depthOf(s.selectionSet, depth + 1, seen) : depth);
        } else if (s.kind === Kind.INLINE_FRAGMENT) {
          max = Math.max(max, depthOf(s.selectionSet, depth, seen));
        } else {
          const name = s.name.value;
          if (seen.has(name)) continue; // fragment cycles are reported by the standard rules
          const f = fragments.get(name);
          if (f) max = Math.max(max, depthOf(f.selectionSet, depth, new Set([...seen, name])));
        }
      }
      return max;
    }

    return {
      OperationDefinition(op) {
        const depth = depthOf(op.selectionSet, 0, new Set());
        if (depth > maxDepth) {
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
