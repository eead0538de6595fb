//! Stripe Terminal's registry: locations, and readers registered to them with a registration code. The simulated
//! WisePOS E registers with the code `simulated-wpe`, as in Stripe's test mode.

use super::*;
use crate::terminal::{Location, LocationAddress, Reader, ReaderSim, ReaderView};

pub const SIMULATED_REGISTRATION_CODE: &str = "simulated-wpe";

pub fn create_location(store: &mut Store, ctx: &Ctx, params: &Value) -> Outcome {
    let p = Params::new(
        params,
        &[
            "address",
            "display_name",
            "metadata",
            "configuration_overrides",
            "phone",
            "expand",
        ],
    )?;
    let display_name = p.required_str("display_name")?.to_owned();
    let address = p
        .hash(
            "address",
            &["city", "country", "line1", "line2", "postal_code", "state"],
        )?
        .ok_or_else(|| Failure::missing("address"))?;
    let opt = |key: &str| address.nullable_str(key).map(Option::flatten);
    let country = address.required_str("country")?.to_owned();
    let location = Location {
        address: LocationAddress {
            city: opt("city")?,
            line1: Some(address.required_str("line1")?.to_owned()),
            line2: opt("line2")?,
            postal_code: opt("postal_code")?,
            state: opt("state")?,
            country,
        },
        display_name,
        id: ctx.ids.id("tml"),
        livemode: ctx.livemode,
        metadata: p.new_metadata()?,
        object: "terminal.location".to_owned(),
    };
    let id = location.id.clone();
    store.insert_location(location);
    Ok(to_json(&store.locations[&id]))
}

pub fn retrieve_location(store: &Store, id: &str) -> Outcome {
    store
        .locations
        .get(id)
        .map(to_json)
        .ok_or_else(|| Failure::no_such("terminal.location", "location", id))
}

pub fn register_reader(store: &mut Store, ctx: &Ctx, params: &Value) -> Outcome {
    let p = Params::new(
        params,
        &[
            "registration_code",
            "label",
            "location",
            "metadata",
            "expand",
        ],
    )?;
    let code = p.required_str("registration_code")?;
    let location = p.str("location")?.filter(|l| !l.is_empty());
    if let Some(location) = location.filter(|l| !store.locations.contains_key(*l)) {
        return Err(Failure::no_such("terminal.location", "location", location));
    }
    if code != SIMULATED_REGISTRATION_CODE {
        return Err(Failure::param(
            "registration_code",
            Some("terminal_reader_registration_code_invalid"),
            format!(
                "The registration code is not valid. The simulator registers only simulated readers, with the \
                 code '{SIMULATED_REGISTRATION_CODE}'."
            ),
        ));
    }
    let serial = ctx.ids.token(32).to_lowercase();
    let label = match p.str("label")? {
        Some(l) if !l.trim().is_empty() => l.to_owned(),
        _ => format!("simulated-wpe-{}", &serial[..8]),
    };
    let reader = Reader {
        public: ReaderView {
            action: None,
            device_sw_version: Some("2.37.2.0".to_owned()),
            device_type: "simulated_wisepos_e".to_owned(),
            id: ctx.ids.id("tmr"),
            ip_address: Some("0.0.0.0".to_owned()),
            label,
            livemode: ctx.livemode,
            location: location.map(str::to_owned),
            metadata: p.new_metadata()?,
            object: "terminal.reader".to_owned(),
            serial_number: format!(
                "{}-{}-{}-{}-{}",
                &serial[..8],
                &serial[8..12],
                &serial[12..16],
                &serial[16..20],
                &serial[20..32]
            ),
            status: "online".to_owned(),
            last_seen_at: Some(ctx.now * 1000),
        },
        sim: ReaderSim::default(),
    };
    let id = reader.public.id.clone();
    store.insert_reader(reader);
    Ok(to_json(&store.readers[&id].public))
}

pub(super) fn find_reader<'a>(store: &'a Store, id: &str) -> Outcome<&'a Reader> {
    store
        .reader(id)
        .ok_or_else(|| Failure::no_such("terminal.reader", "reader", id))
}

pub fn retrieve_reader(store: &Store, id: &str) -> Outcome {
    find_reader(store, id).map(|r| to_json(&r.public))
}

pub fn update_reader(store: &mut Store, _ctx: &Ctx, id: &str, params: &Value) -> Outcome {
    let p = Params::new(params, &["label", "metadata", "expand"])?;
    find_reader(store, id)?;
    let label = p.nullable_str("label")?;
    let metadata = p.metadata()?;
    let reader = store.reader_mut(id).expect("found above");
    if let Some(Some(label)) = label {
        reader.public.label = label;
    }
    if let Some(m) = metadata {
        merge_metadata(&mut reader.public.metadata, m);
    }
    Ok(to_json(&reader.public))
}

pub fn delete_reader(store: &mut Store, _ctx: &Ctx, id: &str, _params: &Value) -> Outcome {
    find_reader(store, id)?;
    let reader = store.reader_mut(id).expect("found above");
    reader.sim.deleted = true;
    Ok(to_json(&json!({
        "deleted": true,
        "device_type": reader.public.device_type,
        "id": id,
        "object": "terminal.reader",
        "serial_number": reader.public.serial_number,
    })))
}

pub fn list_readers(store: &Store, params: &Value) -> Outcome {
    let p = Params::new(
        params,
        &[
            "device_type",
            "location",
            "serial_number",
            "status",
            "limit",
            "starting_after",
            "ending_before",
            "expand",
        ],
    )?;
    let status = p.one_of("status", &["online", "offline"])?;
    let location = p.str("location")?.filter(|s| !s.is_empty());
    let device_type = p.str("device_type")?.filter(|s| !s.is_empty());
    let serial = p.str("serial_number")?.filter(|s| !s.is_empty());
    let matching = store
        .readers
        .iter()
        .filter(|(_, r)| !r.sim.deleted)
        .map(|(id, r)| (id, &r.public))
        .filter(|(_, r)| status.is_none_or(|s| r.status == s))
        .filter(|(_, r)| location.is_none_or(|l| r.location.as_deref() == Some(l)))
        .filter(|(_, r)| device_type.is_none_or(|d| r.device_type == d))
        .filter(|(_, r)| serial.is_none_or(|s| r.serial_number == s))
        .collect::<Vec<_>>();
    let (readers, has_more) = lists::page(matching.into_iter(), &p)?;
    Ok(to_json(&lists::List {
        object: "list",
        data: readers,
        has_more,
        url: "/v1/terminal/readers",
    }))
}

/// The simulator's control of a reader's connection: offline (every request to it then fails with
/// terminal_reader_offline) or unresponsive (terminal_reader_timeout). An action in progress stays so.
pub fn set_reader_connection(store: &mut Store, ctx: &Ctx, id: &str, params: &Value) -> Outcome {
    let p = Params::new(params, &["status", "unresponsive"])?;
    find_reader(store, id)?;
    let status = p.one_of("status", &["online", "offline"])?;
    let unresponsive = p.bool("unresponsive")?;
    let reader = store.reader_mut(id).expect("found above");
    if let Some(status) = status {
        reader.public.status = status.to_owned();
        if status == "online" {
            reader.public.last_seen_at = Some(ctx.now * 1000);
        }
    }
    if let Some(u) = unresponsive {
        reader.sim.unresponsive = u;
    }
    Ok(to_json(&reader.public))
}
