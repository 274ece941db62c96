//! [`TestClient`]: drives an app in memory, through the message outlet, without a socket.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::error::{Error, Result};
use crate::protocol::{App, Message, Receiver, RequestEvent, Scope, Sender};

type BoxedApp = Arc<
    dyn Fn(Scope, Receiver, Sender) -> Pin<Box<dyn Future<Output = Result<()>> + Send>>
        + Send
        + Sync,
>;

/// Calls an app in memory, as a server would, and records what it sends.
///
/// Each request runs the app on its own tokio task with a [`Sender`] and [`Receiver`] made of
/// channels, so the exact [`Message`] sequence is visible, and a test can read a streamed
/// body chunk by chunk or disconnect in the middle of it. It needs a tokio runtime
/// (`#[tokio::test]`).
///
/// ```
/// use respond::{HtmlResponse, Receiver, Scope, Sender, TestClient};
///
/// async fn app(scope: Scope, mut receive: Receiver, mut send: Sender) -> respond::Result<()> {
///     HtmlResponse::new("<p>hi</p>").send(&scope, &mut receive, &mut send).await
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> respond::Result<()> {
/// let client = TestClient::new(app);
/// let response = client.get("/").send().await;
/// assert_eq!(response.status(), 200);
/// assert_eq!(response.header("content-type"), Some("text/html; charset=utf-8"));
/// assert_eq!(response.text(), "<p>hi</p>");
/// assert_eq!(response.messages().len(), 2); // start, then one body message
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct TestClient {
    app: BoxedApp,
}

impl TestClient {
    /// A client for `app`.
    pub fn new<A: App>(app: A) -> Self {
        let app = Arc::new(app);
        TestClient {
            app: Arc::new(move |scope, receive, send| {
                let app = Arc::clone(&app);
                Box::pin(async move { app.call(scope, receive, send).await })
            }),
        }
    }

    /// A request with any method to `target` (`/path?query`).
    pub fn request(&self, method: Method, target: &str) -> TestRequest {
        TestRequest {
            app: Arc::clone(&self.app),
            scope: Scope::new(method, target)
                .with_client(([127, 0, 0, 1], 50000).into())
                .with_server(([127, 0, 0, 1], 80).into()),
            body: Bytes::new(),
        }
    }

    /// A `GET` request.
    pub fn get(&self, target: &str) -> TestRequest {
        self.request(Method::GET, target)
    }

    /// A `HEAD` request.
    pub fn head(&self, target: &str) -> TestRequest {
        self.request(Method::HEAD, target)
    }

    /// A `POST` request.
    pub fn post(&self, target: &str) -> TestRequest {
        self.request(Method::POST, target)
    }

    /// A `PUT` request.
    pub fn put(&self, target: &str) -> TestRequest {
        self.request(Method::PUT, target)
    }

    /// A `DELETE` request.
    pub fn delete(&self, target: &str) -> TestRequest {
        self.request(Method::DELETE, target)
    }
}

impl fmt::Debug for TestClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestClient").finish_non_exhaustive()
    }
}

/// A request being built by a [`TestClient`].
pub struct TestRequest {
    app: BoxedApp,
    scope: Scope,
    body: Bytes,
}

impl TestRequest {
    /// Adds a request header.
    ///
    /// # Panics
    /// If the name or value is not valid in HTTP: a test that builds a bad request is wrong.
    #[must_use]
    pub fn header(mut self, name: &str, value: &str) -> Self {
        let name = HeaderName::try_from(name).expect("valid header name");
        let value = HeaderValue::try_from(value).expect("valid header value");
        self.scope.headers_mut().append(name, value);
        self
    }

    /// Sets the request body.
    #[must_use]
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// Changes the scope before the request runs (extensions, websocket kind...).
    #[must_use]
    pub fn scope(mut self, edit: impl FnOnce(Scope) -> Scope) -> Self {
        self.scope = edit(self.scope);
        self
    }

    /// Runs the request and waits until the app has returned (background work included).
    ///
    /// Like Starlette's test client, an app that fails fails the test: use
    /// [`try_send`](Self::try_send) to look at the error instead.
    ///
    /// # Panics
    /// When the app returns an error or panics.
    pub async fn send(self) -> TestResponse {
        match self.try_send().await {
            Ok(response) => response,
            Err(error) => panic!("the app failed: {error}"),
        }
    }

    /// Runs the request and waits until the app has returned (background work included),
    /// giving the app's error instead of panicking.
    ///
    /// ```
    /// use respond::{JsonResponse, Receiver, Scope, Sender, TestClient};
    ///
    /// async fn app(scope: Scope, mut receive: Receiver, mut send: Sender) -> respond::Result<()> {
    ///     JsonResponse::new(&f64::NAN).send(&scope, &mut receive, &mut send).await
    /// }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let error = TestClient::new(app).get("/").try_send().await.unwrap_err();
    /// assert!(matches!(error, respond::Error::Json(_)));
    /// # }
    /// ```
    ///
    /// # Errors
    /// The error the app returned; [`Error::Protocol`] when it returned without a complete
    /// response.
    ///
    /// # Panics
    /// When the app panics, with the app's panic.
    pub async fn try_send(self) -> Result<TestResponse> {
        let mut stream = self.try_stream().await?;
        let mut body = BytesMut::new();
        while let Some(chunk) = stream.next_chunk().await? {
            body.extend_from_slice(&chunk);
        }
        let TestStream {
            status,
            headers,
            messages,
            task,
            events,
            ..
        } = stream;
        let outcome = join(task).await;
        drop(events);
        outcome?;
        Ok(TestResponse {
            status,
            headers,
            body: body.freeze(),
            messages,
        })
    }

    /// Runs the request and returns once the start message has arrived, to read the body
    /// chunk by chunk. Dropping the [`TestStream`] disconnects the client.
    ///
    /// # Panics
    /// When the app fails or panics before its start message (see
    /// [`try_stream`](Self::try_stream)).
    pub async fn stream(self) -> TestStream {
        match self.try_stream().await {
            Ok(stream) => stream,
            Err(error) => panic!("the app failed before its response started: {error}"),
        }
    }

    /// Like [`stream`](Self::stream), giving the app's error instead of panicking.
    ///
    /// ```
    /// # use respond::{Response, Receiver, Scope, Sender, TestClient};
    /// # async fn app(scope: Scope, mut receive: Receiver, mut send: Sender) -> respond::Result<()> {
    /// #     Response::new("abc").send(&scope, &mut receive, &mut send).await
    /// # }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> respond::Result<()> {
    /// let mut stream = TestClient::new(app).get("/").try_stream().await?;
    /// assert_eq!(stream.status(), 200);
    /// assert_eq!(stream.next_chunk().await?.unwrap(), "abc");
    /// assert_eq!(stream.next_chunk().await?, None);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    /// The app's error when it ends before sending the start message.
    pub async fn try_stream(self) -> Result<TestStream> {
        let (events, receive) = Receiver::channel(8);
        let (send, mut messages) = Sender::channel(8);
        if events
            .send(RequestEvent::Body {
                chunk: self.body,
                more_body: false,
            })
            .await
            .is_err()
        {
            return Err(Error::protocol("the request body could not be queued"));
        }
        let task = tokio::spawn((self.app)(self.scope, receive, send));
        let Some(first) = messages.recv().await else {
            join(Some(task)).await?;
            return Err(Error::protocol(
                "the app returned without sending a response",
            ));
        };
        let Message::Start { status, headers } = first.clone() else {
            return Err(Error::protocol(
                "the first message was not the start message",
            ));
        };
        Ok(TestStream {
            status,
            headers,
            messages: vec![first],
            receiver: messages,
            task: Some(task),
            events,
            done: false,
        })
    }
}

impl fmt::Debug for TestRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestRequest")
            .field("scope", &self.scope)
            .field("body", &self.body)
            .finish_non_exhaustive()
    }
}

/// The app task's outcome, its panic resumed; `Ok` for a task joined already.
async fn join(task: Option<JoinHandle<Result<()>>>) -> Result<()> {
    let Some(task) = task else { return Ok(()) };
    match task.await {
        Ok(outcome) => outcome,
        Err(error) => match error.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(error) => Err(Error::other(error)),
        },
    }
}

/// A complete response recorded by a [`TestClient`].
#[derive(Debug, Clone)]
pub struct TestResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    messages: Vec<Message>,
}

impl TestResponse {
    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// A header as text (`None` when absent or not visible ASCII).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }

    /// Every value of a header, as text.
    pub fn header_all(&self, name: &str) -> Vec<&str> {
        self.headers
            .get_all(name)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .collect()
    }

    /// The whole body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The body as text (invalid UTF-8 becomes U+FFFD).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as JSON.
    ///
    /// ```
    /// # use respond::{JsonResponse, Receiver, Scope, Sender, TestClient};
    /// # async fn app(scope: Scope, mut receive: Receiver, mut send: Sender) -> respond::Result<()> {
    /// #     JsonResponse::new(&serde_json::json!({"id": 7})).send(&scope, &mut receive, &mut send).await
    /// # }
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let value: serde_json::Value = TestClient::new(app).get("/").send().await.json();
    /// assert_eq!(value["id"], 7);
    /// # }
    /// ```
    ///
    /// # Panics
    /// When the body is not JSON of that shape (see [`try_json`](Self::try_json)).
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> T {
        match self.try_json() {
            Ok(value) => value,
            Err(error) => panic!(
                "the body is not the JSON expected ({error}): {:?}",
                self.text()
            ),
        }
    }

    /// The body parsed as JSON, or the parse error.
    ///
    /// # Errors
    /// When the body is not JSON of that shape.
    pub fn try_json<T: serde::de::DeserializeOwned>(&self) -> serde_json::Result<T> {
        serde_json::from_slice(&self.body)
    }

    /// Every message the app sent, in order.
    pub fn messages(&self) -> &[Message] {
        &self.messages
    }
}

/// A response being received chunk by chunk; dropping it disconnects the client.
pub struct TestStream {
    status: StatusCode,
    headers: HeaderMap,
    messages: Vec<Message>,
    receiver: mpsc::Receiver<Message>,
    /// `None` once joined (its outcome was reported).
    task: Option<JoinHandle<Result<()>>>,
    events: mpsc::Sender<RequestEvent>,
    done: bool,
}

impl TestStream {
    /// The status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// A header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name)?.to_str().ok()
    }

    /// The messages received so far.
    pub fn messages(&self) -> &[Message] {
        &self.messages
    }

    /// The next body chunk (empty chunks are skipped); `None` once the last body message
    /// has arrived.
    ///
    /// # Errors
    /// The app's error when it ends without finishing the body.
    ///
    /// # Panics
    /// When the app panics, with the app's panic.
    pub async fn next_chunk(&mut self) -> Result<Option<Bytes>> {
        loop {
            if self.done {
                return Ok(None);
            }
            let Some(message) = self.receiver.recv().await else {
                self.done = true;
                join(self.task.take()).await?;
                return Err(Error::protocol(
                    "the app returned before sending the last body message",
                ));
            };
            self.messages.push(message.clone());
            match message {
                Message::Body { chunk, more_body } => {
                    self.done = !more_body;
                    if !chunk.is_empty() {
                        return Ok(Some(chunk));
                    }
                }
                Message::Start { .. } => {
                    return Err(Error::protocol("a second start message arrived"));
                }
            }
        }
    }

    /// Disconnects the client and waits for the app to return, giving its outcome (a
    /// streaming app sees the disconnect; its background work runs first).
    ///
    /// # Errors
    /// What the app returned.
    ///
    /// # Panics
    /// When the app panics, with the app's panic.
    pub async fn disconnect(self) -> Result<()> {
        let TestStream {
            receiver,
            task,
            events,
            ..
        } = self;
        drop(receiver);
        drop(events);
        join(task).await
    }
}

impl fmt::Debug for TestStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestStream")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("messages", &self.messages.len())
            .finish_non_exhaustive()
    }
}
