-- The tips a card customer may add, as a JSON array of basis points ([] or none: no tips).
ALTER TABLE store ADD COLUMN tip_percents TEXT NOT NULL DEFAULT '[]';
