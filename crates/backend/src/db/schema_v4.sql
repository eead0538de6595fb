-- The merchant's catalogue. Prices are in the store currency's minor units.
CREATE TABLE store (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    currency TEXT NOT NULL,
    rounding TEXT NOT NULL,
    tax_scope TEXT NOT NULL
);
CREATE TABLE tax_rates (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    basis_points INTEGER NOT NULL CHECK (basis_points BETWEEN 0 AND 10000),
    inclusive INTEGER NOT NULL,
    updated INTEGER NOT NULL
);
CREATE TABLE products (
    sku TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    price INTEGER NOT NULL CHECK (price >= 0),
    category TEXT,
    tax_rate TEXT REFERENCES tax_rates (id),
    active INTEGER NOT NULL DEFAULT 1,
    updated INTEGER NOT NULL
);
-- A barcode names one product, whichever.
CREATE TABLE product_barcodes (
    barcode TEXT PRIMARY KEY,
    sku TEXT NOT NULL REFERENCES products (sku) ON DELETE CASCADE
);
CREATE INDEX product_barcodes_by_sku ON product_barcodes (sku);
-- Grows by one with every change to the catalogue, so a till can tell whether its copy is current.
CREATE TABLE catalog_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
INSERT INTO catalog_version (id, version) VALUES (1, 0);
