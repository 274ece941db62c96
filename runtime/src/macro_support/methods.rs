//! The inherent methods `#[response]` gives every typed response (`with_header`,
//! `with_status`, `with_cookie`, `send`, `into_http`), written once here.
//!
//! `#[response]` emits one call of `typed_methods!` per
//! type; the methods it expands to only forward to the generic functions here, with
//! one-trait bounds and named future types, and are `#[inline]` (compiled only where they
//! are used). A crate of many typed responses then checks one small forwarding body per
//! method instead of a where-clause and an `async` state machine per type, which cost twice
//! the compile time of the same `IntoResponse` impls written by hand (BENCHMARKS.md,
//! "Compile cost of the DSL").

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use http::{HeaderName, HeaderValue, StatusCode};

use crate::cookie::Cookie;
use crate::protocol::{Receiver, Scope, Sender};
use crate::response::{IntoResponse, Response};

/// What `with_header` takes as a name: whatever [`Response::with_header`] takes (`&str`,
/// `String`, [`HeaderName`]).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a header name",
    label = "not a header name",
    note = "a header name is a `&str`, a `String` or an `http::HeaderName`"
)]
pub trait HeaderNameArg: TryInto<HeaderName, Error = Self::Refusal> {
    /// Why a name was refused.
    type Refusal: fmt::Display;
}

impl<T> HeaderNameArg for T
where
    T: TryInto<HeaderName>,
    T::Error: fmt::Display,
{
    type Refusal = T::Error;
}

/// What `with_header` takes as a value: whatever [`Response::with_header`] takes (`&str`,
/// `String`, [`HeaderValue`], numbers).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a header value",
    label = "not a header value",
    note = "a header value is a `&str`, a `String`, an `http::HeaderValue` or an integer"
)]
pub trait HeaderValueArg: TryInto<HeaderValue, Error = Self::Refusal> {
    /// Why a value was refused.
    type Refusal: fmt::Display;
}

impl<T> HeaderValueArg for T
where
    T: TryInto<HeaderValue>,
    T::Error: fmt::Display,
{
    type Refusal = T::Error;
}

/// What `with_status` takes: whatever [`Response::with_status`] takes (a `u16` or a
/// [`StatusCode`]).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a status",
    label = "not a status",
    note = "a status is a `u16` in 100..=599 or an `http::StatusCode`"
)]
pub trait StatusArg: Sized {
    /// `response` with this status.
    fn set_on(self, response: Response) -> Response;
}

impl<T> StatusArg for T
where
    StatusCode: TryFrom<T>,
    <StatusCode as TryFrom<T>>::Error: fmt::Display,
{
    fn set_on(self, response: Response) -> Response {
        response.with_status(self)
    }
}

/// The future of a typed response's `send`.
pub type Sending<'a> = Pin<Box<dyn Future<Output = crate::Result<()>> + Send + 'a>>;

/// The future of a typed response's `into_http`.
pub type Resolving<'a> =
    Pin<Box<dyn Future<Output = crate::Result<http::Response<crate::Body>>> + Send + 'a>>;

/// `value` as a [`Response`] with a header set.
pub fn with_header<T, N, V>(value: T, name: N, header: V) -> Response
where
    T: IntoResponse,
    N: HeaderNameArg,
    V: HeaderValueArg,
{
    value.into_response().with_header(name, header)
}

/// `value` as a [`Response`] with another status.
pub fn with_status<T: IntoResponse, S: StatusArg>(value: T, status: S) -> Response {
    status.set_on(value.into_response())
}

/// `value` as a [`Response`] with a cookie added.
pub fn with_cookie<T: IntoResponse>(value: T, cookie: Cookie) -> Response {
    value.into_response().with_cookie(cookie)
}

/// Sends `value` as [`Response::send`] does.
pub fn send<'a, T: IntoResponse>(
    value: T,
    scope: &'a Scope,
    receive: &'a mut Receiver,
    send: &'a mut Sender,
) -> Sending<'a> {
    Box::pin(value.into_response().send(scope, receive, send))
}

/// Resolves `value` as [`Response::into_http`] does.
pub fn into_http<T: IntoResponse>(value: T, scope: &Scope) -> Resolving<'_> {
    Box::pin(value.into_response().into_http(scope))
}

/// The inherent methods of a typed response: `[impl generics] [type] [where clause] [vis]`.
#[doc(hidden)]
#[macro_export]
macro_rules! __respond_typed_methods {
    ([$($generics:tt)*] [$($ty:tt)*] [$($where_clause:tt)*] [$($vis:tt)*]) => {
        #[allow(dead_code)]
        impl $($generics)* $($ty)* $($where_clause)* {
            /// This value as a plain [`Response`](::respond::Response), as sending it would
            /// produce.
            #[inline]
            $($vis)* fn into_response(self) -> ::respond::Response {
                ::respond::IntoResponse::into_response(self)
            }

            /// The response with a header set, as
            /// [`Response::with_header`](::respond::Response::with_header) does. Returns a
            /// plain [`Response`](::respond::Response).
            #[inline]
            #[must_use]
            $($vis)* fn with_header<N, V>(self, name: N, value: V) -> ::respond::Response
            where
                N: ::respond::__private::HeaderNameArg,
                V: ::respond::__private::HeaderValueArg,
            {
                ::respond::__private::with_header(self, name, value)
            }

            /// The response with another status (a `u16` or a
            /// [`StatusCode`](::respond::StatusCode)), as
            /// [`Response::with_status`](::respond::Response::with_status) does. Returns a
            /// plain [`Response`](::respond::Response).
            #[inline]
            #[must_use]
            $($vis)* fn with_status<S>(self, status: S) -> ::respond::Response
            where
                S: ::respond::__private::StatusArg,
            {
                ::respond::__private::with_status(self, status)
            }

            /// The response with a `Set-Cookie` header added. Returns a plain
            /// [`Response`](::respond::Response).
            #[inline]
            #[must_use]
            $($vis)* fn with_cookie(self, cookie: ::respond::Cookie) -> ::respond::Response {
                ::respond::__private::with_cookie(self, cookie)
            }

            /// Sends the response for `scope`, as
            /// [`Response::send`](::respond::Response::send) does.
            ///
            /// # Errors
            /// A refused header, status or cookie, a JSON body that cannot be rendered, or a
            /// disconnected client.
            #[inline]
            $($vis)* fn send<'__respond>(
                self,
                scope: &'__respond ::respond::Scope,
                receive: &'__respond mut ::respond::Receiver,
                send: &'__respond mut ::respond::Sender,
            ) -> ::respond::__private::Sending<'__respond> {
                ::respond::__private::send(self, scope, receive, send)
            }

            /// Resolves the response for `scope` into an `http::Response`, as
            /// [`Response::into_http`](::respond::Response::into_http) does.
            ///
            /// # Errors
            /// A refused header, status or cookie, or a JSON body that cannot be rendered.
            #[inline]
            $($vis)* fn into_http<'__respond>(
                self,
                scope: &'__respond ::respond::Scope,
            ) -> ::respond::__private::Resolving<'__respond> {
                ::respond::__private::into_http(self, scope)
            }
        }
    };
}
