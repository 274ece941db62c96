//! One micro-benchmark case run `N` times, for `valgrind --tool=callgrind`: instruction
//! counts are exact and repeatable, so they compare respond and axum even on a busy machine.
//!
//! `valgrind --tool=callgrind target/release/micro-probe respond-plain 100000`

use std::hint::black_box;

use axum::response::IntoResponse as _;
use respond::{JsonResponse, Method, PlainTextResponse, Scope};
use respond_benches::{ITEM, ready};

fn main() {
    let mut args = std::env::args().skip(1);
    let case = args.next().unwrap_or_else(|| "respond-plain".into());
    let n: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(100_000);
    let scope = Scope::new(Method::GET, "/");
    for _ in 0..n {
        match case.as_str() {
            "respond-plain" => {
                black_box(
                    ready(PlainTextResponse::new(black_box("Hello, world!")).into_http(&scope))
                        .unwrap(),
                );
            }
            "axum-plain" => {
                black_box(black_box("Hello, world!").into_response());
            }
            "axum-plain-length-await" => {
                black_box(ready(async {
                    let mut response = black_box("Hello, world!").into_response();
                    response.headers_mut().insert(
                        axum::http::header::CONTENT_LENGTH,
                        axum::http::HeaderValue::from_static("13"),
                    );
                    response
                }));
            }
            "respond-json" => {
                black_box(ready(JsonResponse::new(black_box(&ITEM)).into_http(&scope)).unwrap());
            }
            "axum-json" => {
                black_box(axum::Json(black_box(ITEM.clone())).into_response());
            }
            "empty" => {}
            "sizes" => {
                println!(
                    "http::Response<respond::Body> {} bytes, http::Response<axum::body::Body> {} bytes",
                    std::mem::size_of::<http::Response<respond::Body>>(),
                    std::mem::size_of::<axum::response::Response>(),
                );
                return;
            }
            other => panic!("unknown case {other}"),
        }
    }
}
