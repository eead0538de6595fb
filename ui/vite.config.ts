/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Tauri loads the dev server at http://localhost:1420 (devUrl) and the built files from dist/ (frontendDist).
// Everything is bundled: no CDN, no web fonts. Stripe.js is the one script loaded at run time, from
// ChargeInfo.stripe_js_url (the simulator's /v3 in demo mode, js.stripe.com in live mode).
const host = process.env.TAURI_DEV_HOST;

export default defineConfig({
  plugins: [react()],
  clearScreen: false,
  envPrefix: ['VITE_', 'TAURI_ENV_'],
  server: {
    port: 1420,
    strictPort: true,
    host: host || false,
    hmr: host ? { protocol: 'ws', host, port: 1421 } : undefined,
    watch: { ignored: ['**/src-tauri/**'] },
    // Dev only (`?mock` in the browser, see src/dev/): the mock backend reaches stripe-sim's secret-key API here.
    proxy: {
      '/__sim': {
        target: process.env.KASSA_SIM_URL || 'http://127.0.0.1:12111',
        changeOrigin: true,
        rewrite: (path) => path.replace(/^\/__sim/, ''),
      },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['src/test/setup.ts'],
    restoreMocks: true,
    css: false,
  },
});
