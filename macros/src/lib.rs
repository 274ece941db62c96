//! Procedural macros of [respond](https://docs.rs/respond): `#[response]` and `cookie!`.
//!
//! Depend on `respond`, which re-exports both (`respond::response`, `respond::cookie`); the
//! code they generate names only `::respond::...` paths, so it needs no imports and no other
//! dependency. The two macros are documented, with examples, on those re-exports:
//! <https://docs.rs/respond/latest/respond/attr.response.html> and
//! <https://docs.rs/respond/latest/respond/macro.cookie.html>.

#![deny(missing_docs)]

mod cookie;
mod errors;
mod fields;
mod handler;
mod item;
mod settings;
mod shape;
mod spans;

/// The cookie rules, shared with the runtime through the `respond-cookie-rules` crate.
use respond_cookie_rules as rules;

use proc_macro::TokenStream;
use quote::quote;
use syn::Item;

use crate::errors::Errors;

// Documented (with tested examples) where users meet it: on respond's re-export,
// `respond::response` (runtime/docs/response.md), so the doc is not repeated on that page.
#[allow(missing_docs)]
#[proc_macro_attribute]
pub fn response(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let settings = settings::parse(args.into(), &mut errors);
    let item = match syn::parse::<Item>(item) {
        Ok(item) => item,
        Err(error) => {
            errors.push(error);
            return errors::to_tokens(errors.finish().unwrap_err()).into();
        }
    };
    // On errors the item itself is still emitted (without the field markers), so code using
    // it does not add errors of its own.
    let (item, generated) = match item {
        Item::Struct(item) => item::expand_struct(settings, item, &mut errors),
        Item::Enum(item) => item::expand_enum(settings, item, &mut errors),
        Item::Fn(item) => (handler::expand(&settings, item, &mut errors), quote!()),
        other => {
            errors.on(
                item_keyword(&other),
                "`#[response]` goes on a struct, an enum or an `async fn`",
            );
            (quote!(#other), quote!())
        }
    };
    match errors.finish() {
        Ok(()) => quote!(#item #generated).into(),
        Err(error) => {
            let errors = errors::to_tokens(error);
            quote!(#item #errors).into()
        }
    }
}

// Documented (with tested examples) on respond's re-export, `respond::cookie!`
// (runtime/docs/cookie.md).
#[allow(missing_docs)]
#[proc_macro]
pub fn cookie(input: TokenStream) -> TokenStream {
    match syn::parse::<cookie::Input>(input).and_then(cookie::expand) {
        Ok(tokens) => tokens.into(),
        Err(error) => {
            let errors = errors::to_tokens(error);
            quote!({ #errors ::respond::Cookie::new("", "") }).into()
        }
    }
}

fn item_keyword(item: &Item) -> proc_macro2::TokenStream {
    use syn::spanned::Spanned;
    let span = match item {
        Item::Union(item) => item.union_token.span(),
        Item::Trait(item) => item.trait_token.span(),
        Item::Impl(item) => item.impl_token.span(),
        Item::Type(item) => item.type_token.span(),
        Item::Const(item) => item.const_token.span(),
        Item::Static(item) => item.static_token.span(),
        Item::Mod(item) => item.mod_token.span(),
        _ => item.span(),
    };
    quote::quote_spanned!(span=> _)
}
