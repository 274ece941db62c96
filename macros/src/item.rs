//! `#[response]` on structs and enums: the generated impls and methods,
//! from each struct's or variant's [`Shape`].

use std::collections::BTreeSet;

use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{
    GenericArgument, Generics, ItemEnum, ItemStruct, PathArguments, Type, Visibility,
    WherePredicate, parse_quote_spanned,
};

use crate::errors::Errors;
use crate::fields;
use crate::settings::{self, Settings};
use crate::shape::{Body, Shape, analyse};
use crate::spans;

/// The OpenAPI description (respond's `openapi` feature), from the shapes analysed here.
#[path = "openapi.rs"]
pub(crate) mod openapi;

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

/// The `IntoResponse` and `TypedResponse` impls, and the inherent `into_response`.
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
    // Only when respond's `axum` feature (which turns on this crate's) is on; `if_axum!`
    // still guards it, should this crate's feature be on without respond's.
    let axum = if cfg!(feature = "axum") {
        quote! {
        ::respond::__private::if_axum! {
            impl #impl_generics ::respond::__private::axum_core::response::IntoResponse
                for #name #ty_generics #where_clause
            {
                fn into_response(self) -> ::respond::__private::axum_core::response::Response {
                    ::respond::__private::into_axum(::respond::IntoResponse::into_response(self))
                }
            }
        }

        }
    } else {
        quote!()
    };
    quote! {
        impl #impl_generics ::respond::IntoResponse for #name #ty_generics #where_clause {
            #[allow(irrefutable_let_patterns)]
            fn into_response(self) -> ::respond::Response {
                #into_response
            }
        }

        #axum

        // The builder and sending methods are `TypedResponse`'s provided methods, written
        // once in respond instead of once per type (a crate of many typed responses compiles
        // as fast as the same impls written by hand); the import makes them callable in the
        // declaring module as they are, like inherent methods. `into_response` stays
        // inherent, so it wins over axum's trait method when both traits are in scope.
        impl #impl_generics ::respond::TypedResponse for #name #ty_generics #where_clause {}

        #[allow(unused_imports)]
        use ::respond::TypedResponse as _;

        #[allow(dead_code)]
        impl #impl_generics #name #ty_generics #where_clause {
            /// This value as a plain [`Response`](::respond::Response), as sending it would
            /// produce. The other methods come from
            /// [`TypedResponse`](::respond::TypedResponse).
            #[inline]
            #vis fn into_response(self) -> ::respond::Response {
                ::respond::IntoResponse::into_response(self)
            }
        }
    }
}
