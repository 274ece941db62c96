//! What `#[response]` emits for respond's `openapi` feature: `IntoResponses` (and
//! `ToResponse` for a struct with one status) built from the same analysis that builds the
//! response, wrapped in `::respond::__private::if_openapi!` so that it compiles only when the
//! feature is on (a proc macro cannot see the features of respond).
//!
//! A child module of `item`, so it reads the analysed shapes directly.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprLit, Generics, Lit, LitInt, Meta, ReturnType, Token, Type};

use super::{Body, Shape, TypeParams, option_inner};
use crate::errors::Errors;
use crate::settings::Settings;
use crate::spans;

const STATUS_USAGE: &str = "expected `#[status]`, or the statuses the field may take for the OpenAPI description, such as `#[status(200, 202)]`";

/// Checks the list of a `#[status(...)]` marker; `false` when it was reported as wrong.
pub(crate) fn check_statuses(attr: &Attribute, errors: &mut Errors) -> bool {
    let Meta::List(list) = &attr.meta else {
        if matches!(attr.meta, Meta::NameValue(_)) {
            errors.on(&attr.meta, STATUS_USAGE);
            return false;
        }
        return true;
    };
    let parsed = list.parse_args_with(Punctuated::<LitInt, Token![,]>::parse_terminated);
    let Some(codes) =
        errors.take(parsed.map_err(|error| syn::Error::new(error.span(), STATUS_USAGE)))
    else {
        return false;
    };
    if codes.is_empty() {
        errors.on(&attr.meta, STATUS_USAGE);
        return false;
    }
    let mut seen = Vec::new();
    let mut valid = true;
    for lit in &codes {
        match crate::settings::status_code(lit, errors) {
            Some(code) => {
                if seen.contains(&code) {
                    errors.at(lit.span(), format!("status {code} is listed twice"));
                    valid = false;
                }
                seen.push(code);
            }
            None => valid = false,
        }
    }
    valid
}

/// The statuses listed in a checked `#[status(...)]` marker (empty for a bare `#[status]`).
fn listed_statuses(attr: Option<&Attribute>) -> Vec<u16> {
    let Some(Meta::List(list)) = attr.map(|attr| &attr.meta) else {
        return Vec::new();
    };
    list.parse_args_with(Punctuated::<LitInt, Token![,]>::parse_terminated)
        .map(|codes| {
            codes
                .iter()
                .filter_map(|lit| lit.base10_parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// The doc comment of an item, as one text (empty when it has none).
pub(crate) fn doc_text(attrs: &[Attribute]) -> String {
    let mut lines = Vec::new();
    for attr in attrs {
        if !attr.path().is_ident("doc") {
            continue;
        }
        if let Meta::NameValue(pair) = &attr.meta {
            if let Expr::Lit(ExprLit {
                lit: Lit::Str(text),
                ..
            }) = &pair.value
            {
                let text = text.value();
                lines.push(
                    text.strip_prefix(' ')
                        .unwrap_or(&text)
                        .trim_end()
                        .to_owned(),
                );
            }
        }
    }
    lines.join("\n").trim().to_owned()
}

/// The statuses a shape documents: `None` stands for `default`.
fn statuses(shape: &Shape) -> Vec<Option<u16>> {
    let declared = shape.settings.status.unwrap_or(200);
    let Some(field) = &shape.status else {
        return vec![Some(declared)];
    };
    let listed = listed_statuses(shape.status_marker.as_ref());
    if listed.is_empty() {
        return vec![Some(declared), None];
    }
    let mut statuses: Vec<Option<u16>> = Vec::new();
    // `None` in an `Option` field keeps the declared status.
    if option_inner(&field.ty).is_some() && !listed.contains(&declared) {
        statuses.push(Some(declared));
    }
    statuses.extend(listed.into_iter().map(Some));
    statuses
}

/// `PhantomData::<ty>` as an expression spanning all of `ty`, so an unmet bound on it points
/// at the type.
fn phantom(ty: &Type) -> TokenStream {
    let (first, last) = spans::ends(ty);
    let open = quote_spanned!(first=> ::core::marker::PhantomData::<);
    let close = quote_spanned!(last=> >);
    quote!(#open #ty #close)
}

/// The schema expression of a body of type `ty`, spanned on it.
fn body_schema(settings: &Settings, ty: &Type) -> TokenStream {
    let function = if settings.is_json() {
        quote!(::respond::__private::openapi::json_body)
    } else {
        quote!(::respond::__private::openapi::text_body)
    };
    spans::call(function, phantom(ty), ty)
}

fn media_type(settings: &Settings) -> String {
    settings
        .media_type
        .as_ref()
        .map_or_else(|| String::from("*/*"), |media| media.text.clone())
}

fn status_tokens(status: Option<u16>) -> TokenStream {
    match status {
        Some(code) => quote!(::core::option::Option::Some(#code)),
        None => quote!(::core::option::Option::None),
    }
}

/// The `Entry` expressions of one struct or variant.
fn entries(shape: &Shape, description: &str, whole_span: Span) -> Vec<TokenStream> {
    let mut parts = TokenStream::new();
    let media = media_type(&shape.settings);
    match &shape.body {
        Body::Empty => {}
        Body::Field(used) => {
            let schema = body_schema(&shape.settings, &used.ty);
            parts.extend(quote!(.content(#media, #schema)));
        }
        Body::Whole => {
            let schema = quote_spanned!(whole_span=>
                ::respond::__private::openapi::json_body(::core::marker::PhantomData::<Self>));
            parts.extend(quote!(.content(#media, #schema)));
        }
    }
    for (used, name) in &shape.headers {
        let (ty, optional) = match option_inner(&used.ty) {
            Some(inner) => (inner, true),
            None => (&used.ty, false),
        };
        let schema = spans::call(
            quote!(::respond::__private::openapi::header_value),
            phantom(ty),
            ty,
        );
        parts.extend(quote!(.header(#name, #schema, #optional)));
    }
    if !shape.cookies.is_empty() {
        parts.extend(quote!(.cookies()));
    }
    statuses(shape)
        .into_iter()
        .map(|status| {
            let status = status_tokens(status);
            quote!(::respond::__private::openapi::entry(#status, #description) #parts)
        })
        .collect()
}

/// The bounds a generic item's documentation needs.
fn bounds(shape: &Shape, params: &TypeParams, generics: &mut Generics) {
    let mut predicates: Vec<syn::WherePredicate> = Vec::new();
    let mut bound = |ty: &Type, trait_path: TokenStream| {
        if params.mentioned_in(ty) {
            predicates.push(syn::parse_quote_spanned!(ty.span()=> #ty: #trait_path));
        }
    };
    match &shape.body {
        Body::Field(used) if shape.settings.is_json() => {
            bound(&used.ty, quote!(::respond::__private::openapi::JsonBody));
        }
        Body::Field(used) => bound(&used.ty, quote!(::respond::__private::openapi::BodySchema)),
        Body::Whole | Body::Empty => {}
    }
    for (used, _) in &shape.headers {
        let ty = option_inner(&used.ty).unwrap_or(&used.ty);
        bound(ty, quote!(::respond::__private::openapi::HeaderSchema));
    }
    if matches!(shape.body, Body::Whole) && !params.0.is_empty() {
        predicates.push(syn::parse_quote!(Self: ::respond::__private::openapi::JsonBody));
    }
    if !predicates.is_empty() {
        generics.make_where_clause().predicates.extend(predicates);
    }
}

/// The `IntoResponses` and `Documented` impls of a struct or enum whose shapes (with their doc
/// comments) are `shapes`; a struct with one status also gets `ToResponse`.
pub(super) fn describe(
    name: &Ident,
    generics: &Generics,
    shapes: &[(&Shape, String)],
    is_struct: bool,
) -> TokenStream {
    // Only when respond's `openapi` feature (which turns on this crate's) is on.
    if !cfg!(feature = "openapi") {
        return TokenStream::new();
    }
    let params = TypeParams::of(generics);
    let mut generics = generics.clone();
    let mut added = Vec::new();
    for (shape, description) in shapes {
        bounds(shape, &params, &mut generics);
        added.extend(entries(shape, description, name.span()));
    }
    let single = is_struct && added.len() == 1;
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let responses = quote! {
        let mut __respond_doc = ::respond::__private::openapi::Collected::new();
        #( __respond_doc.add(#added); )*
        __respond_doc.finish()
    };
    let to_response = if single {
        let mut with_lifetime = generics.clone();
        with_lifetime
            .params
            .insert(0, syn::parse_quote!('__respond_r));
        let (impl_generics, _, _) = with_lifetime.split_for_impl();
        let component = name.to_string();
        quote! {
            impl #impl_generics ::respond::__private::utoipa::ToResponse<'__respond_r>
                for #name #ty_generics #where_clause
            {
                fn response() -> (
                    &'__respond_r str,
                    ::respond::__private::utoipa::openapi::RefOr<
                        ::respond::__private::utoipa::openapi::response::Response,
                    >,
                ) {
                    let __respond_responses =
                        <Self as ::respond::__private::utoipa::IntoResponses>::responses();
                    (#component, ::respond::__private::openapi::only(__respond_responses))
                }
            }
        }
    } else {
        quote!()
    };
    quote! {
        ::respond::__private::if_openapi! {
            impl #impl_generics ::respond::__private::utoipa::IntoResponses
                for #name #ty_generics #where_clause
            {
                fn responses() -> ::respond::__private::openapi::Responses {
                    #responses
                }
            }

            impl #impl_generics ::respond::__private::openapi::Documented
                for #name #ty_generics #where_clause
            {
                fn documented() -> ::respond::__private::openapi::Responses {
                    <Self as ::respond::__private::utoipa::IntoResponses>::responses()
                }
            }

            #to_response
        }
    }
}

fn is_unit(ty: &Type) -> bool {
    matches!(ty, Type::Tuple(tuple) if tuple.elems.is_empty())
}

/// What a handler returns, for its description.
pub(crate) enum HandlerOutput<'a> {
    /// `()` or nothing.
    Unit,
    /// A value (the `Ok` type of a `Result`), and whether it is in a `Result`.
    Value(&'a Type, bool),
}

/// The `IntoResponses` impl of the app a handler becomes.
pub(crate) fn describe_handler(
    name: &Ident,
    settings: &Settings,
    output: HandlerOutput<'_>,
    return_type: &ReturnType,
    docs: &[Attribute],
) -> TokenStream {
    // Only when respond's `openapi` feature (which turns on this crate's) is on.
    if !cfg!(feature = "openapi") {
        return TokenStream::new();
    }
    let description = doc_text(docs);
    let status = settings.status;
    let declared = status_tokens(Some(status.unwrap_or(200)));
    let empty =
        quote!(__respond_doc.add(::respond::__private::openapi::entry(#declared, #description)););
    let in_result = matches!(output, HandlerOutput::Value(_, true));
    let mut steps = match output {
        HandlerOutput::Unit => empty,
        HandlerOutput::Value(ty, _) if is_unit(ty) => empty,
        HandlerOutput::Value(ty, _) if settings.media_type.is_some() => {
            let media = media_type(settings);
            let schema = body_schema(settings, ty);
            quote! {
                __respond_doc.add(
                    ::respond::__private::openapi::entry(#declared, #description)
                        .content(#media, #schema)
                );
            }
        }
        HandlerOutput::Value(ty, _) => {
            let responses = spans::call(
                quote!(::respond::__private::openapi::described),
                phantom(ty),
                ty,
            );
            match status {
                Some(code) => quote!(__respond_doc.extend_as(#code, #responses);),
                None => quote!(__respond_doc.extend(#responses);),
            }
        }
    };
    if let (true, ReturnType::Type(_, ty)) = (in_result, return_type) {
        // The whole return type, so that an alias such as `respond::Result<T>` works too.
        let errors = spans::call(
            quote!(::respond::__private::openapi::error_responses),
            phantom(ty),
            ty,
        );
        steps.extend(quote!(__respond_doc.extend(#errors);));
    }
    quote! {
        ::respond::__private::if_openapi! {
            impl ::respond::__private::utoipa::IntoResponses for #name {
                fn responses() -> ::respond::__private::openapi::Responses {
                    let mut __respond_doc = ::respond::__private::openapi::Collected::new();
                    #steps
                    __respond_doc.finish()
                }
            }
        }
    }
}
