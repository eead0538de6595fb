//! Reading decoded form parameters the way Stripe does: each problem is an error naming the parameter.

use indexmap::IndexMap;
use serde_json::{Map, Value};

use crate::failure::{Failure, Outcome};

pub struct Params<'a> {
    map: &'a Map<String, Value>,
    prefix: String,
}

impl<'a> Params<'a> {
    /// Refuses any top-level parameter not in `known`, as Stripe does.
    pub fn new(value: &'a Value, known: &[&str]) -> Outcome<Self> {
        static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
        let map = value
            .as_object()
            .unwrap_or_else(|| EMPTY.get_or_init(Map::new));
        if let Some(unknown) = map.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(Failure::unknown_param(unknown));
        }
        Ok(Self {
            map,
            prefix: String::new(),
        })
    }

    fn name(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{}[{key}]", self.prefix)
        }
    }

    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// A nested hash, itself checked for unknown keys.
    pub fn hash(&self, key: &str, known: &[&str]) -> Outcome<Option<Params<'a>>> {
        match self.map.get(key) {
            None => Ok(None),
            Some(Value::Object(inner)) => {
                let name = self.name(key);
                if let Some(unknown) = inner.keys().find(|k| !known.contains(&k.as_str())) {
                    return Err(Failure::unknown_param(&format!("{name}[{unknown}]")));
                }
                Ok(Some(Params {
                    map: inner,
                    prefix: name,
                }))
            }
            Some(_) => Err(Failure::param(
                &self.name(key),
                Some("parameter_invalid_string"),
                format!("Invalid object: {} must be a hash.", self.name(key)),
            )),
        }
    }

    pub fn str(&self, key: &str) -> Outcome<Option<&'a str>> {
        match self.map.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(Failure::param(
                &self.name(key),
                Some("parameter_invalid_string"),
                format!(
                    "Invalid string: {} must be a string, not a hash or an array.",
                    self.name(key)
                ),
            )),
        }
    }

    /// A string that must not be empty; an empty value is Stripe's "unset", given as `Some(None)`.
    pub fn nullable_str(&self, key: &str) -> Outcome<Option<Option<String>>> {
        Ok(self.str(key)?.map(|s| {
            if s.is_empty() {
                None
            } else {
                Some(s.to_owned())
            }
        }))
    }

    pub fn required_str(&self, key: &str) -> Outcome<&'a str> {
        match self.str(key)? {
            Some(s) if !s.is_empty() => Ok(s),
            _ => Err(Failure::missing(&self.name(key))),
        }
    }

    pub fn int(&self, key: &str) -> Outcome<Option<i64>> {
        let Some(s) = self.str(key)? else {
            return Ok(None);
        };
        s.parse::<i64>().map(Some).map_err(|_| {
            Failure::param(
                &self.name(key),
                Some("parameter_invalid_integer"),
                format!("Invalid integer: {s}"),
            )
        })
    }

    pub fn bool(&self, key: &str) -> Outcome<Option<bool>> {
        match self.str(key)? {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(other) => Err(Failure::param(
                &self.name(key),
                Some("parameter_invalid_boolean"),
                format!("Invalid boolean: {other}"),
            )),
        }
    }

    pub fn one_of(&self, key: &str, allowed: &[&str]) -> Outcome<Option<&'a str>> {
        match self.str(key)? {
            Some(v) if !allowed.contains(&v) => Err(Failure::param(
                &self.name(key),
                None,
                format!(
                    "Invalid {}: must be one of {}",
                    self.name(key),
                    allowed.join(", ")
                ),
            )),
            other => Ok(other),
        }
    }

    pub fn strings(&self, key: &str) -> Outcome<Vec<String>> {
        match self.map.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s.clone()),
                    _ => Err(Failure::param(
                        &self.name(key),
                        None,
                        format!("Invalid array: {} takes strings.", self.name(key)),
                    )),
                })
                .collect(),
            Some(Value::String(s)) if s.is_empty() => Ok(Vec::new()),
            Some(_) => Err(Failure::param(
                &self.name(key),
                None,
                format!(
                    "Invalid array: {} must be an array, as {}[]=value.",
                    self.name(key),
                    self.name(key)
                ),
            )),
        }
    }

    /// An array of hashes (`cart[line_items][0][amount]=…`), each checked for unknown keys.
    pub fn hashes(&self, key: &str, known: &[&str]) -> Outcome<Vec<Params<'a>>> {
        let name = self.name(key);
        match self.map.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let item_name = format!("{name}[{i}]");
                    let Value::Object(inner) = item else {
                        return Err(Failure::param(
                            &item_name,
                            None,
                            format!("Invalid object: {item_name} must be a hash."),
                        ));
                    };
                    if let Some(unknown) = inner.keys().find(|k| !known.contains(&k.as_str())) {
                        return Err(Failure::unknown_param(&format!("{item_name}[{unknown}]")));
                    }
                    Ok(Params {
                        map: inner,
                        prefix: item_name,
                    })
                })
                .collect(),
            Some(_) => Err(Failure::param(
                &name,
                None,
                format!(
                    "Invalid array: {name} must be an array of hashes, as {name}[0][key]=value."
                ),
            )),
        }
    }

    /// Stripe's metadata rules, with `metadata[key]=` (empty) meaning "delete this key" on update.
    pub fn metadata(&self) -> Outcome<Option<IndexMap<String, Option<String>>>> {
        let name = self.name("metadata");
        match self.map.get("metadata") {
            None => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(Some(IndexMap::new())),
            Some(Value::Object(map)) => {
                if map.len() > 50 {
                    return Err(Failure::param(
                        &name,
                        None,
                        "Invalid metadata: metadata can have at most 50 keys.",
                    ));
                }
                map.iter()
                    .map(|(k, v)| {
                        let key_name = format!("{name}[{k}]");
                        let Value::String(v) = v else {
                            return Err(Failure::param(
                                &key_name,
                                None,
                                "Invalid metadata value: it must be a string.",
                            ));
                        };
                        if k.chars().count() > 40 {
                            return Err(Failure::param(
                                &key_name,
                                None,
                                "Metadata keys can be at most 40 characters.",
                            ));
                        }
                        if v.chars().count() > 500 {
                            return Err(Failure::param(
                                &key_name,
                                None,
                                "Metadata values can be at most 500 characters.",
                            ));
                        }
                        Ok((k.clone(), if v.is_empty() { None } else { Some(v.clone()) }))
                    })
                    .collect::<Outcome<_>>()
                    .map(Some)
            }
            Some(_) => Err(Failure::param(
                &name,
                None,
                "Invalid metadata: it must be a hash, as metadata[key]=value.",
            )),
        }
    }

    /// The metadata of an object being created: as [`Params::metadata`], where a key given empty is simply not set.
    pub fn new_metadata(&self) -> Outcome<IndexMap<String, String>> {
        Ok(self
            .metadata()?
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(k, v)| Some((k, v?)))
            .collect())
    }

    /// `expand[]`, limited to what `expandable` lists.
    pub fn expand(&self, expandable: &[&str]) -> Outcome<Vec<String>> {
        let expand = self.strings("expand")?;
        if let Some(bad) = expand.iter().find(|e| !expandable.contains(&e.as_str())) {
            return Err(Failure::param(
                "expand",
                None,
                format!("This property cannot be expanded ({bad})."),
            ));
        }
        Ok(expand)
    }
}

/// Applies Stripe's metadata update: set the given keys, delete the ones given empty; an empty hash clears all.
pub fn merge_metadata(
    target: &mut IndexMap<String, String>,
    update: IndexMap<String, Option<String>>,
) {
    if update.is_empty() {
        target.clear();
    }
    for (k, v) in update {
        match v {
            Some(v) => {
                target.insert(k, v);
            }
            None => {
                target.shift_remove(&k);
            }
        }
    }
}
