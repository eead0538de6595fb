// The payment page the backend serves at /pay (crates/backend embeds dist-pay/): Stripe.js and the Payment
// Element on the backend's own https: origin, which the till shows in a frame. Built apart from the till's UI so
// that the backend serves only this page's files, under /pay/.
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'pay',
  base: '/pay/',
  publicDir: false,
  clearScreen: false,
  build: {
    outDir: '../dist-pay',
    emptyOutDir: true,
    sourcemap: false,
    // One script and one stylesheet: the page's CSP allows 'self' only, and nothing here is worth a chunk.
    modulePreload: false,
  },
});
