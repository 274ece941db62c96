//! `#[response]` on structs and enums: field roles, the generated `IntoResponse` impl and
//! the inherent builder methods.

use std::collections::BTreeSet;

use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{
    Fields, GenericArgument, Generics, ItemEnum, ItemStruct, Member, PathArguments, Type,
    Visibility, WherePredicate, parse_quote, parse_quote_spanned,
};

use crate::errors::Errors;
use crate::fields::{self, Marked, Marking, Role};
use crate::settings::{self, Settings};
use crate::spans;

/// The OpenAPI description (respond's `openapi` feature), from the shapes analysed here.
#[path = "openapi.rs"]
pub(crate) mod openapi;

/// A field the response uses, bound to a local variable.
struct Used {
    member: Member,
    binding: Ident,
    ty: Type,
}

/// One struct or variant, analysed.
struct Shape {
    name: Ident,
    settings: Settings,
    body: Body,
    headers: Vec<(Used, String)>,
    cookies: Vec<Used>,
    status: Option<Used>,
    /// The `#[status]` or `#[status(200, 202)]` marker, for the statuses it documents.
    status_marker: Option<syn::Attribute>,
}

enum Body {
    /// No fields, or no body field and no media type: an empty body.
    Empty,
    /// The field marked `#[body]` (or field 0 of a tuple).
    Field(Box<Used>),
    /// JSON with no `#[body]`: the whole value is serialised.
    Whole,
}

impl Shape {
    fn used(&self) -> impl Iterator<Item = &Used> {
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
fn analyse(
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
                    let why = if tuple {
                        "mark it `#[header(\"name\")]`, `#[cookie]` or `#[status]` (in a tuple, field 0 is the body)"
                    } else {
                        "mark it `#[body]`, `#[header(\"name\")]`, `#[cookie]` or `#[status]` \
                         (only a JSON response without a `#[body]` serialises its other fields)"
                    };
                    errors.at(
                        field_span(field),
                        format!("field {label} has no role: {why}"),
                    );
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
    if matches!(shape.body, Body::Empty) && !fields.is_empty() && !any_invalid {
        if let Some(media) = shape.settings.media_type.as_ref().filter(|m| !m.json) {
            errors.at(
                name.span(),
                format!(
                    "`{name}` has the media type \"{}\" but no body: mark the body field `#[body]` \
                     (only a JSON media type serialises the whole value; a response without fields has an empty body)",
                    media.text
                ),
            );
        }
    }
    shape
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

/// Whether `attrs` derive `Serialize` (so `#[serde(...)]` field attributes are understood).
fn derives_serialize(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("derive")
            && attr
                .parse_args_with(
                    syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
                )
                .is_ok_and(|paths| {
                    paths.iter().any(|path| {
                        path.segments
                            .last()
                            .is_some_and(|segment| segment.ident == "Serialize")
                    })
                })
    })
}

/// The type parameters of `generics`, to tell which field types need a where-clause bound.
struct TypeParams(BTreeSet<String>);

impl TypeParams {
    fn of(generics: &Generics) -> Self {
        TypeParams(
            generics
                .type_params()
                .map(|param| param.ident.to_string())
                .collect(),
        )
    }

    fn mentioned_in(&self, ty: &Type) -> bool {
        fn walk(tokens: TokenStream, names: &BTreeSet<String>) -> bool {
            tokens.into_iter().any(|token| match token {
                TokenTree::Ident(ident) => names.contains(&ident.to_string()),
                TokenTree::Group(group) => walk(group.stream(), names),
                _ => false,
            })
        }
        !self.0.is_empty() && walk(ty.to_token_stream(), &self.0)
    }
}

/// The `T` of a field type written `Option<T>`.
fn option_inner(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.iter().collect::<Vec<_>>().as_slice() {
        [GenericArgument::Type(inner)] => Some(inner),
        _ => None,
    }
}

/// The where-clause bounds a generic item needs, each spanned on its field so an unmet bound
/// points there.
fn bounds(shape: &Shape, params: &TypeParams, predicates: &mut Vec<WherePredicate>) {
    let mut bound = |ty: &Type, trait_path: TokenStream| {
        if params.mentioned_in(ty) {
            predicates.push(parse_quote_spanned!(ty.span()=> #ty: #trait_path));
        }
    };
    match &shape.body {
        Body::Field(used) if shape.settings.is_json() => {
            bound(&used.ty, quote!(::respond::__private::Serialize));
        }
        Body::Field(used) => bound(&used.ty, quote!(::respond::__private::IntoBody)),
        Body::Whole | Body::Empty => {}
    }
    for (used, _) in &shape.headers {
        let ty = option_inner(&used.ty).unwrap_or(&used.ty);
        bound(ty, quote!(::respond::__private::HeaderField));
    }
    for used in &shape.cookies {
        bound(&used.ty, quote!(::respond::__private::CookieField));
    }
    if let Some(used) = &shape.status {
        bound(&used.ty, quote!(::respond::__private::StatusField));
    }
}

/// The expression building the response of `shape`; `whole` is the value serialised whole.
fn body_expr(shape: &Shape, whole: &TokenStream, whole_span: Span) -> TokenStream {
    let status = shape.settings.status_tokens();
    match &shape.body {
        Body::Empty => {
            let content_type = shape.settings.optional_content_type_tokens();
            quote!(::respond::__private::empty(#content_type, #status))
        }
        Body::Whole => {
            let content_type = shape.settings.content_type_tokens();
            quote_spanned!(whole_span=> ::respond::__private::json(&#whole, #content_type, #status))
        }
        Body::Field(used) => {
            if shape.settings.is_json() {
                let content_type = shape.settings.content_type_tokens();
                let value = spans::by_ref(&used.binding, &used.ty);
                spans::call(
                    quote!(::respond::__private::json),
                    quote!(#value, #content_type, #status),
                    &used.ty,
                )
            } else {
                let content_type = shape.settings.optional_content_type_tokens();
                let value = spans::by_value(&used.binding, &used.ty);
                spans::call(
                    quote!(::respond::__private::body),
                    quote!(#value, #content_type, #status),
                    &used.ty,
                )
            }
        }
    }
}

/// The statements applying header, cookie and status fields to `__respond_response`.
fn apply_fields(shape: &Shape) -> TokenStream {
    let mut out = TokenStream::new();
    for (used, name) in &shape.headers {
        let binding = &used.binding;
        let header = quote!(const { ::respond::HeaderName::from_static(#name) });
        out.extend(match option_inner(&used.ty) {
            Some(inner) => {
                let some = Ident::new("__respond_value", Span::call_site());
                let value = spans::by_value(&some, inner);
                let call = spans::call(
                    quote!(::respond::__private::header),
                    quote!(&mut __respond_response, #header, #value),
                    inner,
                );
                quote! {
                    if let ::core::option::Option::Some(#some) = #binding {
                        #call;
                    }
                }
            }
            None => {
                let value = spans::by_value(binding, &used.ty);
                let call = spans::call(
                    quote!(::respond::__private::header),
                    quote!(&mut __respond_response, #header, #value),
                    &used.ty,
                );
                quote!(#call;)
            }
        });
    }
    for used in &shape.cookies {
        let value = spans::by_value(&used.binding, &used.ty);
        let call = spans::call(
            quote!(::respond::__private::cookie),
            quote!(&mut __respond_response, #value),
            &used.ty,
        );
        out.extend(quote!(#call;));
    }
    if let Some(used) = &shape.status {
        let value = spans::by_value(&used.binding, &used.ty);
        let call = spans::call(
            quote!(::respond::__private::status_field),
            quote!(&mut __respond_response, #value),
            &used.ty,
        );
        out.extend(quote!(#call;));
    }
    out
}

/// The `{ member: binding, .. }` pattern of the fields `shape` uses.
fn pattern(shape: &Shape) -> TokenStream {
    let members = shape.used().map(|used| {
        let member = &used.member;
        let binding = &used.binding;
        quote!(#member: #binding)
    });
    quote!({ #(#members,)* .. })
}

/// The statements of a struct, ending with the response in `__respond_response`.
fn struct_body(shape: &Shape, span: Span) -> TokenStream {
    let applied = apply_fields(shape);
    let mutability = mutability(&applied);
    let pattern = pattern(shape);
    let build = body_expr(shape, &quote_spanned!(span=> self), span);
    let destructure = if shape.used().next().is_some() {
        quote!(let Self #pattern = self;)
    } else {
        quote!()
    };
    if matches!(shape.body, Body::Whole) {
        // Serialised first, while `self` is whole; then its other fields are moved out.
        quote! {
            let #mutability __respond_response = #build;
            #destructure
            #applied
        }
    } else {
        quote! {
            #destructure
            let #mutability __respond_response = #build;
            #applied
        }
    }
}

/// The match arm of one variant.
fn variant_arm(shape: &Shape) -> TokenStream {
    let ident = &shape.name;
    let path = quote!(Self::#ident);
    let applied = apply_fields(shape);
    let mutability = mutability(&applied);
    let pattern = pattern(shape);
    if matches!(shape.body, Body::Whole) {
        // The whole enum is serialised, then the variant's other fields are moved out.
        let value = quote_spanned!(ident.span()=> __respond_value);
        let build = body_expr(shape, &value, ident.span());
        let apply = if applied.is_empty() {
            quote!()
        } else {
            quote! {
                if let #path #pattern = #value {
                    #applied
                }
            }
        };
        quote! {
            #value @ #path { .. } => {
                let #mutability __respond_response = #build;
                #apply
                __respond_response
            }
        }
    } else {
        let build = body_expr(shape, &quote!(self), ident.span());
        quote! {
            #path #pattern => {
                let #mutability __respond_response = #build;
                #applied
                __respond_response
            }
        }
    }
}

fn mutability(applied: &TokenStream) -> TokenStream {
    if applied.is_empty() {
        quote!()
    } else {
        quote!(mut)
    }
}

/// Expands `#[response]` on a struct: the item without the field markers, and the
/// generated impls.
pub(crate) fn expand_struct(
    settings: Settings,
    mut item: ItemStruct,
    errors: &mut Errors,
) -> (TokenStream, TokenStream) {
    fields::report_stray(&item.attrs, "a struct", errors);
    let serde_skip = derives_serialize(&item.attrs);
    let shape = analyse(&item.ident, &mut item.fields, settings, serde_skip, errors);
    let params = TypeParams::of(&item.generics);
    let mut predicates = Vec::new();
    bounds(&shape, &params, &mut predicates);
    if matches!(shape.body, Body::Whole) && !params.0.is_empty() {
        predicates
            .push(parse_quote_spanned!(item.ident.span()=> Self: ::respond::__private::Serialize));
    }
    let body = struct_body(&shape, item.ident.span());
    let into_response = quote! {
        #body
        __respond_response
    };
    let mut generated = generate(
        &item.ident,
        &item.vis,
        &item.generics,
        predicates,
        into_response,
    );
    let description = openapi::doc_text(&item.attrs);
    generated.extend(openapi::describe(
        &item.ident,
        &item.generics,
        &[(&shape, description)],
        true,
    ));
    (quote!(#item), generated)
}

/// Expands `#[response]` on an enum: the enum's arguments are the defaults, a variant's own
/// `#[response(...)]` overrides them.
pub(crate) fn expand_enum(
    settings: Settings,
    mut item: ItemEnum,
    errors: &mut Errors,
) -> (TokenStream, TokenStream) {
    fields::report_stray(&item.attrs, "an enum", errors);
    let serde_skip = derives_serialize(&item.attrs);
    let params = TypeParams::of(&item.generics);
    let mut predicates = Vec::new();
    let mut arms = Vec::new();
    let mut shapes = Vec::new();
    let mut whole = false;
    for variant in &mut item.variants {
        let own = settings::take_attribute(&mut variant.attrs, errors);
        fields::report_stray(&variant.attrs, "a variant", errors);
        let variant_settings = match own {
            Some((own, _)) => settings.overridden_by(&own),
            None => settings.clone(),
        };
        let shape = analyse(
            &variant.ident,
            &mut variant.fields,
            variant_settings,
            serde_skip,
            errors,
        );
        bounds(&shape, &params, &mut predicates);
        if matches!(shape.body, Body::Whole) {
            whole = true;
        }
        let arm = variant_arm(&shape);
        arms.push(arm);
        shapes.push((shape, openapi::doc_text(&variant.attrs)));
    }
    if whole && !params.0.is_empty() {
        predicates
            .push(parse_quote_spanned!(item.ident.span()=> Self: ::respond::__private::Serialize));
    }
    let into_response = quote! {
        match self {
            #(#arms)*
        }
    };
    let mut generated = generate(
        &item.ident,
        &item.vis,
        &item.generics,
        predicates,
        into_response,
    );
    let shapes: Vec<_> = shapes
        .iter()
        .map(|(shape, doc)| (shape, doc.clone()))
        .collect();
    generated.extend(openapi::describe(
        &item.ident,
        &item.generics,
        &shapes,
        false,
    ));
    (quote!(#item), generated)
}

/// The `IntoResponse` impl and the inherent methods.
fn generate(
    name: &Ident,
    vis: &Visibility,
    generics: &Generics,
    predicates: Vec<WherePredicate>,
    into_response: TokenStream,
) -> TokenStream {
    let mut generics = generics.clone();
    if !predicates.is_empty() {
        generics.make_where_clause().predicates.extend(predicates);
    }
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    quote! {
        impl #impl_generics ::respond::IntoResponse for #name #ty_generics #where_clause {
            #[allow(irrefutable_let_patterns)]
            fn into_response(self) -> ::respond::Response {
                #into_response
            }
        }

        // Expands to nothing unless respond's `axum` feature is on.
        ::respond::__private::if_axum! {
            impl #impl_generics ::respond::__private::axum_core::response::IntoResponse
                for #name #ty_generics #where_clause
            {
                fn into_response(self) -> ::respond::__private::axum_core::response::Response {
                    ::respond::__private::into_axum(::respond::IntoResponse::into_response(self))
                }
            }
        }

        #[allow(dead_code)]
        impl #impl_generics #name #ty_generics #where_clause {
            /// This value as a plain [`Response`](::respond::Response), as sending it would
            /// produce.
            #vis fn into_response(self) -> ::respond::Response {
                ::respond::IntoResponse::into_response(self)
            }

            /// The response with a header set, replacing any earlier value of that name; a
            /// refused name or value is reported when sending. Returns a plain
            /// [`Response`](::respond::Response).
            #[must_use]
            #vis fn with_header<__RespondName, __RespondValue>(
                self,
                name: __RespondName,
                value: __RespondValue,
            ) -> ::respond::Response
            where
                __RespondName: ::core::convert::TryInto<::respond::HeaderName>,
                <__RespondName as ::core::convert::TryInto<::respond::HeaderName>>::Error:
                    ::core::fmt::Display,
                __RespondValue: ::core::convert::TryInto<::respond::HeaderValue>,
                <__RespondValue as ::core::convert::TryInto<::respond::HeaderValue>>::Error:
                    ::core::fmt::Display,
            {
                ::respond::IntoResponse::into_response(self).with_header(name, value)
            }

            /// The response with another status (a `u16` or a
            /// [`StatusCode`](::respond::StatusCode)); codes outside 100..=599 are reported
            /// when sending. Returns a plain [`Response`](::respond::Response).
            #[must_use]
            #vis fn with_status<__RespondStatus>(self, status: __RespondStatus) -> ::respond::Response
            where
                ::respond::StatusCode: ::core::convert::TryFrom<__RespondStatus>,
                <::respond::StatusCode as ::core::convert::TryFrom<__RespondStatus>>::Error:
                    ::core::fmt::Display,
            {
                ::respond::IntoResponse::into_response(self).with_status(status)
            }

            /// The response with a `Set-Cookie` header added. Returns a plain
            /// [`Response`](::respond::Response).
            #[must_use]
            #vis fn with_cookie(self, cookie: ::respond::Cookie) -> ::respond::Response {
                ::respond::IntoResponse::into_response(self).with_cookie(cookie)
            }

            /// Sends the response for `scope`, as
            /// [`Response::send`](::respond::Response::send) does.
            ///
            /// # Errors
            /// A refused header, status or cookie, a JSON body that cannot be rendered, or a
            /// disconnected client.
            #vis async fn send(
                self,
                scope: &::respond::Scope,
                receive: &mut ::respond::Receiver,
                send: &mut ::respond::Sender,
            ) -> ::respond::Result<()> {
                ::respond::IntoResponse::into_response(self)
                    .send(scope, receive, send)
                    .await
            }

            /// Resolves the response for `scope` into an `http::Response`, as
            /// [`Response::into_http`](::respond::Response::into_http) does.
            ///
            /// # Errors
            /// A refused header, status or cookie, or a JSON body that cannot be rendered.
            #vis async fn into_http(
                self,
                scope: &::respond::Scope,
            ) -> ::respond::Result<::respond::http::Response<::respond::Body>> {
                ::respond::IntoResponse::into_response(self)
                    .into_http(scope)
                    .await
            }
        }
    }
}
