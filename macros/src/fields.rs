//! The field attributes of a typed response: `#[body]`, `#[header("name")]`, `#[cookie]` and
//! `#[status]`. They are inert markers for this macro and are removed from the item it emits.

use syn::{Attribute, LitStr, Meta};

use crate::errors::Errors;
use crate::rules;

/// What a field is for.
#[derive(Clone)]
pub(crate) enum Role {
    Body,
    /// A header; the name is checked and lower-cased.
    Header(String),
    Cookie,
    Status,
}

impl Role {
    fn marker(&self) -> &'static str {
        match self {
            Role::Body => "#[body]",
            Role::Header(_) => "#[header]",
            Role::Cookie => "#[cookie]",
            Role::Status => "#[status]",
        }
    }
}

/// A field role and the attribute that gave it.
#[derive(Clone)]
pub(crate) struct Marked {
    pub(crate) role: Role,
    /// The marker attribute, to span errors on it; `None` for the implicit body of a tuple.
    pub(crate) attr: Option<Attribute>,
}

/// What a field's markers say.
pub(crate) enum Marking {
    /// No marker.
    None,
    /// One valid role.
    Role(Box<Marked>),
    /// A marker that was reported as wrong: the field is left out of further checks.
    Invalid,
}

fn marker_name(attr: &Attribute) -> Option<&'static str> {
    ["body", "header", "cookie", "status"]
        .into_iter()
        .find(|name| attr.path().is_ident(name))
}

/// Removes this crate's field attributes from `attrs` and returns the field's role.
pub(crate) fn take_role(attrs: &mut Vec<Attribute>, errors: &mut Errors) -> Marking {
    let mut marked: Option<Marked> = None;
    let mut invalid = false;
    let mut kept = Vec::with_capacity(attrs.len());
    for attr in attrs.drain(..) {
        let Some(name) = marker_name(&attr) else {
            kept.push(attr);
            continue;
        };
        let Some(role) = parse_role(name, &attr, errors) else {
            invalid = true;
            continue;
        };
        match &marked {
            Some(first) if first.role.marker() == role.marker() => {
                errors.on(&attr, format!("`{}` is given twice", role.marker()));
            }
            Some(first) => errors.on(
                &attr,
                format!(
                    "a field has one role: it is already marked `{}`, so it cannot also be `{}`",
                    first.role.marker(),
                    role.marker()
                ),
            ),
            None => {
                marked = Some(Marked {
                    role,
                    attr: Some(attr),
                })
            }
        }
    }
    *attrs = kept;
    match marked {
        _ if invalid => Marking::Invalid,
        Some(marked) => Marking::Role(Box::new(marked)),
        None => Marking::None,
    }
}

fn parse_role(name: &'static str, attr: &Attribute, errors: &mut Errors) -> Option<Role> {
    if name == "header" {
        return header_name(attr, errors).map(Role::Header);
    }
    if name == "status" {
        // `#[status(200, 202)]` lists the statuses for the OpenAPI description.
        return crate::item::openapi::check_statuses(attr, errors).then_some(Role::Status);
    }
    if !matches!(attr.meta, Meta::Path(_)) {
        errors.on(&attr.meta, format!("`#[{name}]` takes no arguments"));
        return None;
    }
    Some(match name {
        "body" => Role::Body,
        "cookie" => Role::Cookie,
        _ => Role::Status,
    })
}

const HEADER_USAGE: &str = "expected a header name, such as `#[header(\"x-request-id\")]`";

fn header_name(attr: &Attribute, errors: &mut Errors) -> Option<String> {
    let Meta::List(list) = &attr.meta else {
        errors.on(attr, HEADER_USAGE);
        return None;
    };
    let lit = errors.take(
        list.parse_args::<LitStr>()
            .map_err(|error| syn::Error::new(error.span(), HEADER_USAGE)),
    )?;
    let name = lit.value();
    if name.is_empty() || !name.chars().all(rules::is_tchar) {
        errors.at(
            lit.span(),
            format!(
                "`{}` is not a header name: a header name is a token of letters, digits and !#$%&'*+-.^_`|~",
                name.escape_default()
            ),
        );
        return None;
    }
    Some(name.to_ascii_lowercase())
}

/// Whether `attrs` still holds one of this crate's field markers (on an item where they have
/// no meaning, they are reported).
pub(crate) fn report_stray(attrs: &[Attribute], place: &str, errors: &mut Errors) {
    for attr in attrs {
        if let Some(name) = marker_name(attr) {
            errors.on(attr, format!("`#[{name}]` goes on a field, not on {place}"));
        }
    }
}
