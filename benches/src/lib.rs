//! What the micro-benchmarks (`benches/micro.rs`) and the callgrind probe
//! (`src/bin/micro-probe.rs`) share: the fixture they render and the poller they use.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use serde::Serialize;

/// Polls a future that never waits (building a response does not) to its end.
pub fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("a response for a plain body does not wait"),
    }
}

/// The small JSON body of the JSON cases.
#[derive(Serialize, Clone)]
pub struct Item {
    pub id: u64,
    pub name: &'static str,
    pub tags: [&'static str; 3],
    pub price: f64,
}

/// The item every JSON case renders.
pub const ITEM: Item = Item {
    id: 42,
    name: "widget",
    tags: ["a", "b", "c"],
    price: 9.5,
};
