// The messages between the till's window and the payment page the backend serves (GET /pay), which the till
// shows in an iframe. Stripe.js refuses a live key on any page that is not https: (the till's own page is
// tauri://localhost), so the card is taken on the backend's HTTPS page and only these messages cross over, by
// postMessage with an exact target origin on both sides. The client secret travels only in `init`.

/** Every message carries this tag, so neither side mistakes another script's message for ours. */
export const TAG = 'kassa-pay';

export type Appearance = Record<string, unknown>;

/** Till → page. */
export type ToPage =
  | {
      tag: typeof TAG;
      type: 'init';
      clientSecret: string;
      publishableKey: string;
      appearance: Appearance;
      /** What the page shows nowhere but may check: the intent's amount in minor units, and its currency. */
      amount: number;
      currency: string;
    }
  /** Pay: validate the form, then confirm the intent (redirect only if required, e.g. never for cards). */
  | { tag: typeof TAG; type: 'confirm'; id: number };

/**
 * What confirming came to, in Stripe.js's own words: `invalid` is elements.submit()'s validation error (the form
 * is incomplete; nothing was sent), `error` is confirmPayment's error (a decline among them), `intent` is the
 * PaymentIntent it returned, `failed` is an exception (the network, the page).
 */
export type ConfirmResult =
  | { kind: 'invalid'; message: string }
  | { kind: 'error'; message: string; code: string | null; decline_code: string | null; type: string | null }
  | {
      kind: 'intent';
      status: string;
      last_payment_error: { message: string | null; code: string | null; decline_code: string | null } | null;
    }
  | { kind: 'failed'; message: string };

/** Page → till. */
export type FromPage =
  /** The page's script runs and waits for `init`. */
  | { tag: typeof TAG; type: 'hello' }
  /** The Payment Element is mounted and can take a card. */
  | { tag: typeof TAG; type: 'ready' }
  /** Stripe.js or the Payment Element did not load (Stripe's IntegrationError among them). */
  | { tag: typeof TAG; type: 'load-error'; message: string }
  /** The customer is typing in the card form (its keys never reach the till's document). */
  | { tag: typeof TAG; type: 'activity' }
  /** The customer pressed Enter in the card form: the till pays as if its Pay button was pressed. */
  | { tag: typeof TAG; type: 'submit' }
  /** A 3-D Secure challenge opened or closed inside the page: the till gives the frame the whole window. */
  | { tag: typeof TAG; type: 'challenge'; open: boolean }
  /** The page's content height in CSS pixels, so the frame fits it. */
  | { tag: typeof TAG; type: 'size'; height: number }
  | { tag: typeof TAG; type: 'result'; id: number; result: ConfirmResult };

/** The origins a till's page has: tauri://localhost on Linux and macOS, http(s)://tauri.localhost on Windows. */
export const TILL_ORIGINS = ['tauri://localhost', 'http://tauri.localhost', 'https://tauri.localhost'];

export function isFromPage(data: unknown): data is FromPage {
  return typeof data === 'object' && data !== null && (data as { tag?: unknown }).tag === TAG && typeof (data as { type?: unknown }).type === 'string';
}

export function isToPage(data: unknown): data is ToPage {
  return isFromPage(data);
}
