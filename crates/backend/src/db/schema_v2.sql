-- A covering index for the admin's totals over a date range: they read only the index, never the rows.
CREATE INDEX orders_totals ON orders (created, currency, status, amount, amount_received, amount_refunded);
