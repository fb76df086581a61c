import { readFileSync } from 'node:fs';
import { generate } from '@graphql-codegen/cli';
import { expect, it } from 'vitest';
import config from '../../codegen.js';

// The typed documents in test/generated/ match the committed SDL and the test operations
// (run `npm run schema:print && npm run codegen` after changing either).
it('test/generated is what codegen.ts produces now', async () => {
  const outputs: { filename: string; content: string }[] = await generate({ ...config, cwd: process.cwd(), silent: true }, false);
  expect(outputs.length).toBeGreaterThan(0);
  for (const o of outputs) {
    expect(readFileSync(o.filename, 'utf8'), o.filename).toBe(o.content);
  }
}, 60_000);
