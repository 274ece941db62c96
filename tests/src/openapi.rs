//! Checks real responses against an OpenAPI document (feature `openapi`): the status must be
//! documented for the route, the Content-Type must be one of the documented media types (or
//! the body empty when none is), the body must validate against the documented schema (with
//! the `jsonschema` crate), every header documented as "Always sent" must be there and every
//! documented header's value must fit its schema, and a response that sends `Location`,
//! `Set-Cookie`, `Content-Range` or `Accept-Ranges` must document it. [`SpecChecker::unseen`]
//! lists the documented responses no request produced.

use std::collections::BTreeSet;

use serde_json::{Value, json};

/// One response as it came off the wire.
#[derive(Debug, Clone)]
pub struct Observed {
    /// The status code.
    pub status: u16,
    /// The headers, names lower-case, in order (a name may repeat).
    pub headers: Vec<(String, String)>,
    /// The body; for an endless stream, what was read of it.
    pub body: Vec<u8>,
}

impl Observed {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// Headers whose presence means something a description must say.
const MEANINGFUL: &[&str] = &["location", "set-cookie", "content-range", "accept-ranges"];

/// An OpenAPI document and the responses checked against it so far.
#[derive(Debug)]
pub struct SpecChecker {
    spec: Value,
    seen: BTreeSet<(String, String, String)>,
}

impl SpecChecker {
    /// Checks responses against `spec` (an OpenAPI 3.1 document as JSON).
    pub fn new(spec: Value) -> Self {
        SpecChecker {
            spec,
            seen: BTreeSet::new(),
        }
    }

    /// Checks the response of `method path` (the path as documented, without the query).
    ///
    /// # Errors
    /// What does not match the document.
    pub fn check(&mut self, method: &str, path: &str, observed: &Observed) -> Result<(), String> {
        let method = method.to_ascii_lowercase();
        let responses = self
            .spec
            .pointer(&format!("/paths/{}/{method}/responses", escape(path)))
            .ok_or_else(|| format!("{method} {path} is not documented"))?;
        let status = observed.status.to_string();
        let (key, response) = match responses.get(&status) {
            Some(response) => (status.clone(), response),
            None => match responses.get("default") {
                Some(response) => (String::from("default"), response),
                None => {
                    let documented: Vec<&String> = responses
                        .as_object()
                        .map(|map| map.keys().collect())
                        .unwrap_or_default();
                    return Err(format!(
                        "{method} {path} answered {status}, which is not documented (documented: {documented:?})"
                    ));
                }
            },
        };
        let response = self.resolve(response)?.clone();
        self.seen.insert((path.to_owned(), method.clone(), key));
        let context = format!("{method} {path} -> {status}");
        self.check_body(&context, &response, observed)?;
        self.check_headers(&context, &response, observed)
    }

    /// The documented responses (other than `default`) that no checked response produced, as
    /// `method path status`.
    pub fn unseen(&self) -> Vec<String> {
        let mut unseen = Vec::new();
        let Some(paths) = self.spec.get("paths").and_then(Value::as_object) else {
            return unseen;
        };
        for (path, item) in paths {
            for (method, operation) in item.as_object().into_iter().flatten() {
                let responses = operation.get("responses").and_then(Value::as_object);
                for key in responses.into_iter().flatten().map(|(key, _)| key) {
                    let seen = (path.clone(), method.clone(), key.clone());
                    if key != "default" && !self.seen.contains(&seen) {
                        unseen.push(format!("{method} {path} {key}"));
                    }
                }
            }
        }
        unseen
    }

    fn resolve<'a>(&'a self, value: &'a Value) -> Result<&'a Value, String> {
        match value.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                let pointer = reference
                    .strip_prefix('#')
                    .ok_or_else(|| format!("an external reference: {reference}"))?;
                self.spec
                    .pointer(pointer)
                    .ok_or_else(|| format!("a dangling reference: {reference}"))
            }
            None => Ok(value),
        }
    }

    fn check_body(
        &self,
        context: &str,
        response: &Value,
        observed: &Observed,
    ) -> Result<(), String> {
        let content = response
            .get("content")
            .and_then(Value::as_object)
            .filter(|content| !content.is_empty());
        let Some(content) = content else {
            if observed.body.is_empty() {
                return Ok(());
            }
            return Err(format!(
                "{context}: documented without a body, but {} bytes were sent",
                observed.body.len()
            ));
        };
        let content_type = observed.header("content-type").ok_or_else(|| {
            format!("{context}: a body is documented but no Content-Type was sent")
        })?;
        let essence = content_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let wildcard = format!("{}/*", essence.split('/').next().unwrap_or_default());
        let media = [essence.as_str(), wildcard.as_str(), "*/*"]
            .into_iter()
            .find_map(|key| content.get(key))
            .ok_or_else(|| {
                let documented: Vec<&String> = content.keys().collect();
                format!("{context}: Content-Type {content_type:?} is not documented (documented: {documented:?})")
            })?;
        let Some(schema) = media.get("schema") else {
            return Ok(());
        };
        let schema = self.resolve(schema)?;
        if schema.get("format").and_then(Value::as_str) == Some("binary") {
            return Ok(());
        }
        let json_media = essence == "application/json" || essence.ends_with("+json");
        let instance = if json_media {
            serde_json::from_slice(&observed.body)
                .map_err(|error| format!("{context}: the body is not JSON: {error}"))?
        } else {
            let text = std::str::from_utf8(&observed.body)
                .map_err(|_| format!("{context}: a text body that is not UTF-8"))?;
            Value::String(text.to_owned())
        };
        self.validate(context, "the body", schema, &instance)
    }

    fn check_headers(
        &self,
        context: &str,
        response: &Value,
        observed: &Observed,
    ) -> Result<(), String> {
        let empty = serde_json::Map::new();
        let headers = response
            .get("headers")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        for (name, header) in headers {
            let name = name.to_ascii_lowercase();
            let header = self.resolve(header)?;
            let required = header
                .get("description")
                .and_then(Value::as_str)
                .is_some_and(|text| text.starts_with("Always sent"));
            let values: Vec<&str> = observed
                .headers
                .iter()
                .filter(|(key, _)| *key == name)
                .map(|(_, value)| value.as_str())
                .collect();
            if values.is_empty() && required {
                return Err(format!(
                    "{context}: the header {name} is documented as always sent, but was not"
                ));
            }
            let Some(schema) = header.get("schema") else {
                continue;
            };
            let schema = self.resolve(schema)?;
            let integer = schema.get("type").and_then(Value::as_str) == Some("integer");
            for value in values {
                let instance = if integer {
                    value
                        .parse::<i64>()
                        .map(Value::from)
                        .unwrap_or_else(|_| Value::String(value.to_owned()))
                } else {
                    Value::String(value.to_owned())
                };
                self.validate(context, &format!("the header {name}"), schema, &instance)?;
            }
        }
        for name in MEANINGFUL {
            if observed.header(name).is_some()
                && !headers.keys().any(|key| key.eq_ignore_ascii_case(name))
            {
                return Err(format!(
                    "{context}: the response sends {name}, which is not documented"
                ));
            }
        }
        Ok(())
    }

    /// Validates `instance` against `schema`, with the document's components beside it so
    /// that `#/components/...` references resolve.
    fn validate(
        &self,
        context: &str,
        what: &str,
        schema: &Value,
        instance: &Value,
    ) -> Result<(), String> {
        let root = json!({
            "components": self.spec.get("components").cloned().unwrap_or(Value::Null),
            "allOf": [schema],
        });
        let validator = jsonschema::validator_for(&root)
            .map_err(|error| format!("{context}: the schema of {what} is not valid: {error}"))?;
        let problems: Vec<String> = validator
            .iter_errors(instance)
            .map(|error| format!("{error} at {}", error.instance_path()))
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{context}: {what} does not match its schema {schema}: {}",
                problems.join("; ")
            ))
        }
    }
}

/// A path as a JSON pointer segment.
fn escape(path: &str) -> String {
    path.replace('~', "~0").replace('/', "~1")
}
