-- The feed also carries the catalogue's changes (source 'catalog', type catalog.updated) to every till. SQLite
-- cannot alter a CHECK constraint, so the table is rebuilt, cursors and all.
CREATE TABLE events_v5 (
    cursor INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    payment_intent_id TEXT,
    order_id TEXT,
    terminal TEXT,
    is_foreign INTEGER NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('webhook', 'reconcile', 'catalog')),
    stripe_created INTEGER NOT NULL,
    received INTEGER NOT NULL,
    payload TEXT NOT NULL
);
INSERT INTO events_v5 (cursor, event_id, type, payment_intent_id, order_id, terminal, is_foreign, source,
                       stripe_created, received, payload)
    SELECT cursor, event_id, type, payment_intent_id, order_id, terminal, is_foreign, source, stripe_created,
           received, payload
    FROM events ORDER BY cursor;
-- A cursor is never reused: the new table's counter starts where the old one's stood, rows or not.
UPDATE sqlite_sequence SET seq = MAX(seq, COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0))
    WHERE name = 'events_v5';
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'events_v5', seq FROM sqlite_sequence WHERE name = 'events'
    AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'events_v5');
DROP TABLE events;
ALTER TABLE events_v5 RENAME TO events;
CREATE INDEX events_by_terminal ON events (terminal, cursor);
CREATE INDEX events_by_intent ON events (payment_intent_id, cursor);
-- A till's feed is its own events and the catalogue's.
CREATE INDEX events_catalog ON events (cursor) WHERE source = 'catalog';
