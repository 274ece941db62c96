//! The protocol between an app and the outlet that carries its response: the scope of a
//! request, the messages, the channels they travel on, the app shape, and a response
//! resolved for one request ([`Prepared`]) as both outlets take it.

mod app;
pub(crate) mod bridge;
mod channel;
mod connection;
mod delivery;
mod message;
mod prepared;
mod request_body;
mod scope;
mod shutdown;

pub use app::App;
pub use channel::{Receiver, Sender};
pub(crate) use channel::{ReceiverKind, SenderKind};
pub(crate) use connection::WriteTimeout;
pub(crate) use delivery::Delivery;
pub use message::{Message, RequestEvent};
pub(crate) use prepared::Prepared;
pub(crate) use request_body::RequestBody;
pub(crate) use scope::Served;
pub use scope::{Scope, ScopeKind};
pub use shutdown::Shutdown;
