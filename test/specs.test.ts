import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { specPath } from './helpers/specs.js';

// The vendored specs must equal the project's shared originals, so tests never run against a stale copy.
const SHARED = fileURLToPath(new URL('../../shared/specs/', import.meta.url));
const FILES = [
  'plaid/2020-09-14.yml',
  'plaid/REFERENCE.md',
  'plaid/SOURCE.md',
  'moneykit/moneykit-openapi.reconstructed.json',
  'moneykit/REFERENCE.md',
  'moneykit/SOURCE.md',
];

describe.runIf(existsSync(SHARED))('vendored provider specs', () => {
  it.each(FILES)('%s equals the shared original', (f) => {
    expect(readFileSync(specPath(f)).equals(readFileSync(`${SHARED}${f}`))).toBe(true);
  });
});

if (!existsSync(SHARED)) console.log(`vendored provider specs: ${SHARED} not present; drift check skipped`);
