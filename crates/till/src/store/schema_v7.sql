-- Cash taken for a sale: the whole total, or the cash part of a split whose rest is paid by card. Each tender
-- has its own id, the key that makes its send to the backend happen once; sent_at stays NULL until the backend
-- has stored it, which makes this table the durable queue of cash still to send.
CREATE TABLE tenders (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders (id),
    kind TEXT NOT NULL CHECK (kind IN ('cash')),
    amount INTEGER NOT NULL CHECK (amount > 0),
    given INTEGER NOT NULL CHECK (given >= amount),
    created INTEGER NOT NULL,
    sent_at INTEGER,
    -- Why the backend refused it for good (not an outage): kept, shown to the admin, and no longer retried.
    refused TEXT
);
CREATE UNIQUE INDEX tenders_one_cash ON tenders (order_id) WHERE kind = 'cash';
CREATE INDEX tenders_unsent ON tenders (created) WHERE sent_at IS NULL;

-- When a sale was paid in full by cash (a card payment's time is its fulfilment's).
ALTER TABLE orders ADD COLUMN cash_paid_at INTEGER;
