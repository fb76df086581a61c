import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents for the operations the tests send, and for the React kit's own operations.
// Reads the committed SDL (the CLI cannot import a .ts schema module), so run
// `npm run schema:print` first after a schema change.
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  ignoreNoDocuments: false,
  generates: {
    'test/generated/': {
      documents: ['test/e2e/operations.ts'],
      preset: 'client',
      config: { scalars: { DateTime: 'string', Decimal: 'string', Date: 'string' }, enumsAsTypes: true, useTypeImports: true, emitLegacyCommonJSImports: false },
      presetConfig: { fragmentMasking: false },
    },
    // Document strings, not ASTs: the browser bundle then needs no GraphQL parser or printer.
    'packages/react/src/generated/': {
      documents: ['packages/react/src/operations.ts'],
      preset: 'client',
      config: { scalars: { DateTime: 'string', Decimal: 'string', Date: 'string' }, enumsAsTypes: true, useTypeImports: true, emitLegacyCommonJSImports: false, documentMode: 'string' },
      presetConfig: { fragmentMasking: false },
    },
  },
};

export default config;
