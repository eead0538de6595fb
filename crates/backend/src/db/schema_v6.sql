-- Cash the tills took. The till names each tender, so a send it repeats is stored once.
CREATE TABLE cash_tenders (
    tender_id TEXT PRIMARY KEY,
    terminal TEXT NOT NULL,
    order_id TEXT NOT NULL,
    amount INTEGER NOT NULL CHECK (amount > 0),
    given INTEGER NOT NULL CHECK (given >= amount),
    currency TEXT NOT NULL,
    sale_total INTEGER NOT NULL CHECK (sale_total >= amount),
    sale_tax INTEGER NOT NULL CHECK (sale_tax >= 0),
    taken_at INTEGER NOT NULL,
    received_at INTEGER NOT NULL
);
-- One cash tender per sale.
CREATE UNIQUE INDEX cash_tenders_order ON cash_tenders (terminal, order_id);
CREATE INDEX cash_tenders_taken ON cash_tenders (terminal, taken_at);
