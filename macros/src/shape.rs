//! The analysis of one struct or variant under `#[response]`: which field is the body, the
//! headers, cookies and status, and the errors of fields whose role is missing or wrong.

use proc_macro2::{Ident, Span, TokenTree};
use quote::format_ident;
use syn::spanned::Spanned;
use syn::{Fields, Member, Type, parse_quote};

use crate::errors::Errors;
use crate::fields::{self, Marked, Marking, Role};
use crate::settings::Settings;

/// A field the response uses, bound to a local variable.
pub(crate) struct Used {
    pub(crate) member: Member,
    pub(crate) binding: Ident,
    pub(crate) ty: Type,
}

/// One struct or variant, analysed.
pub(crate) struct Shape {
    pub(crate) name: Ident,
    pub(crate) settings: Settings,
    pub(crate) body: Body,
    pub(crate) headers: Vec<(Used, String)>,
    pub(crate) cookies: Vec<Used>,
    pub(crate) status: Option<Used>,
    /// The `#[status]` or `#[status(200, 202)]` marker, for the statuses it documents.
    pub(crate) status_marker: Option<syn::Attribute>,
}

pub(crate) enum Body {
    /// No fields, or no body field and no media type: an empty body.
    Empty,
    /// The field marked `#[body]` (or field 0 of a tuple).
    Field(Box<Used>),
    /// JSON with no `#[body]`: the whole value is serialised.
    Whole,
}

impl Shape {
    pub(crate) fn used(&self) -> impl Iterator<Item = &Used> {
        let body = match &self.body {
            Body::Field(used) => Some(&**used),
            _ => None,
        };
        body.into_iter()
            .chain(self.headers.iter().map(|(used, _)| used))
            .chain(&self.cookies)
            .chain(&self.status)
    }
}

/// Reads the roles of `fields` (removing the markers) and checks them.
///
/// `serde_skip` adds `#[serde(skip_serializing)]` to the header, cookie and status fields of
/// a value serialised whole, when the item derives `Serialize` after this attribute.
pub(crate) fn analyse(
    name: &Ident,
    fields: &mut Fields,
    settings: Settings,
    serde_skip: bool,
    errors: &mut Errors,
) -> Shape {
    let tuple = matches!(fields, Fields::Unnamed(_));
    let mut marked: Vec<Marking> = Vec::new();
    for field in fields.iter_mut() {
        marked.push(fields::take_role(&mut field.attrs, errors));
    }
    // A field whose marker was wrong is reported once, and left out of the checks below.
    let any_invalid = marked.iter().any(|m| matches!(m, Marking::Invalid));
    // Tuples: field 0 is the body unless it has another role or another field is the body.
    let is_body =
        |m: &Marking| matches!(m, Marking::Role(marked) if matches!(marked.role, Role::Body));
    let has_body = marked.iter().any(is_body);
    if tuple && !has_body && matches!(marked.first(), Some(Marking::None)) {
        marked[0] = Marking::Role(Box::new(Marked {
            role: Role::Body,
            attr: None,
        }));
    }

    let has_body = marked.iter().any(is_body);
    let whole = settings.is_json() && !tuple && !has_body && !fields.is_empty();
    let mut shape = Shape {
        name: name.clone(),
        body: if whole { Body::Whole } else { Body::Empty },
        settings,
        headers: Vec::new(),
        cookies: Vec::new(),
        status: None,
        status_marker: None,
    };
    let mut body_field: Option<String> = None;
    let mut status_field: Option<String> = None;
    // Fields with no role, where every field needs one: reported after the loop.
    let mut unmarked: Vec<(String, Span)> = Vec::new();
    for (index, (field, marked)) in fields.iter_mut().zip(marked).enumerate() {
        let member = match &field.ident {
            Some(ident) => Member::Named(ident.clone()),
            None => Member::Unnamed(index.into()),
        };
        let label = match &field.ident {
            Some(ident) => format!("`{ident}`"),
            None => format!("{index}"),
        };
        let used = Used {
            member,
            binding: format_ident!("__respond_field_{index}"),
            ty: field.ty.clone(),
        };
        let marked = match marked {
            Marking::Role(marked) => marked,
            Marking::Invalid => continue,
            Marking::None => {
                if !whole {
                    unmarked.push((label, field_span(field)));
                }
                continue;
            }
        };
        if whole && serde_skip && !skipped_by_serde(&field.attrs) {
            field.attrs.push(parse_quote!(#[serde(skip_serializing)]));
        }
        match marked.role {
            Role::Body => {
                if let Some(first) = &body_field {
                    errors.on(
                        &marked.attr,
                        format!(
                            "a response has one body, and field {first} is already the `#[body]`"
                        ),
                    );
                } else {
                    body_field = Some(label);
                    shape.body = Body::Field(Box::new(used));
                }
            }
            Role::Header(name) => shape.headers.push((used, name)),
            Role::Cookie => shape.cookies.push(used),
            Role::Status => {
                if let Some(first) = &status_field {
                    errors.on(
                        &marked.attr,
                        format!("a response has one status, and field {first} is already the `#[status]`"),
                    );
                } else {
                    status_field = Some(label);
                    shape.status = Some(used);
                    shape.status_marker = marked.attr.clone();
                }
            }
        }
    }
    report_missing_roles(
        &shape,
        tuple,
        !fields.is_empty(),
        unmarked,
        any_invalid,
        errors,
    );
    shape
}

/// The errors of fields without a role, and of a body that is missing, each mistake once.
///
/// A struct with a media type that is neither JSON nor given a body gets one error, on the
/// struct, naming the fields that could be its `#[body]`, instead of one per field plus one
/// for the struct. A media type that failed to parse already has its error, and which fields
/// need a role depends on it, so nothing more is said.
fn report_missing_roles(
    shape: &Shape,
    tuple: bool,
    has_fields: bool,
    unmarked: Vec<(String, Span)>,
    any_invalid: bool,
    errors: &mut Errors,
) {
    if shape.settings.media_type_broken {
        return;
    }
    let name = &shape.name;
    let text_media = shape.settings.media_type.as_ref().filter(|m| !m.json);
    if let (Body::Empty, Some(media), false) = (&shape.body, text_media, tuple) {
        if !unmarked.is_empty() {
            let candidates = unmarked
                .iter()
                .map(|(label, _)| label.as_str())
                .collect::<Vec<_>>();
            let others = if candidates.len() > 1 {
                " and give each other field a role: `#[header(\"name\")]`, `#[cookie]` or `#[status]`"
            } else {
                ""
            };
            errors.at(
                name.span(),
                format!(
                    "`{name}` has the media type \"{}\" but no `#[body]` field: mark {} as `#[body]`{others} \
                     (only a JSON media type serialises the whole value)",
                    media.text,
                    one_of(&candidates),
                ),
            );
            return;
        }
        if has_fields && !any_invalid {
            errors.at(
                name.span(),
                format!(
                    "`{name}` has the media type \"{}\" but no body: every field has another role; \
                     add a field marked `#[body]` (only a JSON media type serialises the whole value; \
                     a response without fields has an empty body)",
                    media.text
                ),
            );
        }
        return;
    }
    let why = if tuple {
        "mark it `#[header(\"name\")]`, `#[cookie]` or `#[status]` (in a tuple, field 0 is the body)"
    } else {
        "mark it `#[body]`, `#[header(\"name\")]`, `#[cookie]` or `#[status]` \
         (only a JSON response without a `#[body]` serialises its other fields)"
    };
    for (label, span) in unmarked {
        errors.at(span, format!("field {label} has no role: {why}"));
    }
}

/// "`a`", "one of `a` or `b`", "one of `a`, `b` or `c`".
fn one_of(candidates: &[&str]) -> String {
    match candidates {
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("one of {} or {last}", init.join(", ")),
        [] => String::from("the body field"),
    }
}

/// Whether a field already has a `#[serde(skip...)]` of its own.
fn skipped_by_serde(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("serde")
            && attr.meta.require_list().is_ok_and(|list| {
                list.tokens.clone().into_iter().any(|token| {
                    matches!(token, TokenTree::Ident(ident) if ident.to_string().starts_with("skip"))
                })
            })
    })
}

fn field_span(field: &syn::Field) -> Span {
    match &field.ident {
        Some(ident) => ident.span(),
        None => field.ty.span(),
    }
}
