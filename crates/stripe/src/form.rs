//! Stripe's request encoding: `application/x-www-form-urlencoded` with nested hashes and arrays in bracket
//! notation (`metadata[order_id]=42`, `automatic_payment_methods[enabled]=true`, `expand[]=latest_charge`).
//!
//! serde_qs writes arrays as `expand[0]` and percent-encodes the brackets; Stripe accepts that, but its own
//! documentation, its CLI and its logs use the form below, so we write exactly that and read both.

use serde_json::{Map, Value};

/// Encodes a JSON object as Stripe form parameters. `null` becomes an empty value, which Stripe reads as "unset".
pub fn encode(params: &Value) -> String {
    let mut out = String::new();
    if let Value::Object(map) = params {
        for (key, value) in map {
            push(&mut out, &escape(key), value);
        }
    }
    out
}

fn push(out: &mut String, key: &str, value: &Value) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                push(out, &format!("{key}[{}]", escape(k)), v);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                // Arrays of hashes need an index so Stripe can tell which fields belong together.
                let child = if item.is_object() || item.is_array() {
                    format!("{key}[{i}]")
                } else {
                    format!("{key}[]")
                };
                push(out, &child, item);
            }
        }
        scalar => {
            if !out.is_empty() {
                out.push('&');
            }
            out.push_str(key);
            out.push('=');
            let text = match scalar {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            out.push_str(&escape(&text));
        }
    }
}

fn escape(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A form body that cannot be read as Stripe parameters, naming the parameter at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FormError {
    pub param: String,
    pub message: String,
}

/// Decodes Stripe form parameters into a JSON object whose leaves are all strings.
/// Both `expand[]=a` and `expand[0]=a` give an array.
pub fn decode(body: &str) -> Result<Value, FormError> {
    let mut root = Value::Object(Map::new());
    for (key, value) in form_urlencoded::parse(body.as_bytes()) {
        let path = split_key(&key)?;
        insert(&mut root, &path, value.into_owned(), &key)?;
    }
    Ok(arrays_from_indexed_hashes(root))
}

fn split_key(key: &str) -> Result<Vec<String>, FormError> {
    let invalid = || FormError {
        param: key.to_owned(),
        message: format!("Invalid parameter name: {key}. Nested parameters look like a[b][c]."),
    };
    let (head, mut rest) = match key.find('[') {
        Some(i) => (&key[..i], &key[i..]),
        None => (key, ""),
    };
    if head.is_empty() {
        return Err(invalid());
    }
    let mut path = vec![head.to_owned()];
    while !rest.is_empty() {
        let close = rest.find(']').ok_or_else(invalid)?;
        if !rest.starts_with('[') {
            return Err(invalid());
        }
        path.push(rest[1..close].to_owned());
        rest = &rest[close + 1..];
    }
    Ok(path)
}

fn insert(node: &mut Value, path: &[String], value: String, key: &str) -> Result<(), FormError> {
    let conflict = || FormError {
        param: key.to_owned(),
        message: format!(
            "Invalid value for {key}: it mixes a plain value with a nested hash or array."
        ),
    };
    let (segment, rest) = path
        .split_first()
        .expect("split_key yields at least one segment");
    if segment.is_empty() {
        let Value::Array(items) = node else {
            return Err(conflict());
        };
        if rest.is_empty() {
            items.push(Value::String(value));
        } else {
            let mut child = Value::Object(Map::new());
            insert(&mut child, rest, value, key)?;
            items.push(child);
        }
        return Ok(());
    }
    let Value::Object(map) = node else {
        return Err(conflict());
    };
    if rest.is_empty() {
        if map.contains_key(segment.as_str()) && !map[segment.as_str()].is_string() {
            return Err(conflict());
        }
        // A repeated plain key keeps the last value, as Rack (Stripe's parser) does.
        map.insert(segment.clone(), Value::String(value));
        return Ok(());
    }
    let child = map.entry(segment.clone()).or_insert_with(|| {
        if rest[0].is_empty() {
            Value::Array(Vec::new())
        } else {
            Value::Object(Map::new())
        }
    });
    insert(child, rest, value, key)
}

/// `items[0][a]=1&items[1][a]=2` arrives as a hash keyed by indices; Stripe reads it as an array.
fn arrays_from_indexed_hashes(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let indexed = !map.is_empty() && map.keys().all(|k| k.parse::<usize>().is_ok());
            let mut converted: Vec<(String, Value)> = map
                .into_iter()
                .map(|(k, v)| (k, arrays_from_indexed_hashes(v)))
                .collect();
            if indexed {
                converted.sort_by_key(|(k, _)| k.parse::<usize>().unwrap_or(usize::MAX));
                Value::Array(converted.into_iter().map(|(_, v)| v).collect())
            } else {
                Value::Object(converted.into_iter().collect())
            }
        }
        Value::Array(items) => {
            Value::Array(items.into_iter().map(arrays_from_indexed_hashes).collect())
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_hashes_and_arrays_use_brackets() {
        let params = json!({
            "amount": 1999,
            "currency": "usd",
            "automatic_payment_methods": {"enabled": true},
            "metadata": {"order_id": "ord 1/2"},
            "expand": ["latest_charge", "payment_method"],
        });
        assert_eq!(
            encode(&params),
            "amount=1999&currency=usd&automatic_payment_methods[enabled]=true\
             &metadata[order_id]=ord+1%2F2&expand[]=latest_charge&expand[]=payment_method"
        );
    }

    #[test]
    fn arrays_of_hashes_are_indexed() {
        let params = json!({"items": [{"price": "p1"}, {"price": "p2", "quantity": 2}]});
        assert_eq!(
            encode(&params),
            "items[0][price]=p1&items[1][price]=p2&items[1][quantity]=2"
        );
    }

    #[test]
    fn null_encodes_as_an_empty_value_to_unset() {
        assert_eq!(encode(&json!({"description": null})), "description=");
    }

    #[test]
    fn keys_and_values_with_reserved_characters_are_escaped() {
        assert_eq!(
            encode(&json!({"metadata": {"a&b": "c=d"}})),
            "metadata[a%26b]=c%3Dd"
        );
    }

    #[test]
    fn decode_reads_what_encode_writes() {
        let params = json!({
            "amount": "1999",
            "metadata": {"order_id": "ord 1/2", "note": "ß & ü"},
            "expand": ["latest_charge"],
            "items": [{"price": "p1"}, {"price": "p2"}],
        });
        assert_eq!(decode(&encode(&params)).unwrap(), params);
    }

    #[test]
    fn decode_accepts_indexed_arrays_and_percent_encoded_brackets() {
        let body = "expand%5B0%5D=latest_charge&expand%5B1%5D=payment_method";
        assert_eq!(
            decode(body).unwrap(),
            json!({"expand": ["latest_charge", "payment_method"]})
        );
    }

    #[test]
    fn decode_names_the_malformed_key() {
        let err = decode("metadata[order_id=1").unwrap_err();
        assert_eq!(err.param, "metadata[order_id");
        let err = decode("metadata=1&metadata[a]=2").unwrap_err();
        assert_eq!(err.param, "metadata[a]");
    }
}
