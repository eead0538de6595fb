-- An order keeps the store's rounding rule it was started under, as its lines keep their rates.
ALTER TABLE orders ADD COLUMN tax_rounding TEXT;
ALTER TABLE orders ADD COLUMN tax_scope TEXT;
