//! Query strings read with the same field-naming errors as JSON bodies.

use serde::de::DeserializeOwned;

use crate::error::ApiError;

pub fn parse<T: DeserializeOwned>(raw: Option<&str>) -> Result<T, ApiError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(
        raw.unwrap_or_default().as_bytes(),
    ));
    serde_path_to_error::deserialize(de).map_err(|e| {
        let field = match e.path().to_string() {
            p if p == "." => "query".to_owned(),
            p => p,
        };
        let message = e.into_inner().to_string();
        ApiError::invalid(field.clone(), format!("{field}: {message}"))
    })
}
