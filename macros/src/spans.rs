//! Spans that make rustc point at a whole field type when one of its bounds is not met.
//!
//! On stable, a proc macro cannot join two spans, and `ty.span()` is only the type's first
//! token. rustc, however, spans an expression from its first token to its last: so the
//! argument checked against a bound is written with its first token spanned on the type's
//! first token and its last token on the type's last one, and the error underlines the
//! whole type.

use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream};
use quote::{ToTokens, quote, quote_spanned};

/// The spans of the first and last tokens of `tokens` (the call site when empty).
pub(crate) fn ends(tokens: &impl ToTokens) -> (Span, Span) {
    let mut iter = tokens.to_token_stream().into_iter();
    let first = iter
        .next()
        .map_or_else(Span::call_site, |token| token.span());
    let last = iter.last().map_or(first, |token| token.span());
    (first, last)
}

/// `binding` passed by value, as an expression spanning all of `ty`.
pub(crate) fn by_value(binding: &Ident, ty: &impl ToTokens) -> TokenStream {
    let (first, last) = ends(ty);
    let binding = Ident::new(&binding.to_string(), last);
    let mut args = Group::new(Delimiter::Parenthesis, quote!(#binding));
    args.set_span(last);
    quote_spanned!(first=> ::core::convert::identity #args)
}

/// `&binding`, as an expression spanning all of `ty`.
pub(crate) fn by_ref(binding: &Ident, ty: &impl ToTokens) -> TokenStream {
    let (first, last) = ends(ty);
    let binding = Ident::new(&binding.to_string(), last);
    quote_spanned!(first=> &#binding)
}

/// `path(args)` as a call expression spanning all of `ty`, so that the labels rustc puts on
/// the call and on its argument fall on the same place.
pub(crate) fn call(path: TokenStream, args: TokenStream, ty: &impl ToTokens) -> TokenStream {
    let (first, last) = ends(ty);
    // The path, too, runs from the first token to the last (rustc labels the callee).
    let mut path: Vec<_> = respan(path, first).into_iter().collect();
    if let Some(end) = path.last_mut() {
        end.set_span(last);
    }
    let path: TokenStream = path.into_iter().collect();
    let mut args = Group::new(Delimiter::Parenthesis, args);
    args.set_span(last);
    quote!(#path #args)
}

fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut token| {
            if let proc_macro2::TokenTree::Group(group) = &token {
                let mut inner = Group::new(group.delimiter(), respan(group.stream(), span));
                inner.set_span(span);
                token = inner.into();
            } else {
                token.set_span(span);
            }
            token
        })
        .collect()
}
