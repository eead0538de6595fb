//! The quick items on the till's grid. A demo store's by default; prices in minor units of one currency.

use serde::Serialize;
use ts_rs::TS;

#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
pub struct CatalogItem {
    pub sku: String,
    pub name: String,
    pub unit_amount: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, TS)]
pub struct Catalog {
    pub currency: String,
    pub items: Vec<CatalogItem>,
}

impl From<kassa_api::Product> for CatalogItem {
    fn from(p: kassa_api::Product) -> Self {
        Self {
            sku: p.sku,
            name: p.name,
            unit_amount: p.price,
        }
    }
}

impl Catalog {
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
                })
                .collect(),
        }
    }

    pub fn find(&self, sku: &str) -> Option<&CatalogItem> {
        self.items.iter().find(|i| i.sku == sku)
    }
}
