import { fileURLToPath } from 'node:url';

/** Absolute path of a vendored provider spec file (see specs/README.md). */
export function specPath(relative: string): string {
  return fileURLToPath(new URL(`../../specs/${relative}`, import.meta.url));
}
