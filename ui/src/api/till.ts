// Typed wrappers of the till's Tauri commands. The only way the UI reaches the core.
import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';
import type {
  AdminPage,
  AdminQuery,
  AppInfo,
  AttentionItem,
  Catalog,
  CatalogItem,
  ChargeInfo,
  CsvExport,
  DayTotal,
  ImportOutcome,
  MerchantCatalog,
  Order,
  PaymentDetail,
  Printed,
  Product,
  ReaderInfo,
  PutProduct,
  PutStore,
  PutTaxRate,
  Receipt,
  ShiftReport,
  Store,
  StoredShiftReport,
  SyncStatus,
  TaxRate,
} from './types';
import { CATALOG_EVENT, ORDER_EVENT, SYNC_EVENT } from './types';

export const till = {
  appInfo: () => invoke<AppInfo>('app_info'),
  catalog: () => invoke<Catalog>('catalog'),
  currentOrder: () => invoke<Order | null>('current_order'),
  newOrder: () => invoke<Order>('new_order'),
  addItem: (sku: string) => invoke<Order>('add_item', { sku }),
  addCustom: (amount: number, name?: string) => invoke<Order>('add_custom', { amount, name: name ?? null }),
  setQuantity: (lineId: number, quantity: number) => invoke<Order>('set_quantity', { lineId, quantity }),
  removeLine: (lineId: number) => invoke<Order>('remove_line', { lineId }),
  /** A barcode as the scanner typed it; "Unknown barcode …" (field barcode) when no product has it. */
  scan: (code: string) => invoke<Order>('scan', { code }),
  search: (query: string) => invoke<CatalogItem[]>('search', { query }),
  /** Cash handed over, in minor units: the whole sale (the change is the rest), or the cash part of a split. */
  payCash: (orderId: string, given: number) => invoke<Order>('pay_cash', { orderId, given }),
  /** The tip on the card payment: one of the store's choices in basis points, or 0. */
  setTip: (orderId: string, basisPoints: number) => invoke<Order>('set_tip', { orderId, basisPoints }),
  /** The receipt on the till's receipt printer; the first print of a cash sale opens the drawer, a reprint never. */
  printReceipt: (orderId: string, reprint: boolean) => invoke<Printed>('print_receipt', { orderId, reprint }),
  /** Creates the order's PaymentIntent, or returns the one it already has (a retry reuses it). */
  charge: (orderId: string) => invoke<ChargeInfo>('charge', { orderId }),
  /** The card readers assigned to this till, with their status now. */
  readers: () => invoke<ReaderInfo[]>('readers'),
  /** The sale's card part on a reader; answers at once, the reader waiting for the card. */
  payOnReader: (orderId: string, readerId: string) => invoke<ReaderInfo>('pay_on_reader', { orderId, readerId }),
  reader: (readerId: string) => invoke<ReaderInfo>('reader', { readerId }),
  cancelReader: (readerId: string) => invoke<ReaderInfo>('cancel_reader', { readerId }),
  /** Test mode: the customer's tap on a simulated reader (a test card's number, or Stripe's default Visa). */
  simulateTap: (readerId: string, cardNumber?: string) =>
    invoke<ReaderInfo>('simulate_tap', { readerId, cardNumber: cardNumber ?? null }),
  /** Asks the backend for the intent's state now (used while waiting in processing). */
  refreshOrder: (orderId: string) => invoke<Order>('refresh_order', { orderId }),
  cancelSale: (orderId: string) => invoke<Order>('cancel_sale', { orderId }),
  order: (orderId: string) => invoke<Order>('order', { orderId }),
  receipt: (orderId: string) => invoke<Receipt>('receipt', { orderId }),
  syncStatus: () => invoke<SyncStatus>('sync_status'),
  reconcile: () => invoke<{ checked: number; changed: number }>('reconcile'),
};

let interactive = false;

/**
 * Tells the core that the first screen is drawn with its data, once: the core logs the app's start-up time
 * (what operators and the start-up benchmark read). Call it when the screen's content is in the DOM (a layout
 * effect); the message goes after the frame that paints it: a task queued from the frame's animation callback
 * runs once that frame is drawn. bench/empty-window marks its first frame the same way.
 */
export function markInteractive(): void {
  if (interactive) return;
  interactive = true;
  requestAnimationFrame(() => {
    setTimeout(() => {
      invoke('ui_ready').catch(() => undefined);
    }, 0);
  });
}

/**
 * What the cashier screen opens with, fetched the moment the core is up: the screen's first frame then shows the
 * sale rather than a loading state (at start-up, one painted frame fewer). A part that failed is left out, and
 * the screen asks for it itself, reporting the error where it belongs.
 */
export interface CashierStart {
  catalog?: Catalog;
  /** The current order (null: there is none); absent when it could not be read. */
  order?: Order | null;
}

export async function cashierStart(): Promise<CashierStart> {
  const [catalog, order] = await Promise.allSettled([till.catalog(), till.currentOrder()]);
  return {
    ...(catalog.status === 'fulfilled' ? { catalog: catalog.value } : {}),
    ...(order.status === 'fulfilled' ? { order: order.value } : {}),
  };
}

export function onOrder(handler: (order: Order) => void): Promise<UnlistenFn> {
  return listen<Order>(ORDER_EVENT, (e) => handler(e.payload));
}

export function onCatalog(handler: () => void): Promise<UnlistenFn> {
  return listen<null>(CATALOG_EVENT, () => handler());
}

export function onSync(handler: (status: SyncStatus) => void): Promise<UnlistenFn> {
  return listen<SyncStatus>(SYNC_EVENT, (e) => handler(e.payload));
}

/** Sent on window when the core refuses an admin command: its admin session is locked or has timed out. */
export const ADMIN_LOCKED_EVENT = 'kassa:admin-locked';

/** An admin command: the core checks the admin session; when it refuses, the app asks for the PIN again. */
function adminInvoke<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  return invoke<T>(cmd, args).catch((e: unknown) => {
    if ((e as { kind?: unknown } | null)?.kind === 'admin_locked') window.dispatchEvent(new Event(ADMIN_LOCKED_EVENT));
    throw e;
  });
}

export const admin = {
  payments: (query: AdminQuery) => adminInvoke<AdminPage>('admin_payments', { query }),
  detail: (orderId: string) => adminInvoke<PaymentDetail>('admin_detail', { orderId }),
  /** idempotencyKey: one per refund dialog, so a double click or a retry refunds once. */
  refund: (orderId: string, amount: number | null, idempotencyKey: string) =>
    adminInvoke<PaymentDetail>('admin_refund', { orderId, amount, idempotencyKey }),
  /** idempotencyKey: one per dialog, as for refunds. */
  cancel: (orderId: string, idempotencyKey: string) => adminInvoke<PaymentDetail>('admin_cancel', { orderId, idempotencyKey }),
  capture: (orderId: string, amount: number | null, idempotencyKey: string) =>
    adminInvoke<PaymentDetail>('admin_capture', { orderId, amount, idempotencyKey }),
  reconcile: () => invoke<{ checked: number; changed: number }>('reconcile'),
  endOfDay: (from: number, to: number) => adminInvoke<DayTotal[]>('admin_end_of_day', { from, to }),
  exportCsv: (query: AdminQuery) => adminInvoke<CsvExport>('admin_export_csv', { query }),
  needsAttention: () => adminInvoke<AttentionItem[]>('admin_needs_attention'),
  /** The catalogue as the backend holds it (archived products too), for the editor. */
  catalog: () => adminInvoke<MerchantCatalog>('admin_catalog'),
  putProduct: (sku: string, product: PutProduct) => adminInvoke<Product>('admin_put_product', { sku, product }),
  putTaxRate: (id: string, rate: PutTaxRate) => adminInvoke<TaxRate>('admin_put_tax_rate', { id, rate }),
  putStore: (store: PutStore) => adminInvoke<Store>('admin_put_store', { store }),
  /** A CSV file's text: imported whole, or refused with every bad row. */
  importCatalog: (csv: string) => adminInvoke<ImportOutcome>('admin_import_catalog', { csv }),
  /** The X report: the open shift so far. */
  shiftReport: () => adminInvoke<ShiftReport>('admin_shift_report'),
  /** The Z report: closes the shift against the counted cash; `nextFloat` stays in the drawer. */
  closeShift: (countedCash: number, nextFloat: number) =>
    adminInvoke<ShiftReport>('admin_close_shift', { countedCash, nextFloat }),
  shiftReports: () => adminInvoke<StoredShiftReport[]>('admin_shift_reports'),
  exportShiftReports: () => adminInvoke<CsvExport>('admin_export_shift_reports'),
  /** Opens an admin session in the core (or leaves kiosk mode); false on a wrong PIN. */
  verifyPin: (pin: string) => invoke<boolean>('verify_admin_pin', { pin }),
  /** Ends the admin session: the admin screen was left. */
  lock: () => invoke<void>('lock_admin'),
  exitKiosk: (pin: string) => invoke<boolean>('exit_kiosk', { pin }),
  /** The kiosk's idle timeout abandons the cart: cancels its intent and starts over. */
  abandonSale: (orderId: string) => invoke<Order>('cancel_sale', { orderId }),
};
