//! The shape of an application.

use std::future::Future;

use super::{Receiver, Scope, Sender};
use crate::error::Result;

/// An application: called once per request with the [`Scope`], a [`Receiver`] for the
/// request body and a [`Sender`] for the response, as in ASGI.
///
/// Any `async fn(Scope, Receiver, Sender) -> respond::Result<()>` (or closure returning such a
/// future) is an app. `#[response]` turns handlers into apps too.
///
/// ```
/// use respond::{App, Receiver, Response, Scope, Sender};
///
/// async fn app(scope: Scope, mut receive: Receiver, mut send: Sender) -> respond::Result<()> {
///     let response = Response::new("Hello, world!").with_media_type("text/plain");
///     response.send(&scope, &mut receive, &mut send).await
/// }
///
/// fn takes_app(_: impl App) {}
/// takes_app(app);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a respond app",
    note = "an app is an `async fn(Scope, Receiver, Sender) -> respond::Result<()>`, or a handler marked `#[response]`"
)]
pub trait App: Send + Sync + 'static {
    /// Handles one request.
    fn call(
        &self,
        scope: Scope,
        receive: Receiver,
        send: Sender,
    ) -> impl Future<Output = Result<()>> + Send + 'static;
}

impl<F, Fut> App for F
where
    F: Fn(Scope, Receiver, Sender) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<()>> + Send + 'static,
{
    fn call(
        &self,
        scope: Scope,
        receive: Receiver,
        send: Sender,
    ) -> impl Future<Output = Result<()>> + Send + 'static {
        self(scope, receive, send)
    }
}
