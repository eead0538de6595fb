-- Tips: the store's choices (basis points, JSON), and the tip a sale's card payment carries on top of it.
ALTER TABLE catalog_store ADD COLUMN tip_percents TEXT NOT NULL DEFAULT '[]';
ALTER TABLE orders ADD COLUMN tip INTEGER NOT NULL DEFAULT 0 CHECK (tip >= 0);
