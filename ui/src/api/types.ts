// The till's IPC contract: what the Rust core (crates/till, through src-tauri) sends and accepts. The types are
// generated from the Rust ones into ./generated.ts (src-tauri/tests/ui_types.rs fails when it is stale); only
// what has no Rust type of its own is written here. Money is always an integer in the currency's smallest unit
// (cents; yen for JPY).

export type {
  AdminPage,
  AdminQuery,
  AdminRow,
  AppInfo,
  AttentionItem,
  AttentionReason,
  CashPart,
  Catalog,
  CatalogItem,
  CsvExport,
  DayTotal,
  DisplayStatus,
  Fulfilment,
  FulfilmentState,
  ImportOutcome,
  LastError,
  MerchantCatalog,
  Mode,
  Order,
  OrderLine,
  OrderStatus,
  PaymentDetail,
  PaymentStatus,
  Printed,
  Product,
  PutProduct,
  PutStore,
  PutTaxRate,
  Receipt,
  Rounding,
  RowProblem,
  ShiftReport,
  Store,
  StoredShiftReport,
  SyncStatus,
  TaxRate,
  TaxScope,
  TaxTotal,
  TimelineEntry,
  ReaderActivity,
  ReaderInfo,
} from './generated';
import type { IntentInfo } from './generated';

/** What the Payment Element needs. client_secret lives only in memory: never in a URL, a log or web storage. */
export type ChargeInfo = IntentInfo;

/** Every command error: a stable kind, words for a person, and the field at fault if any. */
export interface TillError {
  kind: string;
  message: string;
  field?: string | null;
}

/** Tauri event names. */
export const ORDER_EVENT = 'till://order';
export const SYNC_EVENT = 'till://sync';
/** The catalogue the till sells from changed (the feed brought a change): ask for it again. */
export const CATALOG_EVENT = 'till://catalog';
