-- Shifts: the till's days (or half-days), each closed by a Z report. A sale belongs to the shift open when it
-- was paid, stamped on the order then; counting by that stamp, not by time, means no sale falls between two
-- reports or into both.
CREATE TABLE shifts (
    number INTEGER PRIMARY KEY,
    opened_at INTEGER NOT NULL,
    opening_float INTEGER NOT NULL DEFAULT 0 CHECK (opening_float >= 0),
    closed_at INTEGER,
    -- The Z report as computed at the close (JSON), and its id, the exactly-once key at the backend.
    report TEXT,
    report_id TEXT UNIQUE,
    sent_at INTEGER,
    refused TEXT
);
-- One shift is open at a time.
CREATE UNIQUE INDEX shifts_one_open ON shifts ((closed_at IS NULL)) WHERE closed_at IS NULL;
-- The first shift holds everything the till sold before shifts existed: it opened with the first order.
INSERT INTO shifts (number, opened_at)
    VALUES (1, COALESCE((SELECT MIN(created) FROM orders), CAST(strftime('%s', 'now') AS INTEGER)));

ALTER TABLE orders ADD COLUMN shift INTEGER REFERENCES shifts (number);
UPDATE orders SET shift = 1 WHERE status = 'paid';
CREATE INDEX orders_by_shift ON orders (shift) WHERE shift IS NOT NULL;

-- Card refunds as the till learns of them (the growth of a charge's amount_refunded), in the shift they came.
CREATE TABLE refunds_seen (
    seq INTEGER PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders (id),
    amount INTEGER NOT NULL CHECK (amount > 0),
    currency TEXT NOT NULL,
    shift INTEGER NOT NULL REFERENCES shifts (number),
    seen_at INTEGER NOT NULL
);
CREATE INDEX refunds_seen_by_shift ON refunds_seen (shift);
