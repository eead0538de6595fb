-- The till's copy of the merchant's catalogue, kept from the feed's catalog.updated items, so it sells with the
-- backend down.
CREATE TABLE catalog_store (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    currency TEXT NOT NULL,
    rounding TEXT NOT NULL,
    tax_scope TEXT NOT NULL
);
CREATE TABLE catalog_tax_rates (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    basis_points INTEGER NOT NULL,
    inclusive INTEGER NOT NULL
);
CREATE TABLE catalog_products (
    sku TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    price INTEGER NOT NULL,
    category TEXT,
    tax_rate TEXT,
    active INTEGER NOT NULL
);
CREATE INDEX catalog_products_by_name ON catalog_products (name COLLATE NOCASE) WHERE active = 1;
CREATE TABLE catalog_barcodes (
    barcode TEXT PRIMARY KEY,
    sku TEXT NOT NULL
);
CREATE INDEX catalog_barcodes_by_sku ON catalog_barcodes (sku);
CREATE TABLE catalog_version (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL);
INSERT INTO catalog_version (id, version) VALUES (1, 0);

-- A line keeps the tax it was rung up with: a later change to the rate does not reach an order already taken.
ALTER TABLE order_lines ADD COLUMN tax_rate_id TEXT;
ALTER TABLE order_lines ADD COLUMN tax_name TEXT;
ALTER TABLE order_lines ADD COLUMN tax_basis_points INTEGER;
ALTER TABLE order_lines ADD COLUMN tax_inclusive INTEGER;
