// One Stripe instance per (script URL, publishable key). `@stripe/stripe-js/pure` injects nothing on import
// and, once our script has defined window.Stripe, loadStripe uses it instead of fetching js.stripe.com.
import type { Stripe } from '@stripe/stripe-js';
import { loadStripe } from '@stripe/stripe-js/pure';
import { forgetScript, loadScriptOnce, ScriptLoadError } from './loadScript';

const instances = new Map<string, Promise<Stripe | null>>();

export function getStripe(stripeJsUrl: string, publishableKey: string): Promise<Stripe | null> {
  const key = `${stripeJsUrl}\n${publishableKey}`;
  let p = instances.get(key);
  if (!p) {
    p = loadScriptOnce(stripeJsUrl)
      .then(() => {
        // Without window.Stripe, loadStripe would inject js.stripe.com itself: never let it.
        if (typeof (window as { Stripe?: unknown }).Stripe !== 'function') {
          forgetScript(stripeJsUrl);
          throw new ScriptLoadError(stripeJsUrl, 'the script did not define Stripe');
        }
        return loadStripe(publishableKey);
      })
      .then((stripe) => {
        if (!stripe) throw new Error('Stripe.js did not start.');
        return stripe;
      });
    p.catch(() => instances.delete(key));
    instances.set(key, p);
  }
  return p;
}

/** For tests. */
export function resetStripeInstances(): void {
  instances.clear();
}
