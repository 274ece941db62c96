//! The methods every response kind shares, generated once for each kind so they are inherent
//! (no trait to import) and documented on each type.

/// Implements the shared builder, accessor and send methods for a newtype over
/// [`Response`](crate::Response), plus `From<Kind> for Response` and `IntoResponse`.
///
/// `$example` is an expression building the kind, used in the generated docs.
macro_rules! response_kind {
    ($kind:ident, $example:literal) => {
        $crate::response::response_kind!($kind, $example, custom_status);

        impl $kind {
            #[doc = concat!(
                "Sets the status, from a `u16` or a [`StatusCode`](crate::StatusCode); codes outside ",
                "100..=599 are an error.\n\n```\nlet response = respond::", $example, ".with_status(404);\n",
                "assert_eq!(response.status(), 404);\n```"
            )]
            #[must_use]
            pub fn with_status<S>(self, status: S) -> Self
            where
                http::StatusCode: TryFrom<S>,
                <http::StatusCode as TryFrom<S>>::Error: std::fmt::Display,
            {
                $kind(self.0.with_status(status))
            }
        }
    };
    ($kind:ident, $example:literal, custom_status) => {
        impl $kind {
            #[doc = concat!(
                "Sets a header, replacing any earlier value of that name; a value with CR, LF, NUL or ",
                "another control character is refused (reported by `send`).\n\n```\n",
                "let response = respond::", $example, ".with_header(\"x-trace\", \"abc\");\n",
                "assert_eq!(response.headers()[\"x-trace\"], \"abc\");\n```"
            )]
            #[must_use]
            pub fn with_header<K, V>(self, name: K, value: V) -> Self
            where
                K: TryInto<http::HeaderName>,
                K::Error: std::fmt::Display,
                V: TryInto<http::HeaderValue>,
                V::Error: std::fmt::Display,
            {
                $kind(self.0.with_header(name, value))
            }

            #[doc = concat!(
                "Replaces the media type (`text/*` types get `; charset=utf-8`).\n\n```\n",
                "let response = respond::", $example, ".with_media_type(\"text/markdown\");\n",
                "assert_eq!(response.headers()[\"content-type\"], \"text/markdown; charset=utf-8\");\n```"
            )]
            #[must_use]
            pub fn with_media_type(self, media_type: &str) -> Self {
                $kind(self.0.with_media_type(media_type))
            }

            #[doc = concat!(
                "Adds a `Set-Cookie` header.\n\n```\n",
                "let response = respond::", $example, ".with_cookie(respond::Cookie::new(\"a\", \"1\"));\n",
                "assert_eq!(response.headers()[\"set-cookie\"], \"a=1; Path=/; SameSite=lax\");\n```"
            )]
            #[must_use]
            pub fn with_cookie(self, cookie: $crate::Cookie) -> Self {
                $kind(self.0.with_cookie(cookie))
            }

            #[doc = concat!(
                "Runs `task` after the body has been sent (or the client has left).\n\n```\n",
                "let response = respond::", $example, ".with_background(async { /* clean up */ });\n```"
            )]
            #[must_use]
            pub fn with_background(
                self,
                task: impl std::future::Future<Output = ()> + Send + 'static,
            ) -> Self {
                $kind(self.0.with_background(task))
            }

            #[doc = concat!(
                "Adds a `Set-Cookie` header in place.\n\n```\n",
                "let mut response = respond::", $example, ";\n",
                "response.set_cookie(respond::Cookie::new(\"a\", \"1\").with_httponly(true));\n",
                "assert_eq!(response.headers()[\"set-cookie\"], \"a=1; HttpOnly; Path=/; SameSite=lax\");\n```"
            )]
            pub fn set_cookie(&mut self, cookie: $crate::Cookie) {
                self.0.set_cookie(cookie);
            }

            #[doc = concat!(
                "Adds a `Set-Cookie` header that removes a cookie, by name or from a matching [`Cookie`](crate::Cookie).\n\n```\n",
                "let mut response = respond::", $example, ";\n",
                "response.delete_cookie(\"session\");\n",
                "assert!(response.headers()[\"set-cookie\"].to_str().unwrap().contains(\"Max-Age=0\"));\n```"
            )]
            pub fn delete_cookie(&mut self, cookie: impl Into<$crate::Cookie>) {
                self.0.delete_cookie(cookie);
            }

            /// The status.
            pub fn status(&self) -> http::StatusCode {
                self.0.status()
            }

            /// The headers as they stand.
            pub fn headers(&self) -> &http::HeaderMap {
                self.0.headers()
            }

            /// The headers, to change in place.
            pub fn headers_mut(&mut self) -> &mut http::HeaderMap {
                self.0.headers_mut()
            }

            /// The first error a builder method met, if any; `send` reports it.
            pub fn error(&self) -> Option<&$crate::Error> {
                self.0.error()
            }

            /// The plain [`Response`](crate::Response) behind this kind.
            pub fn into_response(self) -> $crate::Response {
                self.0
            }

            /// Sends the response for `scope`, as [`Response::send`](crate::Response::send) does.
            ///
            /// # Errors
            /// A builder error, a disconnected client, or a failing body.
            pub fn send<'a>(
                self,
                scope: &'a $crate::Scope,
                receive: &'a mut $crate::Receiver,
                send: &'a mut $crate::Sender,
            ) -> impl std::future::Future<Output = $crate::Result<()>> + Send + 'a {
                self.0.send(scope, receive, send)
            }

            /// Resolves the response for `scope` into an `http::Response`, as
            /// [`Response::into_http`](crate::Response::into_http) does.
            ///
            /// # Errors
            /// The first builder error, if any.
            pub fn into_http<'a>(
                self,
                scope: &'a $crate::Scope,
            ) -> impl std::future::Future<Output = $crate::Result<http::Response<$crate::Body>>>
            + Send
            + 'a {
                self.0.into_http(scope)
            }
        }

        impl From<$kind> for $crate::Response {
            fn from(kind: $kind) -> Self {
                kind.0
            }
        }

        impl $crate::IntoResponse for $kind {
            fn into_response(self) -> $crate::Response {
                self.0
            }
        }
    };
}

pub(crate) use response_kind;
