//! The protocol between an app and the outlet that carries its response: the scope of a
//! request, the messages, the channels they travel on, and the app shape.

mod app;
mod channel;
mod message;
mod request_body;
mod scope;

pub use app::App;
pub use channel::{Receiver, Sender};
pub(crate) use channel::{ReceiverKind, SenderKind};
pub use message::{Message, RequestEvent};
pub(crate) use request_body::RequestBody;
pub use scope::{Scope, ScopeKind};
