//! The arguments of `#[response(media_type = "...", status = N)]`, checked at expansion time.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Lit, Meta, Token};

use crate::errors::Errors;

/// A checked media type.
#[derive(Clone)]
pub(crate) struct MediaType {
    /// The `Content-Type` value: the media type as written, with `; charset=utf-8` appended
    /// to a `text/*` type that names no charset (as the runtime does).
    pub(crate) content_type: String,
    /// `application/json` or a `+json` type: the body is serialised with serde.
    pub(crate) json: bool,
    /// The media type as written, for messages.
    pub(crate) text: String,
}

/// What one `#[response(...)]` attribute sets.
#[derive(Clone, Default)]
pub(crate) struct Settings {
    pub(crate) media_type: Option<MediaType>,
    pub(crate) status: Option<u16>,
    /// A `media_type` was given but is not one: the checks that depend on the media type
    /// (which fields need a role) are left out, so the one mistake is reported once.
    pub(crate) media_type_broken: bool,
}

impl Settings {
    /// These settings, with what `inner` sets taking precedence (a variant over its enum).
    pub(crate) fn overridden_by(&self, inner: &Settings) -> Settings {
        Settings {
            media_type: inner.media_type.clone().or_else(|| self.media_type.clone()),
            status: inner.status.or(self.status),
            media_type_broken: inner.media_type_broken
                || (inner.media_type.is_none() && self.media_type_broken),
        }
    }

    pub(crate) fn is_json(&self) -> bool {
        self.media_type.as_ref().is_some_and(|media| media.json)
    }

    /// The status as a constant expression: an associated constant of a type generic over
    /// the code, evaluated once per code for the whole crate (not once per response type).
    pub(crate) fn status_tokens(&self) -> TokenStream {
        let code = self.status.unwrap_or(200);
        quote!(::respond::__private::Status::<#code>::CODE)
    }

    /// The Content-Type as a constant `HeaderValue` expression: one of respond's constants
    /// for the common media types, else a `const` block of its own.
    pub(crate) fn content_type_tokens(&self) -> Option<TokenStream> {
        self.media_type.as_ref().map(|media| {
            let value = &media.content_type;
            match common_content_type(value) {
                Some(name) => {
                    let name = proc_macro2::Ident::new(name, Span::call_site());
                    quote!(::respond::__private::content_type::#name)
                }
                None => quote!(const { ::respond::HeaderValue::from_static(#value) }),
            }
        })
    }

    /// The Content-Type as an `Option<HeaderValue>` expression.
    pub(crate) fn optional_content_type_tokens(&self) -> TokenStream {
        match self.content_type_tokens() {
            Some(value) => quote!(::core::option::Option::Some(#value)),
            None => quote!(::core::option::Option::None),
        }
    }
}

/// The name of respond's `__private::content_type` constant for `value`, if it has one.
fn common_content_type(value: &str) -> Option<&'static str> {
    Some(match value {
        "text/html; charset=utf-8" => "TEXT_HTML",
        "text/plain; charset=utf-8" => "TEXT_PLAIN",
        "text/css; charset=utf-8" => "TEXT_CSS",
        "text/csv; charset=utf-8" => "TEXT_CSV",
        "text/markdown; charset=utf-8" => "TEXT_MARKDOWN",
        "text/xml; charset=utf-8" => "TEXT_XML",
        "application/json" => "APPLICATION_JSON",
        "application/problem+json" => "APPLICATION_PROBLEM_JSON",
        "application/octet-stream" => "APPLICATION_OCTET_STREAM",
        "application/xml" => "APPLICATION_XML",
        "image/svg+xml" => "IMAGE_SVG",
        _ => return None,
    })
}

const KEYS: &str = "expected `media_type = \"...\"` or `status = N`";

/// Parses the arguments of one `#[response(...)]`, recording every problem in `errors`.
pub(crate) fn parse(args: TokenStream, errors: &mut Errors) -> Settings {
    let mut settings = Settings::default();
    let parser = Punctuated::<Meta, Token![,]>::parse_terminated;
    let Some(metas) = errors.take(parser.parse2(args)) else {
        return settings;
    };
    let mut seen_media_type = false;
    let mut seen_status = false;
    for meta in metas {
        let Meta::NameValue(pair) = meta else {
            let path = meta.path();
            match path.get_ident() {
                Some(key) if key == "media_type" || key == "status" => {
                    settings.media_type_broken |= key == "media_type";
                    errors.on(&meta, format!("`{key}` needs a value: {KEYS}"));
                }
                _ => errors.on(path, format!("unknown argument: {KEYS}")),
            }
            continue;
        };
        let Some(key) = pair.path.get_ident() else {
            errors.on(&pair.path, format!("unknown argument: {KEYS}"));
            continue;
        };
        if key == "media_type" {
            if std::mem::replace(&mut seen_media_type, true) {
                errors.on(key, "`media_type` is given twice");
                continue;
            }
            settings.media_type = media_type(&pair.value, errors);
            settings.media_type_broken = settings.media_type.is_none();
        } else if key == "status" {
            if std::mem::replace(&mut seen_status, true) {
                errors.on(key, "`status` is given twice");
                continue;
            }
            settings.status = status(&pair.value, errors);
        } else {
            errors.on(key, format!("unknown argument `{key}`: {KEYS}"));
        }
    }
    settings
}

fn media_type(value: &Expr, errors: &mut Errors) -> Option<MediaType> {
    let Expr::Lit(ExprLit {
        lit: Lit::Str(lit), ..
    }) = value
    else {
        errors.on(
            value,
            "expected a string literal, such as `media_type = \"text/html\"`",
        );
        return None;
    };
    let text = lit.value();
    match check_media_type(&text) {
        Ok(media) => Some(media),
        Err(reason) => {
            errors.at(lit.span(), reason);
            None
        }
    }
}

/// Checks a media type as the runtime's `with_media_type` would accept it, and computes the
/// Content-Type value once.
fn check_media_type(text: &str) -> Result<MediaType, String> {
    let invalid = || {
        format!(
            "`{}` is not a media type: expected `type/subtype` with optional `; name=value` \
             parameters, such as \"text/html\", \"application/json\" or \"text/csv; charset=latin-1\"",
            text.escape_default()
        )
    };
    if !text.chars().all(|c| c == ' ' || c.is_ascii_graphic()) {
        return Err(invalid());
    }
    let parsed: mime::Mime = text.parse().map_err(|_| invalid())?;
    if parsed.type_() == mime::STAR || parsed.subtype() == mime::STAR {
        return Err(format!(
            "`{text}` is a pattern, not a media type: a response needs a concrete type such as \"text/html\""
        ));
    }
    let json = (parsed.type_() == mime::APPLICATION && parsed.subtype() == mime::JSON)
        || parsed.suffix() == Some(mime::JSON);
    let content_type = if parsed.type_() == mime::TEXT && parsed.get_param(mime::CHARSET).is_none()
    {
        format!("{text}; charset=utf-8")
    } else {
        text.to_owned()
    };
    Ok(MediaType {
        content_type,
        json,
        text: text.to_owned(),
    })
}

fn status(value: &Expr, errors: &mut Errors) -> Option<u16> {
    let Expr::Lit(ExprLit {
        lit: Lit::Int(lit), ..
    }) = value
    else {
        errors.on(
            value,
            "expected an integer literal, such as `status = 201` or `status = 404`",
        );
        return None;
    };
    status_code(lit, errors)
}

/// A status code literal in 100..=599, or its error (shared with `#[status(...)]` lists).
pub(crate) fn status_code(lit: &syn::LitInt, errors: &mut Errors) -> Option<u16> {
    match lit.base10_parse::<u16>() {
        Ok(code) if (100..=599).contains(&code) => Some(code),
        _ => {
            errors.at(
                lit.span(),
                format!(
                    "`{}` is not a status code: expected a code in 100..=599",
                    lit.base10_digits()
                ),
            );
            None
        }
    }
}

/// Splits `#[response(...)]` attributes off `attrs`, parsing each; a second one is an error.
pub(crate) fn take_attribute(
    attrs: &mut Vec<syn::Attribute>,
    errors: &mut Errors,
) -> Option<(Settings, Span)> {
    let mut found: Option<(Settings, Span)> = None;
    let mut kept = Vec::with_capacity(attrs.len());
    for attr in attrs.drain(..) {
        if !attr.path().is_ident("response") {
            kept.push(attr);
            continue;
        }
        if found.is_some() {
            errors.on(
                &attr,
                "`#[response(...)]` is given twice: merge the arguments into one",
            );
            continue;
        }
        let args = match &attr.meta {
            Meta::List(list) => list.tokens.clone(),
            Meta::Path(_) => TokenStream::new(),
            Meta::NameValue(pair) => {
                errors.on(
                    pair,
                    "expected `#[response(media_type = \"...\", status = N)]`",
                );
                continue;
            }
        };
        found = Some((parse(args, errors), attr.span()));
    }
    *attrs = kept;
    found
}
