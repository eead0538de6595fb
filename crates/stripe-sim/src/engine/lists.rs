//! Newest-first lists with Stripe's cursors: intents and events.

use super::*;

/// A page of a newest-first list, with Stripe's cursor rules: the items, and whether more follow.
pub(super) fn page<'a, T>(
    items: impl DoubleEndedIterator<Item = (&'a String, T)>,
    p: &Params,
) -> Outcome<(Vec<T>, bool)> {
    let limit = p.int("limit")?.unwrap_or(10);
    if !(1..=100).contains(&limit) {
        return Err(Failure::param(
            "limit",
            Some("parameter_invalid_integer"),
            "This value must be between 1 and 100.",
        ));
    }
    let limit = limit as usize;
    let newest_first: Vec<(&String, T)> = items.rev().collect();
    let position = |id: &str, param: &str| {
        newest_first
            .iter()
            .position(|(k, _)| k.as_str() == id)
            .ok_or_else(|| Failure::no_such("object", param, id))
    };
    let (start, end) = match (p.str("starting_after")?, p.str("ending_before")?) {
        (Some(after), _) if !after.is_empty() => {
            let i = position(after, "starting_after")? + 1;
            (i, (i + limit).min(newest_first.len()))
        }
        (_, Some(before)) if !before.is_empty() => {
            let i = position(before, "ending_before")?;
            (i.saturating_sub(limit), i)
        }
        _ => (0, limit.min(newest_first.len())),
    };
    let has_more = if p.str("ending_before")?.is_some_and(|s| !s.is_empty())
        && p.str("starting_after")?.is_none()
    {
        start > 0
    } else {
        end < newest_first.len()
    };
    let data = newest_first
        .into_iter()
        .skip(start)
        .take(end - start)
        .map(|(_, v)| v)
        .collect();
    Ok((data, has_more))
}

#[derive(serde::Serialize)]
pub(super) struct List<'a, T> {
    pub(super) object: &'static str,
    pub(super) data: Vec<T>,
    pub(super) has_more: bool,
    pub(super) url: &'a str,
}

pub fn list_intents(store: &Store, params: &Value) -> Outcome {
    let p = Params::new(
        params,
        &[
            "limit",
            "starting_after",
            "ending_before",
            "expand",
            "created",
            "customer",
        ],
    )?;
    let expand: Vec<String> = p
        .strings("expand")?
        .into_iter()
        .map(|e| e.strip_prefix("data.").map(str::to_owned).unwrap_or(e))
        .collect();
    let (intents, has_more) = page(store.intents.iter(), &p)?;
    Ok(to_json(&List {
        object: "list",
        data: intents
            .into_iter()
            .map(|intent| store.intent_view(intent, &expand))
            .collect(),
        has_more,
        url: "/v1/payment_intents",
    }))
}

pub fn list_events(store: &Store, params: &Value) -> Outcome<EventPage> {
    let p = Params::new(
        params,
        &[
            "type",
            "types",
            "created",
            "limit",
            "starting_after",
            "ending_before",
            "delivery_success",
        ],
    )?;
    let kind = p.str("type")?.filter(|s| !s.is_empty());
    let types = p.strings("types")?;
    if kind.is_some() && !types.is_empty() {
        return Err(Failure::param(
            "types",
            None,
            "You may only specify one of these parameters: type, types.",
        ));
    }
    if types.len() > 20 {
        return Err(Failure::param(
            "types",
            None,
            "You may pass at most 20 event types.",
        ));
    }
    let (mut gte, mut lte) = (i64::MIN, i64::MAX);
    if let Some(range) = p.hash("created", &["gte", "gt", "lte", "lt"])? {
        gte = gte
            .max(range.int("gte")?.unwrap_or(i64::MIN))
            .max(range.int("gt")?.map_or(i64::MIN, |v| v + 1));
        lte = lte
            .min(range.int("lte")?.unwrap_or(i64::MAX))
            .min(range.int("lt")?.map_or(i64::MAX, |v| v - 1));
    } else if p.has("created") {
        let exact = p.int("created")?.unwrap_or_default();
        (gte, lte) = (exact, exact);
    }
    let matches_type = |t: &str| {
        let one = |pattern: &str| match pattern.strip_suffix('*') {
            Some(prefix) => t.starts_with(prefix),
            None => t == pattern,
        };
        match kind {
            Some(k) => one(k),
            None => types.is_empty() || types.iter().any(|k| one(k)),
        }
    };
    let filtered = store
        .events
        .iter()
        .filter(|(_, e)| matches_type(&e.kind) && (gte..=lte).contains(&e.created))
        .collect::<Vec<_>>();
    // Listed from the stored JSON, so the list shows exactly what webhooks carried.
    let (events, has_more) = page(filtered.into_iter(), &p)?;
    Ok(EventPage {
        has_more,
        events: events.into_iter().map(|e| e.json.clone()).collect(),
    })
}

pub struct EventPage {
    pub has_more: bool,
    pub events: Vec<std::sync::Arc<str>>,
}

pub fn retrieve_event(store: &Store, id: &str) -> Outcome<std::sync::Arc<str>> {
    store
        .events
        .get(id)
        .map(|e| e.json.clone())
        .ok_or_else(|| Failure::no_such("event", "id", id))
}
