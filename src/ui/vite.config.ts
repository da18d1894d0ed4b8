import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The console (/admin) and the playground (/chat): two pages sharing one chunk of shared code, built into dist/ui
// and served by the gateway (src/console/console-assets.ts) under /ui/.
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  root: here('.'),
  base: '/ui/',
  publicDir: false,
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: here('../../dist/ui'),
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
    rollupOptions: { input: { console: here('console/index.html'), chat: here('chat/index.html') } },
  },
});
