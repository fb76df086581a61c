// Writes the printed SDL to schema/schema.graphql (`npm run schema:print`); a test fails when it drifts.
import { writeFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { schema } from '../src/graphql/schema.js';

const target = new URL('../schema/schema.graphql', import.meta.url);
writeFileSync(target, `${printSchema(schema)}\n`);
console.log(`wrote ${target.pathname}`);
