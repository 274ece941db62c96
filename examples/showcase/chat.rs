//! The showcase's chat room on a `ChannelHub`: `/chat` is the page, `POST /chat/messages`
//! publishes a message, `/chat/events` is the room's event stream. The hub is in-process, or
//! on Redis when `REDIS_URL` is set, so two showcases on two ports share the room.

use std::sync::OnceLock;
use std::time::Duration;

use respond::{
    ChannelEvent, ChannelHub, HtmlResponse, PlainTextResponse, Receiver, Response, Scope, Sender,
    Start,
};

const ROOM: &str = "chat";
/// The longest message accepted, in bytes.
const MAX_MESSAGE: usize = 2000;

static HUB: OnceLock<ChannelHub> = OnceLock::new();

/// Builds the hub: on Redis when `REDIS_URL` is set, else in-process.
pub(crate) fn init() -> Result<&'static str, String> {
    let builder = ChannelHub::builder()
        .start(Start::Oldest)
        .history_size(200)
        .history_age(Duration::from_secs(3600))
        .retry(Duration::from_millis(500));
    let (hub, engine) = match std::env::var("REDIS_URL") {
        Ok(url) => (
            builder
                .build_redis(&url)
                .map_err(|error| error.to_string())?,
            "Redis",
        ),
        Err(_) => (builder.build(), "in-process"),
    };
    HUB.set(hub)
        .map_err(|_| "the chat hub is built once".to_owned())?;
    Ok(engine)
}

fn hub() -> &'static ChannelHub {
    HUB.get_or_init(|| ChannelHub::builder().start(Start::Oldest).build())
}

/// Whether `path` is one of the chat's.
pub(crate) fn handles(path: &str) -> bool {
    matches!(path, "/chat" | "/chat/events" | "/chat/messages")
}

/// Serves a chat request.
pub(crate) async fn serve(
    scope: Scope,
    mut receive: Receiver,
    mut send: Sender,
) -> respond::Result<()> {
    let response = match (scope.method().as_str(), scope.path()) {
        ("GET", "/chat") => HtmlResponse::new(CHAT_PAGE).into_response(),
        ("GET", "/chat/events") => {
            // A page that reconnects by itself passes its last id in the query, as a
            // reconnecting EventSource passes it in `Last-Event-ID`.
            let from_query = scope
                .query()
                .split('&')
                .find_map(|pair| pair.strip_prefix("last_event_id="))
                .map(str::to_owned);
            let last = scope.last_event_id().map(str::to_owned).or(from_query);
            hub()
                .subscribe_after(ROOM, last.as_deref())?
                .into_response()
        }
        ("POST", "/chat/messages") => publish(receive.body().await.unwrap_or_default()).await,
        _ => PlainTextResponse::new("Method Not Allowed")
            .with_status(405)
            .into_response(),
    };
    response.send(&scope, &mut receive, &mut send).await
}

async fn publish(body: bytes::Bytes) -> Response {
    let text = match std::str::from_utf8(&body) {
        Ok(text) => text.trim(),
        Err(_) => return bad_request("a message is UTF-8 text"),
    };
    if text.is_empty() || text.len() > MAX_MESSAGE {
        return bad_request("a message has 1 to 2000 bytes");
    }
    match hub()
        .publish(ROOM, ChannelEvent::new(text).event("chat"))
        .await
    {
        Ok(id) => PlainTextResponse::new(id.to_string())
            .with_status(201)
            .into_response(),
        Err(error) => PlainTextResponse::new(error.to_string())
            .with_status(503)
            .into_response(),
    }
}

fn bad_request(why: &'static str) -> Response {
    PlainTextResponse::new(why).with_status(400).into_response()
}

const CHAT_PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>respond: chat</title>
<style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}
#state{color:#666}#messages li{font-family:monospace}</style></head>
<body><h1>Chat</h1>
<p>A room on a <code>ChannelHub</code>: open this page twice and talk to yourself.</p>
<form id="say"><input id="text" name="text" autocomplete="off" maxlength="2000" required>
<button>Send</button></form>
<p id="state">connecting...</p><ol id="messages"></ol><p><a href="/">back</a></p>
<script>
const list = document.getElementById("messages");
const state = document.getElementById("state");
const chat = {
  source: null,
  lastId: null,
  connect() {
    const query = chat.lastId ? `?last_event_id=${encodeURIComponent(chat.lastId)}` : "";
    chat.source = new EventSource(`/chat/events${query}`);
    chat.source.onopen = () => { state.textContent = "connected"; };
    chat.source.onerror = () => { state.textContent = "reconnecting..."; };
    chat.source.addEventListener("chat", (event) => {
      chat.lastId = event.lastEventId;
      const item = document.createElement("li");
      item.textContent = event.data;
      item.dataset.id = event.lastEventId;
      list.append(item);
    });
    // The history this page knew is gone: start over from what the room still holds.
    chat.source.addEventListener("reset", (event) => {
      chat.lastId = event.lastEventId;
      list.replaceChildren();
    });
  },
  disconnect() {
    chat.source.close();
    state.textContent = "disconnected";
  },
};
window.chat = chat;
chat.connect();
document.getElementById("say").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = document.getElementById("text");
  await fetch("/chat/messages", { method: "POST", body: input.value });
  input.value = "";
});
</script></body></html>"#;
