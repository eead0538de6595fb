// The kiosk's timings. Defaults for a shop floor; tests and demos override them from the URL
// (`?idle=5&idleCountdown=3&thanks=4`) or a window global set before the app starts
// (`window.__KASSA_IDLE_SECONDS__ = 5`).

/** Seconds without input (on any screen but Welcome) before "Are you still there?". */
export const IDLE_SECONDS = 60;
/** The countdown shown before the cart is abandoned. */
export const IDLE_COUNTDOWN_SECONDS = 15;
/** The thank-you screen goes back to Welcome on its own after this. */
export const THANKS_SECONDS = 10;
/** How often to ask the core about the intent while waiting for the webhook (a fallback; events come first). */
export const KIOSK_REFRESH_MS = 3_000;

export interface KioskTimings {
  idleSeconds: number;
  countdownSeconds: number;
  thanksSeconds: number;
}

declare global {
  interface Window {
    __KASSA_IDLE_SECONDS__?: number;
    __KASSA_IDLE_COUNTDOWN_SECONDS__?: number;
    __KASSA_THANKS_SECONDS__?: number;
  }
}

function pick(param: string, global: unknown, fallback: number): number {
  const fromUrl = new URLSearchParams(window.location.search).get(param);
  for (const v of [fromUrl, global]) {
    if (v === null || v === undefined || v === '') continue;
    const n = Number(v);
    if (Number.isFinite(n) && n > 0) return n;
  }
  return fallback;
}

export function kioskTimings(): KioskTimings {
  return {
    idleSeconds: pick('idle', window.__KASSA_IDLE_SECONDS__, IDLE_SECONDS),
    countdownSeconds: pick('idleCountdown', window.__KASSA_IDLE_COUNTDOWN_SECONDS__, IDLE_COUNTDOWN_SECONDS),
    thanksSeconds: pick('thanks', window.__KASSA_THANKS_SECONDS__, THANKS_SECONDS),
  };
}
