//! Event encoding: whatever the fields hold, the bytes parse (as the HTML event-stream parser
//! reads them) into exactly one event with the same data, and no field spills into another.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use respond::ServerSentEvent;

#[derive(Arbitrary, Debug)]
struct Input {
    data: Option<String>,
    event: Option<String>,
    id: Option<String>,
    comment: Option<String>,
    retry: Option<u32>,
}

/// Splits on CR LF, CR or LF, as the parser does.
fn lines(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(['\r', '\n']) {
        out.push(&rest[..at]);
        rest = if rest[at..].starts_with("\r\n") { &rest[at + 2..] } else { &rest[at + 1..] };
    }
    out.push(rest);
    out
}

fuzz_target!(|input: Input| {
    let mut event = match &input.data {
        Some(data) => ServerSentEvent::new(data.clone()),
        None => ServerSentEvent::empty(),
    };
    if let Some(name) = &input.event {
        event = event.event(name.clone());
    }
    if let Some(id) = &input.id {
        event = event.id(id.clone());
    }
    if let Some(comment) = &input.comment {
        event = event.comment(comment.clone());
    }
    if let Some(retry) = input.retry {
        event = event.retry(u64::from(retry));
    }
    let Ok(bytes) = event.encode() else {
        assert!(input.id.is_some_and(|id| id.contains('\0')), "only a NUL in the id may fail");
        return;
    };
    let text = std::str::from_utf8(&bytes).expect("UTF-8");
    assert!(text.ends_with("\r\n\r\n") || text == "\r\n", "{text:?}");
    let body = &text[..text.len() - 2];
    let mut data = Vec::new();
    for line in lines(body).into_iter().filter(|line| !line.is_empty()) {
        let (field, value) = line.split_once(": ").unwrap_or((line, ""));
        match field {
            "" => {}
            "data" => data.push(value),
            "event" => assert_eq!(Some(value.to_owned()), input.event.as_ref().map(|e| e.replace(['\r', '\n'], ""))),
            "id" => assert_eq!(Some(value.to_owned()), input.id.as_ref().map(|i| i.replace(['\r', '\n'], ""))),
            "retry" => assert_eq!(Some(value.parse::<u32>().unwrap()), input.retry),
            other => panic!("unexpected field {other:?} in {text:?}"),
        }
    }
    assert!(!body.contains("\r\n\r\n"), "an event ended early: {text:?}");
    if let Some(expected) = &input.data {
        assert_eq!(data, lines(expected), "data changed: {text:?}");
    }
});
