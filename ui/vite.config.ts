/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

// Tauri loads the dev server at http://localhost:1420 (devUrl) and the built files from dist/ (frontendDist).
// Everything is bundled: no CDN, no web fonts. The till's page loads no Stripe.js: the card is taken in a frame of
// the backend's payment page (pay/, built by vite.pay.config.ts), which loads Stripe.js on the backend's origin.
const host = process.env.TAURI_DEV_HOST;

// Dev only: the payment page (pay/index.html, at /pay/ here) gets the settings the backend puts in at /pay:
// Stripe.js from the simulator, and this dev server as the till that may embed it.
function payPageSettings(): Plugin {
  return {
    name: 'kassa-pay-settings',
    apply: 'serve',
    transformIndexHtml(html, ctx) {
      const sim = (process.env.KASSA_SIM_URL || 'http://127.0.0.1:12111').replace(/\/$/, '');
      // The dev server is the till here, on whichever port it got.
      const tills = (ctx.server?.resolvedUrls?.local ?? ['http://localhost:1420/']).map((u) => new URL(u).origin);
      const settings = { stripe_js_url: `${sim}/v3`, till_origins: tills };
      return html.replace('%KASSA_PAY_CONFIG%', JSON.stringify(settings).replace(/</g, '\\u003c'));
    },
  };
}

export default defineConfig({
  plugins: [react(), payPageSettings()],
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
