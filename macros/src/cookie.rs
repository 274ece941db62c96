//! `cookie!("name" = value, option, ...)`: a `respond::Cookie` built with its builder, with
//! every literal checked by the runtime's own cookie rules.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Ident, Lit, LitStr, Token};

use crate::errors::Errors;
use crate::rules::{self, Violation};

const OPTIONS: &str =
    "`max_age`, `expires`, `path`, `domain`, `secure`, `httponly`, `samesite` or `partitioned`";

/// The parsed macro input.
pub(crate) struct Input {
    name: LitStr,
    value: Option<Expr>,
    options: Punctuated<Setting, Token![,]>,
}

/// `key` or `key = expr`.
struct Setting {
    key: Ident,
    value: Option<Expr>,
}

impl Parse for Setting {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let key = input.call(syn::ext::IdentExt::parse_any)?;
        let value = if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            Some(input.parse()?)
        } else {
            None
        };
        Ok(Setting { key, value })
    }
}

impl Parse for Input {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.is_empty() {
            return Err(
                input.error("expected a cookie name: `cookie!(\"name\" = value, options...)`")
            );
        }
        let name: LitStr = input.parse().map_err(|error| {
            syn::Error::new(
                error.span(),
                "expected the cookie name as a string literal, such as `cookie!(\"session\" = value)`; \
                 build a cookie whose name is known only at run time with `respond::Cookie::new`",
            )
        })?;
        let value = if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            Some(input.parse()?)
        } else {
            None
        };
        let options = if input.is_empty() {
            Punctuated::new()
        } else {
            input.parse::<Token![,]>()?;
            Punctuated::parse_terminated(input)?
        };
        Ok(Input {
            name,
            value,
            options,
        })
    }
}

/// A flag's value: unknown when it is an expression.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Known {
    Yes,
    No,
    Unknown,
}

fn string_literal(expr: &Expr) -> Option<&LitStr> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => Some(lit),
        _ => None,
    }
}

/// Expands the macro.
pub(crate) fn expand(input: Input) -> syn::Result<TokenStream> {
    let mut errors = Errors::default();
    let name = input.name.value();
    if let Err(violation) = rules::check_name(&name) {
        errors.at(input.name.span(), violation);
    }
    if let Some(lit) = input.value.as_ref().and_then(string_literal) {
        if let Err(violation) = rules::check_value(&lit.value()) {
            errors.at(lit.span(), violation);
        }
    }

    let mut calls = TokenStream::new();
    let mut seen: Vec<String> = Vec::new();
    let mut secure = Known::No;
    // Whether `secure = false` was written out.
    let mut secure_off = false;
    let mut partitioned = (Known::No, Span::call_site());
    let mut samesite_none: Option<Span> = None;
    let mut domain: Option<Span> = None;
    // The default path is "/"; `None` when it is an expression.
    let mut path: (Option<String>, Span) = (Some("/".to_owned()), input.name.span());

    for option in &input.options {
        let key = option.key.to_string();
        if !matches!(
            key.as_str(),
            "max_age"
                | "expires"
                | "path"
                | "domain"
                | "secure"
                | "httponly"
                | "samesite"
                | "partitioned"
        ) {
            errors.on(
                &option.key,
                format!("unknown cookie option `{key}`: expected {OPTIONS}"),
            );
            continue;
        }
        if seen.contains(&key) {
            errors.on(&option.key, format!("`{key}` is given twice"));
            continue;
        }
        seen.push(key.clone());
        let span = option.key.span();
        match (key.as_str(), &option.value) {
            ("secure" | "httponly" | "partitioned", value) => {
                let (known, flag) = match value {
                    None => (Known::Yes, quote!(true)),
                    Some(Expr::Lit(ExprLit {
                        lit: Lit::Bool(lit),
                        ..
                    })) => (if lit.value { Known::Yes } else { Known::No }, quote!(#lit)),
                    Some(expr) => (Known::Unknown, quote!(#expr)),
                };
                match key.as_str() {
                    "secure" => {
                        secure = known;
                        secure_off = known == Known::No;
                        calls.extend(quote_spanned!(span=> .with_secure(#flag)));
                    }
                    "httponly" => calls.extend(quote_spanned!(span=> .with_httponly(#flag))),
                    _ => {
                        partitioned = (known, span);
                        calls.extend(quote_spanned!(span=> .with_partitioned(#flag)));
                    }
                }
            }
            (_, None) => {
                let example = match key.as_str() {
                    "max_age" => "`max_age = 3600` (seconds)",
                    "expires" => "`expires = 3600` (seconds from now) or a `SystemTime`",
                    "path" => "`path = \"/\"`",
                    "domain" => "`domain = \"example.com\"`",
                    _ => "`samesite = \"strict\"`, `\"lax\"` or `\"none\"`",
                };
                errors.on(
                    &option.key,
                    format!("`{key}` needs a value, such as {example}"),
                );
            }
            ("max_age", Some(value)) => {
                calls.extend(quote_spanned!(value.span()=> .with_max_age(#value)));
            }
            ("expires", Some(value)) => {
                // An unsuffixed integer means seconds: make it the `i64` that converts.
                let value = match value {
                    Expr::Lit(ExprLit {
                        lit: Lit::Int(int), ..
                    }) if int.suffix().is_empty() => {
                        let seconds =
                            syn::LitInt::new(&format!("{}i64", int.base10_digits()), int.span());
                        quote!(#seconds)
                    }
                    _ => quote!(#value),
                };
                calls.extend(quote_spanned!(value.span()=> .with_expires(#value)));
            }
            ("path", Some(value)) => {
                if let Some(lit) = string_literal(value) {
                    let text = lit.value();
                    if let Err(violation) = rules::check_attribute("Path", &text) {
                        errors.at(lit.span(), violation);
                    }
                    path = (Some(text), lit.span());
                } else {
                    path = (None, value.span());
                }
                calls.extend(quote_spanned!(value.span()=> .with_path(#value)));
            }
            ("domain", Some(value)) => {
                if let Some(lit) = string_literal(value) {
                    if let Err(violation) = rules::check_attribute("Domain", &lit.value()) {
                        errors.at(lit.span(), violation);
                    }
                }
                domain = Some(span);
                calls.extend(quote_spanned!(value.span()=> .with_domain(#value)));
            }
            (_, Some(value)) => match string_literal(value) {
                Some(lit) => match rules::parse_samesite(&lit.value()) {
                    Ok(keyword) => {
                        let variant = match keyword {
                            "strict" => quote!(Strict),
                            "lax" => quote!(Lax),
                            _ => {
                                samesite_none = Some(lit.span());
                                quote!(None)
                            }
                        };
                        calls.extend(
                            quote_spanned!(lit.span()=> .with_samesite(::respond::SameSite::#variant)),
                        );
                    }
                    Err(violation) => errors.at(lit.span(), violation),
                },
                None => calls.extend(quote_spanned!(value.span()=> .with_samesite(#value))),
            },
        }
    }

    // The combination rules, with what is known only at run time assumed to be fine:
    // whatever they still find is wrong for every run-time value.
    let attributes = rules::Attributes {
        name: &name,
        secure: secure != Known::No,
        samesite_none: samesite_none.is_some(),
        partitioned: partitioned.0 == Known::Yes,
        has_domain: domain.is_some(),
        path: Some(path.0.as_deref().unwrap_or("/")),
    };
    for violation in rules::check_combination(attributes) {
        let span = match violation {
            Violation::SameSiteNoneNeedsSecure => samesite_none.unwrap_or(input.name.span()),
            Violation::PartitionedNeedsSecure => partitioned.1,
            Violation::HostPrefixWithDomain => domain.unwrap_or(input.name.span()),
            Violation::HostPrefixPath => path.1,
            _ => input.name.span(),
        };
        let hint = match violation {
            Violation::SameSiteNoneNeedsSecure
            | Violation::PartitionedNeedsSecure
            | Violation::SecurePrefixNeedsSecure
            | Violation::HostPrefixNeedsSecure
                if secure_off =>
            {
                "; it is turned off by `secure = false`"
            }
            _ => "",
        };
        errors.at(span, format!("{violation}{hint}"));
    }
    errors.finish()?;

    let name_lit = &input.name;
    let value = match &input.value {
        Some(value) => quote!(#value),
        None => quote!(""),
    };
    Ok(quote! {
        ::respond::Cookie::new(#name_lit, #value) #calls
    })
}
