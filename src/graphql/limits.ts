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
