import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The operator console and the kit's demo page, built from source (the kit too) into console/dist,
// which the gateway serves at /console. No inline scripts: the gateway's CSP allows 'self' only.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  resolve: {
    alias: { '@aggregator-gateway/react': fileURLToPath(new URL('../packages/react/src/index.ts', import.meta.url)) },
  },
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    rollupOptions: {
      input: {
        index: fileURLToPath(new URL('index.html', import.meta.url)),
        link: fileURLToPath(new URL('link.html', import.meta.url)),
      },
    },
  },
});
