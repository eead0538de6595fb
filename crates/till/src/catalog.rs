//! The quick items on the till's grid. A demo store's by default; prices in minor units of one currency.

use serde::Serialize;
use ts_rs::TS;

/// The most products the grid shows: a screen of buttons, not a shop's whole range.
pub const GRID_LIMIT: usize = 200;

#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
pub struct CatalogItem {
    pub sku: String,
    pub name: String,
    pub unit_amount: i64,
    /// The grid groups items by it; None: with the uncategorised, last.
    pub category: Option<String>,
    /// Its picture's full URL at the backend, for the kiosk's tile; None: none.
    pub image_url: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
pub struct Catalog {
    pub currency: String,
    pub items: Vec<CatalogItem>,
    /// Products on sale that the grid leaves out (a shop of thousands is sold by scan and search).
    #[serde(default)]
    pub more: i64,
    /// The tips a card customer may add, in basis points; empty: the till asks for none.
    #[serde(default)]
    pub tip_percents: Vec<u32>,
}

impl From<kassa_api::Product> for CatalogItem {
    fn from(p: kassa_api::Product) -> Self {
        Self {
            sku: p.sku,
            name: p.name,
            unit_amount: p.price,
            category: p.category,
            image_url: p.image_url,
        }
    }
}

impl Catalog {
    /// A till of a real shop before the feed has brought its catalogue: nothing to sell, and no currency to
    /// sell in, so no sale starts until the store's details arrive.
    pub fn awaiting() -> Self {
        Self {
            currency: String::new(),
            items: Vec::new(),
            more: 0,
            tip_percents: Vec::new(),
        }
    }

    pub fn demo() -> Self {
        let items = [
            ("espresso", "Espresso", 250),
            ("flat-white", "Flat white", 380),
            ("cappuccino", "Cappuccino", 360),
            ("tea", "Tea", 220),
            ("croissant", "Croissant", 290),
            ("bagel", "Bagel", 340),
            ("muffin", "Blueberry muffin", 310),
            ("sandwich", "Sandwich", 750),
            ("salad", "Salad bowl", 920),
            ("juice", "Orange juice", 420),
            ("water", "Still water", 180),
            ("cookie", "Cookie", 150),
        ];
        Self {
            currency: "usd".to_owned(),
            items: items
                .into_iter()
                .map(|(sku, name, amount)| CatalogItem {
                    sku: sku.into(),
                    name: name.into(),
                    unit_amount: amount,
                    category: None,
                    image_url: None,
                })
                .collect(),
            more: 0,
            tip_percents: Vec::new(),
        }
    }

    pub fn find(&self, sku: &str) -> Option<&CatalogItem> {
        self.items.iter().find(|i| i.sku == sku)
    }
}
