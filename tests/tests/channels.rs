//! The in-process channel hub over real sockets: replay then live with no gap and no
//! duplicate, history bounds, the reset event, slow subscribers, and subscribers leaving.

use std::time::Duration;

use respond::{ChannelError, ChannelHub, EventId, Start};
use respond_tests::TestServer;
use respond_tests::events::{
    EventStreamClient, Next, StreamEvent, channel_app, connect_disconnect_cycles, eventually,
    read_with_reconnects,
};

const WAIT: Duration = Duration::from_secs(10);

fn offsets(events: &[StreamEvent]) -> Vec<u64> {
    events
        .iter()
        .map(|event| {
            let id: EventId = event
                .id
                .as_deref()
                .expect("an id")
                .parse()
                .expect("a hub id");
            id.offset()
        })
        .collect()
}

fn datas(events: &[StreamEvent]) -> Vec<String> {
    events
        .iter()
        .map(|event| event.data.clone().unwrap_or_default())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_and_live_meet_with_no_gap_and_no_duplicate_under_concurrent_publishes() {
    const TOTAL: u64 = 3000;
    let hub = ChannelHub::builder()
        .history_size(10_000)
        .start(Start::Oldest)
        .build();
    let server = TestServer::start(channel_app(hub.clone())).await;
    let addr = server.addr();
    let publisher = {
        let hub = hub.clone();
        tokio::spawn(async move {
            for n in 1..=TOTAL {
                hub.publish("room", format!("m{n}")).await.expect("publish");
                if n % 25 == 0 {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
        })
    };
    // Readers that drop their connection every `chunk` events and resume with their
    // Last-Event-ID, while the publisher goes on.
    let mut readers = Vec::new();
    for chunk in [7_usize, 50, 333, 3000] {
        readers.push(tokio::spawn(async move {
            let mut last = None;
            let mut events = Vec::new();
            while events.len() < TOTAL as usize {
                let want = chunk.min(TOTAL as usize - events.len());
                events.extend(read_with_reconnects(|| addr, "/room", &mut last, want, WAIT).await);
            }
            events
        }));
    }
    publisher.await.expect("publisher");
    for reader in readers {
        let events = reader.await.expect("reader");
        assert_eq!(offsets(&events), (1..=TOTAL).collect::<Vec<_>>());
        assert_eq!(
            datas(&events),
            (1..=TOTAL).map(|n| format!("m{n}")).collect::<Vec<_>>()
        );
        assert!(events.iter().all(|event| event.event.is_none()));
    }
    server.stop().await;
}

#[tokio::test]
async fn the_history_is_bounded_by_count_and_a_client_behind_it_is_reset() {
    let hub = ChannelHub::builder()
        .history_size(3)
        .start(Start::Oldest)
        .build();
    let server = TestServer::start(channel_app(hub.clone())).await;
    let mut epoch = String::new();
    for n in 1..=10 {
        epoch = hub
            .publish("room", format!("m{n}"))
            .await
            .unwrap()
            .epoch()
            .to_owned();
    }
    // Resumable: offsets 8 to 10 are kept.
    let mut client =
        EventStreamClient::connect(server.addr(), "/room", Some(&format!("{epoch}:8"))).await;
    let hint = client.next(WAIT).await;
    assert_eq!(
        hint,
        Next::Event(StreamEvent {
            retry: Some(1000),
            ..StreamEvent::default()
        })
    );
    for n in 9..=10 {
        let Next::Event(event) = client.next_data(WAIT).await else {
            panic!("event {n}")
        };
        assert_eq!(event.id, Some(format!("{epoch}:{n}")));
        assert_eq!(event.data, Some(format!("m{n}")));
    }
    // Behind the history: the reset event, then what the history holds, then live.
    let mut behind =
        EventStreamClient::connect(server.addr(), "/room", Some(&format!("{epoch}:2"))).await;
    let Next::Event(reset) = behind.next_data(WAIT).await else {
        panic!("reset")
    };
    assert_eq!(reset.event.as_deref(), Some("reset"));
    assert_eq!(reset.data.as_deref(), Some("history"));
    assert_eq!(reset.id, Some(format!("{epoch}:7")));
    for n in 8..=10 {
        let Next::Event(event) = behind.next_data(WAIT).await else {
            panic!("event {n}")
        };
        assert_eq!(event.data, Some(format!("m{n}")));
    }
    hub.publish("room", "m11").await.unwrap();
    for stream in [&mut client, &mut behind] {
        let Next::Event(event) = stream.next_data(WAIT).await else {
            panic!("live")
        };
        assert_eq!(event.id, Some(format!("{epoch}:11")));
    }
    // Resuming from the reset event's id needs no second reset.
    let mut again =
        EventStreamClient::connect(server.addr(), "/room", Some(&format!("{epoch}:7"))).await;
    let Next::Event(event) = again.next_data(WAIT).await else {
        panic!("replay")
    };
    assert_eq!(event.id, Some(format!("{epoch}:8")));
    server.stop().await;
}

#[tokio::test]
async fn the_history_is_bounded_by_age() {
    let hub = ChannelHub::builder()
        .history_age(Duration::from_millis(300))
        .build();
    let server = TestServer::start(channel_app(hub.clone())).await;
    let first = hub.publish("room", "old").await.unwrap();
    // A listener keeps the channel (and its epoch) while the event ages out; a channel left
    // alone longer than the history age is forgotten, epoch included.
    let listener = EventStreamClient::connect(server.addr(), "/room", None).await;
    eventually(WAIT, "the listener", || hub.subscribers("room") == 1).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let fresh = hub.publish("room", "fresh").await.unwrap();
    assert_eq!(fresh.epoch(), first.epoch());
    // Offset 1 has aged out: a client that saw nothing is reset; Start::Now drops the rest.
    let mut client = EventStreamClient::connect(
        server.addr(),
        "/room",
        Some(&format!("{}:0", first.epoch())),
    )
    .await;
    let Next::Event(reset) = client.next_data(WAIT).await else {
        panic!("reset")
    };
    assert_eq!(
        (reset.event.as_deref(), reset.data.as_deref()),
        (Some("reset"), Some("history"))
    );
    assert_eq!(reset.id, Some(fresh.to_string()));
    // A client that saw offset 1 misses only what is still kept.
    let mut resumed =
        EventStreamClient::connect(server.addr(), "/room", Some(&first.to_string())).await;
    let Next::Event(event) = resumed.next_data(WAIT).await else {
        panic!("fresh")
    };
    assert_eq!(
        (event.id, event.data.as_deref()),
        (Some(fresh.to_string()), Some("fresh"))
    );
    drop(listener);
    server.stop().await;
}

#[tokio::test]
async fn ids_of_another_epoch_or_not_the_hubs_are_reset_with_the_configured_event() {
    let hub = ChannelHub::builder().reset_event("resync").build();
    let server = TestServer::start(channel_app(hub.clone())).await;
    let mut id = hub.publish("room", "one").await.unwrap();
    let foreign = [
        "not-an-id".to_owned(),
        "deadbeefdeadbeef:1".to_owned(),
        format!("{}:99", id.epoch()),
        format!(
            "{}:1",
            respond::ChannelHub::in_process()
                .publish("x", "y")
                .await
                .unwrap()
                .epoch()
        ),
        "7".to_owned(),
    ];
    for last in &foreign {
        let mut client = EventStreamClient::connect(server.addr(), "/room", Some(last)).await;
        let Next::Event(reset) = client.next_data(WAIT).await else {
            panic!("reset for {last}")
        };
        assert_eq!(reset.event.as_deref(), Some("resync"), "{last}");
        assert_eq!(reset.data.as_deref(), Some("epoch"), "{last}");
        assert_eq!(reset.id, Some(id.to_string()), "{last}");
        id = hub.publish("room", "next").await.unwrap();
        let Next::Event(live) = client.next_data(WAIT).await else {
            panic!("live after {last}")
        };
        assert_eq!(live.data.as_deref(), Some("next"));
    }
    // A restarted hub is a new epoch: ids of the old one are reset.
    let restarted = ChannelHub::in_process();
    let other = TestServer::start(channel_app(restarted.clone())).await;
    let mut client = EventStreamClient::connect(other.addr(), "/room", Some(&id.to_string())).await;
    let Next::Event(reset) = client.next_data(WAIT).await else {
        panic!("reset")
    };
    assert_eq!(
        (reset.event.as_deref(), reset.data.as_deref()),
        (Some("reset"), Some("epoch"))
    );
    other.stop().await;
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_subscriber_is_ended_and_resumes_from_history() {
    const TOTAL: u64 = 400;
    let hub = ChannelHub::builder().max_lag(8).history_size(1000).build();
    let server = TestServer::start(channel_app(hub.clone())).await;
    let mut slow = EventStreamClient::connect(server.addr(), "/room", None).await;
    eventually(WAIT, "the subscription", || hub.subscribers("room") == 1).await;
    // Far more than the socket buffers hold, while the client reads nothing.
    let big = "x".repeat(64 * 1024);
    for n in 1..=TOTAL {
        hub.publish("room", format!("{n} {big}")).await.unwrap();
    }
    let mut seen = Vec::new();
    loop {
        match slow.next_data(WAIT).await {
            Next::Event(event) => seen.push(event),
            Next::Ended => break,
            Next::TimedOut => panic!(
                "the slow subscriber was not ended after {} events",
                seen.len()
            ),
        }
    }
    assert!(
        (seen.len() as u64) < TOTAL,
        "the slow subscriber got all {TOTAL} events"
    );
    assert_eq!(
        offsets(&seen),
        (1..=seen.len() as u64).collect::<Vec<_>>(),
        "no skipped event before the end"
    );
    eventually(WAIT, "the ended subscriber to leave", || {
        hub.subscribers("room") == 0
    })
    .await;
    // Its reconnection resumes from the history, the rest exactly once.
    let mut last = slow.last_event_id.clone();
    let rest = read_with_reconnects(
        || server.addr(),
        "/room",
        &mut last,
        (TOTAL as usize) - seen.len(),
        WAIT,
    )
    .await;
    assert_eq!(
        offsets(&rest),
        (seen.len() as u64 + 1..=TOTAL).collect::<Vec<_>>()
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_connect_disconnect_cycles_leave_no_subscriber_behind() {
    let hub = ChannelHub::in_process();
    let server = TestServer::start(channel_app(hub.clone())).await;
    connect_disconnect_cycles(&hub, server.addr(), 20, 50).await;
    server.stop().await;
}

#[tokio::test]
async fn bad_channel_names_are_clear_errors() {
    let hub = ChannelHub::in_process();
    for (name, says) in [
        ("", "empty"),
        ("a\nb", "control"),
        (&"x".repeat(300) as &str, "256"),
    ] {
        let error = hub.publish(name, "x").await.unwrap_err();
        assert!(matches!(error, ChannelError::InvalidName { .. }));
        assert!(error.to_string().contains(says), "{error}");
        assert!(hub.subscribe_after(name, None).is_err());
    }
    let server = TestServer::start(channel_app(hub)).await;
    let client = EventStreamClient::connect(server.addr(), "/", None).await;
    assert_eq!(client.status, 400);
    server.stop().await;
}

#[tokio::test]
async fn events_keep_their_type_and_multiline_data_and_are_encoded_once() {
    let hub = ChannelHub::builder().start(Start::Oldest).build();
    let server = TestServer::start(channel_app(hub.clone())).await;
    hub.publish(
        "room",
        respond::ChannelEvent::new("line 1\nline 2").event("chat"),
    )
    .await
    .unwrap();
    let mut a = EventStreamClient::connect(server.addr(), "/room", None).await;
    let mut b = EventStreamClient::connect(server.addr(), "/room", None).await;
    for client in [&mut a, &mut b] {
        let Next::Event(event) = client.next_data(WAIT).await else {
            panic!("replay")
        };
        assert_eq!(event.event.as_deref(), Some("chat"));
        assert_eq!(event.data.as_deref(), Some("line 1\nline 2"));
    }
    server.stop().await;
}
