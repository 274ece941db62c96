//! The Redis engine against a real `redis-server` (installed from Debian's package when
//! missing): replicas that share one Redis act as one hub, across a killed replica, a
//! restarted Redis and a flushed one.

use std::time::Duration;

use respond::{ChannelError, ChannelHub, EventId, Start};
use respond_tests::TestServer;
use respond_tests::events::{
    EventStreamClient, Next, StreamEvent, channel_app, connect_disconnect_cycles, eventually,
    read_with_reconnects,
};
use respond_tests::redis::RedisServer;

const WAIT: Duration = Duration::from_secs(15);

fn hub(redis: &RedisServer) -> ChannelHub {
    ChannelHub::builder()
        .start(Start::Oldest)
        .retry(Duration::from_millis(100))
        .build_redis(&redis.url())
        .expect("a Redis hub")
}

fn offsets(events: &[StreamEvent]) -> Vec<u64> {
    events
        .iter()
        .map(|event| {
            event
                .id
                .as_deref()
                .unwrap()
                .parse::<EventId>()
                .unwrap()
                .offset()
        })
        .collect()
}

/// Publishes, retrying while Redis is away; returns how many attempts failed.
async fn publish_retrying(hub: &ChannelHub, channel: &str, data: String) -> usize {
    let mut failures = 0;
    loop {
        match hub.publish(channel, data.clone()).await {
            Ok(_) => return failures,
            Err(ChannelError::Unavailable(_)) => {
                failures += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(other) => panic!("unexpected error: {other}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn published_on_one_replica_received_on_another() {
    let redis = RedisServer::start();
    let (a, b) = (hub(&redis), hub(&redis));
    let server_a = TestServer::start(channel_app(a.clone())).await;
    let mut client = EventStreamClient::connect(server_a.addr(), "/room", None).await;
    eventually(WAIT, "the subscription on A", || a.subscribers("room") == 1).await;
    for n in 1..=50 {
        b.publish("room", format!("m{n}")).await.unwrap();
    }
    for n in 1..=50u64 {
        let Next::Event(event) = client.next_data(WAIT).await else {
            panic!("event {n}")
        };
        assert_eq!(event.data, Some(format!("m{n}")));
        assert_eq!(event.id.unwrap().parse::<EventId>().unwrap().offset(), n);
    }
    assert_eq!(
        b.subscribers("room"),
        0,
        "B counts its own subscribers only"
    );
    server_a.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_of_a_killed_replica_resumes_on_another_exactly_once() {
    const TOTAL: u64 = 300;
    let redis = RedisServer::start();
    let (a, b) = (hub(&redis), hub(&redis));
    let server_a = TestServer::start(channel_app(a.clone())).await;
    let server_b = TestServer::start(channel_app(b.clone())).await;
    let publisher = tokio::spawn({
        let b = b.clone();
        async move {
            for n in 1..=TOTAL {
                b.publish("room", format!("m{n}")).await.unwrap();
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
        }
    });
    let mut last = None;
    let mut events = read_with_reconnects(|| server_a.addr(), "/room", &mut last, 60, WAIT).await;
    server_a.stop().await;
    drop(a);
    let addr_b = server_b.addr();
    let rest = read_with_reconnects(|| addr_b, "/room", &mut last, TOTAL as usize - 60, WAIT).await;
    events.extend(rest);
    publisher.await.unwrap();
    assert_eq!(offsets(&events), (1..=TOTAL).collect::<Vec<_>>());
    server_b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_redis_loses_nothing_and_publish_fails_clearly_while_it_is_down() {
    let mut redis = RedisServer::start();
    let (a, b) = (hub(&redis), hub(&redis));
    let server_a = TestServer::start(channel_app(a.clone())).await;
    let addr = server_a.addr();
    let reader = tokio::spawn(async move {
        let mut last = None;
        read_with_reconnects(|| addr, "/room", &mut last, 100, WAIT).await
    });
    eventually(WAIT, "the subscription", || a.subscribers("room") == 1).await;
    for n in 1..=50 {
        b.publish("room", format!("m{n}")).await.unwrap();
    }
    redis.stop();
    let error = b.publish("room", "lost").await.unwrap_err();
    assert!(matches!(error, ChannelError::Unavailable(_)), "{error}");
    assert!(error.to_string().contains("Redis at 127.0.0.1:"), "{error}");
    // A subscriber arriving now gets the retry hint and an ended stream.
    let mut late = EventStreamClient::connect(addr, "/room", None).await;
    assert_eq!(
        late.next(WAIT).await,
        Next::Event(StreamEvent {
            retry: Some(100),
            ..StreamEvent::default()
        })
    );
    assert_eq!(late.next(WAIT).await, Next::Ended);
    redis.resume();
    for n in 51..=100 {
        publish_retrying(&b, "room", format!("m{n}")).await;
    }
    let events = reader.await.unwrap();
    assert_eq!(offsets(&events), (1..=100).collect::<Vec<_>>());
    let datas: Vec<_> = events
        .iter()
        .map(|event| event.data.clone().unwrap())
        .collect();
    assert_eq!(
        datas,
        (1..=100).map(|n| format!("m{n}")).collect::<Vec<_>>()
    );
    server_a.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flushed_redis_is_a_new_epoch_and_clients_get_the_reset_event() {
    let redis = RedisServer::start();
    let (a, b) = (hub(&redis), hub(&redis));
    let server_a = TestServer::start(channel_app(a.clone())).await;
    let mut last = None;
    for n in 1..=5 {
        b.publish("room", format!("m{n}")).await.unwrap();
    }
    let before = read_with_reconnects(|| server_a.addr(), "/room", &mut last, 5, WAIT).await;
    let old: EventId = before[4].id.as_deref().unwrap().parse().unwrap();
    redis.flush_all();
    let fresh = b.publish("room", "after the flush").await.unwrap();
    assert_ne!(fresh.epoch(), old.epoch());
    assert_eq!(fresh.offset(), 1);
    let after = read_with_reconnects(|| server_a.addr(), "/room", &mut last, 2, WAIT).await;
    assert_eq!(after[0].event.as_deref(), Some("reset"));
    assert_eq!(after[0].data.as_deref(), Some("epoch"));
    assert_eq!(after[1].data.as_deref(), Some("after the flush"));
    assert_eq!(after[1].id, Some(fresh.to_string()));
    server_a.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_connect_disconnect_cycles_leave_no_subscriber_behind() {
    let redis = RedisServer::start();
    let a = hub(&redis);
    let server = TestServer::start(channel_app(a.clone())).await;
    connect_disconnect_cycles(&a, server.addr(), 20, 50).await;
    server.stop().await;
}
