-- A product's picture, as the backend serves it (a path on the backend's origin), for the kiosk's tiles.
ALTER TABLE catalog_products ADD COLUMN image_url TEXT;
