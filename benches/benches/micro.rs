//! Building and rendering each response kind, next to axum's equivalent where there is one.
//!
//! `cargo bench --bench micro` (from `benches/`). Each respond case resolves the response
//! for a request into the `http::Response` hyper sends, which is what axum's
//! `into_response()` produces.

use std::hint::black_box;

use axum::http::HeaderValue;
use axum::http::header::CONTENT_LENGTH;
use axum::response::IntoResponse as _;
use criterion::{Criterion, criterion_group, criterion_main};
use respond::{
    Cookie, HtmlResponse, JsonResponse, Method, PlainTextResponse, RedirectResponse, SameSite,
    Scope, ServerSentEvent,
};
use respond_benches::{ITEM, ready};
use serde::Serialize;

#[respond::response(media_type = "application/json", status = 201)]
#[derive(Serialize)]
struct Created {
    id: u64,
    name: &'static str,
}

/// axum's plain response with its Content-Length header set the cheapest way: a value
/// known in advance, so nothing is formatted or allocated (respond formats small lengths
/// without allocating too).
fn with_length(body: &'static str) -> axum::response::Response {
    let mut response = body.into_response();
    response
        .headers_mut()
        .insert(CONTENT_LENGTH, HeaderValue::from_static("13"));
    response
}

fn kinds(c: &mut Criterion) {
    let scope = Scope::new(Method::GET, "/");

    let mut group = c.benchmark_group("plain");
    group.bench_function("respond", |b| {
        b.iter(|| {
            ready(PlainTextResponse::new(black_box("Hello, world!")).into_http(&scope)).unwrap()
        })
    });
    group.bench_function("axum", |b| {
        b.iter(|| black_box("Hello, world!").into_response())
    });
    // What two points of respond's contract cost, priced on axum itself: `headers()` shows
    // the computed Content-Length (axum leaves it to hyper's encoder), and `into_http` is
    // awaited (a future around the answer, moved into and out of the poll).
    group.bench_function("axum+length", |b| {
        b.iter(|| with_length(black_box("Hello, world!")))
    });
    group.bench_function("axum+length+await", |b| {
        b.iter(|| ready(async { with_length(black_box("Hello, world!")) }))
    });
    group.finish();

    let mut group = c.benchmark_group("html");
    group.bench_function("respond", |b| {
        b.iter(|| ready(HtmlResponse::new(black_box("<h1>Hello</h1>")).into_http(&scope)).unwrap())
    });
    group.bench_function("axum", |b| {
        b.iter(|| axum::response::Html(black_box("<h1>Hello</h1>")).into_response())
    });
    group.finish();

    let mut group = c.benchmark_group("json");
    group.bench_function("respond", |b| {
        b.iter(|| ready(JsonResponse::new(black_box(&ITEM)).into_http(&scope)).unwrap())
    });
    group.bench_function("axum", |b| {
        b.iter(|| axum::Json(black_box(ITEM.clone())).into_response())
    });
    group.finish();

    let mut group = c.benchmark_group("redirect");
    group.bench_function("respond", |b| {
        b.iter(|| {
            ready(RedirectResponse::new(black_box("/next/page?q=1")).into_http(&scope)).unwrap()
        })
    });
    group.bench_function("axum", |b| {
        b.iter(|| axum::response::Redirect::temporary(black_box("/next/page?q=1")).into_response())
    });
    group.finish();

    let mut group = c.benchmark_group("typed");
    group.bench_function("respond #[response] json", |b| {
        b.iter(|| {
            let created = Created {
                id: 7,
                name: black_box("widget"),
            };
            ready(respond::IntoResponse::into_response(created).into_http(&scope)).unwrap()
        })
    });
    group.bench_function("axum (StatusCode, Json)", |b| {
        b.iter(|| (http::StatusCode::CREATED, axum::Json(ITEM.clone())).into_response())
    });
    group.finish();
}

fn cookies(c: &mut Criterion) {
    let mut group = c.benchmark_group("set-cookie");
    group.bench_function("render", |b| {
        b.iter(|| {
            Cookie::new(black_box("session"), black_box("abc123"))
                .with_max_age(3600)
                .with_httponly(true)
                .with_samesite(SameSite::Strict)
                .header_value()
                .unwrap()
        })
    });
    group.bench_function("cookie! macro", |b| {
        b.iter(|| {
            respond::cookie!(
                "session" = black_box("abc123"),
                max_age = 3600,
                httponly,
                samesite = "strict"
            )
            .header_value()
            .unwrap()
        })
    });
    group.finish();
}

fn events(c: &mut Criterion) {
    let mut group = c.benchmark_group("sse-event");
    group.bench_function("respond encode", |b| {
        b.iter(|| {
            ServerSentEvent::new(black_box("line one\nline two"))
                .event("update")
                .id("42")
                .encode()
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, kinds, cookies, events);
criterion_main!(benches);
