//! `#[response]` on an `async fn`: the function becomes a unit struct of the same name that
//! implements `respond::App`.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{FnArg, GenericArgument, ItemFn, PathArguments, ReturnType, Type};

use crate::errors::Errors;
use crate::settings::Settings;
use crate::spans;

/// What the handler returns.
enum Output<'a> {
    /// `()` (or nothing): an empty body.
    Unit,
    /// A plain value.
    Value(&'a Type),
    /// `Result<T, E>`: `T` as above, `E` (when written) must be a response.
    Result(&'a Type, Option<&'a Type>),
}

fn is_unit(ty: &Type) -> bool {
    matches!(ty, Type::Tuple(tuple) if tuple.elems.is_empty())
}

fn output(ty: &ReturnType) -> Output<'_> {
    let ReturnType::Type(_, ty) = ty else {
        return Output::Unit;
    };
    if is_unit(ty) {
        return Output::Unit;
    }
    if let Type::Path(path) = &**ty {
        if let Some(last) = path.path.segments.last() {
            if last.ident == "Result" && path.qself.is_none() {
                if let PathArguments::AngleBracketed(args) = &last.arguments {
                    let types: Vec<&Type> = args
                        .args
                        .iter()
                        .filter_map(|arg| match arg {
                            GenericArgument::Type(ty) => Some(ty),
                            _ => None,
                        })
                        .collect();
                    match types.as_slice() {
                        [ok] => return Output::Result(ok, None),
                        [ok, error] => return Output::Result(ok, Some(error)),
                        _ => {}
                    }
                }
            }
        }
    }
    Output::Value(ty)
}

/// The response for a handler's successful value, bound to `value`.
fn ok_response(settings: &Settings, ty: &Type, value: &Ident) -> TokenStream {
    let status = settings.status_tokens();
    if is_unit(ty) {
        let content_type = settings.optional_content_type_tokens();
        return quote!(::respond::__private::empty(#content_type, #status));
    }
    match &settings.media_type {
        Some(media) if media.json => {
            let content_type = settings.content_type_tokens();
            let value = spans::by_ref(value, ty);
            spans::call(
                quote!(::respond::__private::json),
                quote!(#value, #content_type, #status),
                ty,
            )
        }
        Some(_) => {
            let content_type = settings.optional_content_type_tokens();
            let value = spans::by_value(value, ty);
            spans::call(
                quote!(::respond::__private::body),
                quote!(#value, #content_type, #status),
                ty,
            )
        }
        None => {
            let value = spans::by_value(value, ty);
            let convert = spans::call(quote!(::respond::IntoResponse::into_response), value, ty);
            match settings.status {
                Some(_) => quote! {{
                    let mut __respond_response = #convert;
                    __respond_response.set_status(#status);
                    __respond_response
                }},
                None => convert,
            }
        }
    }
}

fn error_call(binding: &Ident, ty: &impl quote::ToTokens) -> TokenStream {
    let argument = spans::by_value(binding, ty);
    spans::call(quote!(::respond::__private::error_response), argument, ty)
}

/// Expands `#[response]` on a function.
pub(crate) fn expand(settings: &Settings, item: ItemFn, errors: &mut Errors) -> TokenStream {
    let original = quote!(#item);
    let ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = item;
    if sig.asyncness.is_none() {
        errors.at(
            sig.fn_token.span(),
            "a `#[response]` handler must be an `async fn`",
        );
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.on(
            &sig.generics,
            "a `#[response]` handler cannot be generic: it becomes one app",
        );
    }
    let mut arguments = Vec::new();
    for (index, input) in sig.inputs.iter().enumerate() {
        match (index, input) {
            (_, FnArg::Receiver(receiver)) => errors.on(
                receiver,
                "a `#[response]` handler is a free function: it cannot take `self`",
            ),
            (0, FnArg::Typed(_)) => arguments.push(quote!(&__respond_scope)),
            (1, FnArg::Typed(_)) => arguments.push(quote!(&mut __respond_receive)),
            (_, FnArg::Typed(argument)) => errors.on(
                argument,
                "a `#[response]` handler takes at most two parameters: `&respond::Scope`, then `&mut respond::Receiver`",
            ),
        }
    }
    if let Some(variadic) = &sig.variadic {
        errors.on(variadic, "a `#[response]` handler cannot be variadic");
    }
    if errors.any() {
        // Only the errors: the function stays as written.
        return original;
    }

    let name = &sig.ident;
    let value = Ident::new("__respond_value", Span::call_site());
    let response = match output(&sig.output) {
        Output::Unit => {
            let content_type = settings.optional_content_type_tokens();
            let status = settings.status_tokens();
            quote!({
                let () = __respond_output;
                ::respond::__private::empty(#content_type, #status)
            })
        }
        Output::Value(ty) => {
            let ok = ok_response(settings, ty, &value);
            quote!({
                let #value = __respond_output;
                #ok
            })
        }
        Output::Result(ty, error) => {
            let ok = ok_response(settings, ty, &value);
            // Spanned on the error type, or on the whole return type of a `Result<T>` alias.
            let binding = Ident::new("__respond_error", Span::call_site());
            let error = match error {
                Some(ty) => error_call(&binding, ty),
                None => error_call(&binding, &sig.output),
            };
            quote! {
                match __respond_output {
                    ::core::result::Result::Ok(#value) => #ok,
                    ::core::result::Result::Err(__respond_error) => #error,
                }
            }
        }
    };

    // Docs, `cfg` and deprecation describe the app; everything else stays on the function.
    let (outer, inner): (Vec<_>, Vec<_>) = attrs.into_iter().partition(|attr| {
        attr.path().is_ident("doc")
            || attr.path().is_ident("cfg")
            || attr.path().is_ident("deprecated")
    });
    let described = match output(&sig.output) {
        Output::Unit => crate::item::openapi::HandlerOutput::Unit,
        Output::Value(ty) => crate::item::openapi::HandlerOutput::Value(ty, false),
        Output::Result(ty, _) => crate::item::openapi::HandlerOutput::Value(ty, true),
    };
    let openapi =
        crate::item::openapi::describe_handler(name, settings, described, &sig.output, &outer);
    let cfgs = outer.iter().filter(|attr| attr.path().is_ident("cfg"));
    let send_span = if sig.asyncness.is_some() {
        sig.asyncness.span()
    } else {
        Span::call_site()
    };
    let send_bound = quote_spanned!(send_span=> ::core::marker::Send);
    let debug_name = name.to_string();
    quote! {
        #(#outer)*
        #[allow(non_camel_case_types)]
        #[derive(Clone, Copy, Default)]
        #vis struct #name;

        #(#cfgs)*
        const _: () = {
            impl ::core::fmt::Debug for #name {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    f.write_str(#debug_name)
                }
            }

            impl ::respond::App for #name {
                fn call(
                    &self,
                    __respond_scope: ::respond::Scope,
                    mut __respond_receive: ::respond::Receiver,
                    mut __respond_send: ::respond::Sender,
                ) -> impl ::core::future::Future<Output = ::respond::Result<()>> + #send_bound + 'static {
                    #(#inner)*
                    #sig #block

                    async move {
                        let __respond_output = #name(#(#arguments),*).await;
                        let __respond_response: ::respond::Response = #response;
                        __respond_response
                            .send(&__respond_scope, &mut __respond_receive, &mut __respond_send)
                            .await
                    }
                }
            }

            #openapi
        };
    }
}
