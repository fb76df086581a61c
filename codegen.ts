import type { CodegenConfig } from '@graphql-codegen/cli';

// Typed documents for the operations the tests send. Reads the committed SDL (the CLI cannot
// import a .ts schema module), so run `npm run schema:print` first after a schema change.
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['test/e2e/operations.ts'],
  ignoreNoDocuments: false,
  generates: {
    'test/generated/': {
      preset: 'client',
      config: { scalars: { DateTime: 'string', Decimal: 'string', Date: 'string' }, enumsAsTypes: true, useTypeImports: true, emitLegacyCommonJSImports: false },
      presetConfig: { fragmentMasking: false },
    },
  },
};

export default config;
