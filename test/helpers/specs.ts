import { fileURLToPath } from 'node:url';

/** Absolute path of a vendored provider spec file (see specs/README.md). */
export function specPath(relative: string): string {
  return fileURLToPath(new URL(`../../specs/${relative}`, import.meta.url));
}

/**
 * The rule for hand-written provider fixtures judged by a spec: a fixture conforms, or says why it
 * does not (`offSpec`, e.g. provider garbage) and really does not. Null when the rule holds, else
 * what is wrong with `what` (`problems`: the validator's errors, empty = conforms).
 */
export function offSpecViolation(what: string, problems: string[], offSpec: string | undefined): string | null {
  if (offSpec === undefined && problems.length > 0) return `${what} is off the spec: ${problems.join('; ')}`;
  if (offSpec !== undefined && problems.length === 0) return `${what} is marked off-spec (${offSpec}) but conforms`;
  return null;
}
