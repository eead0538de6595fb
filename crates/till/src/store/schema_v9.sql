-- Search by any part of a name (or SKU) without reading every product: an FTS5 index of trigrams over the
-- catalogue, kept in step by triggers. A search of three characters or more is answered from it; a shorter
-- one by the name index's prefix range.
CREATE VIRTUAL TABLE catalog_search USING fts5(
    name, sku,
    content = 'catalog_products', content_rowid = 'rowid',
    tokenize = 'trigram case_sensitive 0'
);
CREATE TRIGGER catalog_search_insert AFTER INSERT ON catalog_products BEGIN
    INSERT INTO catalog_search (rowid, name, sku) VALUES (new.rowid, new.name, new.sku);
END;
CREATE TRIGGER catalog_search_delete AFTER DELETE ON catalog_products BEGIN
    INSERT INTO catalog_search (catalog_search, rowid, name, sku) VALUES ('delete', old.rowid, old.name, old.sku);
END;
CREATE TRIGGER catalog_search_update AFTER UPDATE ON catalog_products BEGIN
    INSERT INTO catalog_search (catalog_search, rowid, name, sku) VALUES ('delete', old.rowid, old.name, old.sku);
    INSERT INTO catalog_search (rowid, name, sku) VALUES (new.rowid, new.name, new.sku);
END;
INSERT INTO catalog_search (catalog_search) VALUES ('rebuild');
