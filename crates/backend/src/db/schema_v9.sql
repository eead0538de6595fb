-- Products' pictures, for the kiosk: served by the backend at a URL that changes with the picture.
CREATE TABLE product_images (
    sku TEXT PRIMARY KEY,
    content_type TEXT NOT NULL,
    bytes BLOB NOT NULL,
    sha256 TEXT NOT NULL,
    updated INTEGER NOT NULL
);
