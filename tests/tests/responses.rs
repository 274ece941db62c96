//! Starlette's `tests/test_responses.py` cases for the plain kinds, each run through both
//! outlets: in memory as messages, and over a real socket through hyper.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use respond::{
    HtmlResponse, JsonResponse, Message, PlainTextResponse, RedirectResponse, Response, StatusCode,
    TestClient,
};
use respond_tests::{TestServer, both, raw_request, respond_with};
use serde_json::json;

#[tokio::test]
async fn text_response() {
    let app = respond_with(|| Response::new("hello, world").with_media_type("text/plain"));
    for outcome in both(app, "GET", "/", &[]).await {
        assert_eq!(outcome.status, 200, "{}", outcome.outlet);
        assert_eq!(outcome.text(), "hello, world", "{}", outcome.outlet);
        assert_eq!(
            outcome.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
        assert_eq!(outcome.header("content-length"), Some("12"));
    }
}

#[tokio::test]
async fn bytes_response() {
    let app = respond_with(|| Response::new(&b"xxxxx"[..]).with_media_type("image/png"));
    for outcome in both(app, "GET", "/", &[]).await {
        assert_eq!(outcome.body, &b"xxxxx"[..], "{}", outcome.outlet);
        assert_eq!(outcome.header("content-type"), Some("image/png"));
    }
}

#[tokio::test]
async fn every_body_type_is_sent_as_is() {
    let bodies: [fn() -> Response; 4] = [
        || Response::new("static"),
        || Response::new(String::from("static")),
        || Response::new(b"static".to_vec()),
        || Response::new(Bytes::from_static(b"static")),
    ];
    for make in bodies {
        for outcome in both(respond_with(make), "GET", "/", &[]).await {
            assert_eq!(outcome.body, "static", "{}", outcome.outlet);
            assert_eq!(outcome.header("content-length"), Some("6"));
            assert_eq!(
                outcome.header("content-type"),
                None,
                "no media type, no content-type"
            );
        }
    }
}

#[tokio::test]
async fn json_none_response() {
    let app = respond_with(|| JsonResponse::new(&Option::<u8>::None));
    for outcome in both(app, "GET", "/", &[]).await {
        assert_eq!(outcome.text(), "null", "{}", outcome.outlet);
        assert_eq!(outcome.header("content-type"), Some("application/json"));
        assert_eq!(outcome.header("content-length"), Some("4"));
    }
}

#[tokio::test]
async fn json_is_compact_and_raw_utf8() {
    let app = respond_with(|| {
        JsonResponse::new(&json!({"a": 1, "b": [1, 2.5, null, true], "u": "ünï😀"}))
    });
    for outcome in both(app, "GET", "/", &[]).await {
        assert_eq!(
            outcome.text(),
            r#"{"a":1,"b":[1,2.5,null,true],"u":"ünï😀"}"#
        );
        assert_eq!(
            outcome.header("content-length"),
            Some("45"),
            "{}",
            outcome.outlet
        );
    }
}

#[tokio::test]
async fn json_nan_is_an_error_never_null() {
    let app = respond_with(|| JsonResponse::new(&json!({"x": 1}).as_object().map(|_| f64::NAN)));
    let error = TestClient::new(app.clone())
        .get("/")
        .try_send()
        .await
        .unwrap_err();
    assert!(matches!(error, respond::Error::Json(_)), "{error:?}");
    assert!(error.to_string().contains("not a finite number"), "{error}");

    let server = TestServer::start(app).await;
    let response = raw_request(server.addr(), "GET", "/", &[]).await;
    assert_eq!(response.status, 500);
    assert_eq!(response.text(), "Internal Server Error");
    server.stop().await;
}

#[tokio::test]
async fn redirect_response() {
    let app = |scope: respond::Scope, mut receive: respond::Receiver, mut send: respond::Sender| async move {
        if scope.path() == "/" {
            PlainTextResponse::new("hello, world")
                .send(&scope, &mut receive, &mut send)
                .await
        } else {
            RedirectResponse::new("/")
                .send(&scope, &mut receive, &mut send)
                .await
        }
    };
    for outcome in both(app, "GET", "/redirect", &[]).await {
        assert_eq!(outcome.status, 307, "{}", outcome.outlet);
        assert_eq!(outcome.header("location"), Some("/"));
        assert_eq!(outcome.header("content-length"), Some("0"));
        assert_eq!(outcome.header("content-type"), None);
        assert!(outcome.body.is_empty());
    }
    // Following it lands on the page.
    for outcome in both(app, "GET", "/", &[]).await {
        assert_eq!(outcome.text(), "hello, world");
    }
}

#[tokio::test]
async fn quoting_redirect_response() {
    let app = respond_with(|| RedirectResponse::new("/I ♥ Starlette/"));
    for outcome in both(app, "GET", "/", &[]).await {
        assert_eq!(
            outcome.header("location"),
            Some("/I%20%E2%99%A5%20Starlette/"),
            "{}",
            outcome.outlet
        );
    }
    let app = respond_with(|| RedirectResponse::new("/x\r\nset-cookie: stolen=1"));
    for outcome in both(app, "GET", "/", &[]).await {
        assert_eq!(
            outcome.header("location"),
            Some("/x%0D%0Aset-cookie:%20stolen=1")
        );
        assert_eq!(outcome.header("set-cookie"), None, "{}", outcome.outlet);
    }
}

#[tokio::test]
async fn redirect_accepts_any_3xx_and_only_3xx() {
    for code in [301, 302, 303, 307, 308] {
        let app = respond_with(move || RedirectResponse::new("/there").with_status(code));
        for outcome in both(app, "GET", "/", &[]).await {
            assert_eq!(outcome.status, code, "{}", outcome.outlet);
            assert_eq!(outcome.header("location"), Some("/there"));
        }
    }
    let app = respond_with(|| RedirectResponse::new("/").with_status(200));
    let error = TestClient::new(app).get("/").try_send().await.unwrap_err();
    assert!(
        matches!(error, respond::Error::InvalidStatus(_)),
        "{error:?}"
    );
}

#[tokio::test]
async fn response_headers() {
    let app = respond_with(|| {
        let mut response = Response::new("hello, world")
            .with_media_type("text/plain")
            .with_header("x-header-1", "123")
            .with_header("X-Header-2", "456");
        response
            .headers_mut()
            .insert("x-header-2", "789".parse().unwrap());
        response
    });
    for outcome in both(app, "GET", "/", &[]).await {
        assert_eq!(
            outcome.header("x-header-1"),
            Some("123"),
            "{}",
            outcome.outlet
        );
        assert_eq!(outcome.header_all("x-header-2"), ["789"]);
    }
}

#[tokio::test]
async fn header_names_are_lower_case_on_the_wire() {
    let server = TestServer::start(respond_with(|| {
        Response::new("x").with_header("X-Mixed-Case", "v")
    }))
    .await;
    let response = raw_request(server.addr(), "GET", "/", &[]).await;
    assert!(
        response.head.contains("\r\nx-mixed-case: v"),
        "{}",
        response.head
    );
    assert!(
        response.head.contains("\r\ncontent-length: 1"),
        "{}",
        response.head
    );
    server.stop().await;
}

#[tokio::test]
async fn invalid_header_values_are_refused() {
    for bad in ["a\r\nx-evil: 1", "a\nb", "nul\0", "ünï"] {
        let app = respond_with(move || Response::new("x").with_header("x-user", bad));
        let error = TestClient::new(app.clone())
            .get("/")
            .try_send()
            .await
            .unwrap_err();
        assert!(
            matches!(error, respond::Error::InvalidHeader { .. }),
            "{bad:?}: {error:?}"
        );
        let server = TestServer::start(app).await;
        let response = raw_request(server.addr(), "GET", "/", &[]).await;
        assert_eq!(response.status, 500, "{bad:?}");
        assert_eq!(response.header("x-evil"), None);
        server.stop().await;
    }
    let error = Response::new("x")
        .with_header("bad name", "v")
        .error()
        .map(ToString::to_string);
    assert!(error.unwrap().contains("not a valid header name"));
}

#[tokio::test]
async fn response_phrase() {
    let server = TestServer::start(respond_with(|| Response::empty().with_status(204))).await;
    let response = raw_request(server.addr(), "GET", "/", &[]).await;
    assert!(
        response.head.starts_with("HTTP/1.1 204 No Content\r\n"),
        "{}",
        response.head
    );
    server.stop().await;

    let server = TestServer::start(respond_with(|| Response::empty().with_status(599))).await;
    let response = raw_request(server.addr(), "GET", "/", &[]).await;
    assert_eq!(response.status, 599);
    server.stop().await;
}

#[tokio::test]
async fn empty_response() {
    for outcome in both(respond_with(Response::empty), "GET", "/", &[]).await {
        assert_eq!(outcome.status, 200);
        assert!(outcome.body.is_empty());
        assert_eq!(
            outcome.header("content-length"),
            Some("0"),
            "{}",
            outcome.outlet
        );
        assert_eq!(outcome.header("content-type"), None);
    }
}

#[tokio::test]
async fn empty_204_response() {
    let app = respond_with(|| Response::empty().with_status(StatusCode::NO_CONTENT));
    for outcome in both(app, "GET", "/", &[]).await {
        assert_eq!(outcome.status, 204);
        assert_eq!(outcome.header("content-length"), None, "{}", outcome.outlet);
    }
}

#[tokio::test]
async fn no_body_and_no_length_for_1xx_204_304() {
    // RFC 9110: these statuses carry no content, whatever the app gave.
    for code in [204, 304] {
        let app = respond_with(move || Response::new("ignored").with_status(code));
        for outcome in both(app, "GET", "/", &[]).await {
            assert_eq!(outcome.status, code);
            assert_eq!(
                outcome.header("content-length"),
                None,
                "{code} {}",
                outcome.outlet
            );
            assert!(outcome.body.is_empty(), "{code} {}", outcome.outlet);
        }
    }
    // Changing the status back restores the computed length.
    let response = Response::new("abc").with_status(204).with_status(200);
    assert_eq!(response.headers()["content-length"], "3");
}

#[tokio::test]
async fn non_empty_response() {
    for outcome in both(respond_with(|| Response::new("hi")), "GET", "/", &[]).await {
        assert_eq!(
            outcome.header("content-length"),
            Some("2"),
            "{}",
            outcome.outlet
        );
    }
}

#[tokio::test]
async fn user_content_length_is_kept() {
    let response = Response::new("hi")
        .with_header("content-length", "2")
        .with_status(201);
    assert_eq!(response.headers()["content-length"], "2");
    let response = Response::new("abc")
        .with_header("content-length", "3")
        .with_status(204);
    assert_eq!(
        response.headers()["content-length"],
        "3",
        "a user value is never removed"
    );
}

#[tokio::test]
async fn response_do_not_add_redundant_charset() {
    let app = respond_with(|| Response::new("foo").with_media_type("text/plain; charset=utf-8"));
    for outcome in both(app, "GET", "/", &[]).await {
        assert_eq!(
            outcome.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
    }
}

#[tokio::test]
async fn text_kinds_have_their_media_type() {
    for outcome in both(
        respond_with(|| HtmlResponse::new("<h1>x</h1>")),
        "GET",
        "/",
        &[],
    )
    .await
    {
        assert_eq!(
            outcome.header("content-type"),
            Some("text/html; charset=utf-8")
        );
        assert_eq!(outcome.text(), "<h1>x</h1>");
    }
    let app = respond_with(|| PlainTextResponse::new("a,b").with_media_type("text/csv"));
    for outcome in both(app, "GET", "/", &[]).await {
        assert_eq!(
            outcome.header("content-type"),
            Some("text/csv; charset=utf-8")
        );
    }
    let app = respond_with(|| HtmlResponse::new("x").with_header("content-type", "text/x-custom"));
    for outcome in both(app, "GET", "/", &[]).await {
        assert_eq!(
            outcome.header("content-type"),
            Some("text/x-custom"),
            "a user content-type wins"
        );
    }
}

#[tokio::test]
async fn populate_headers() {
    let app = respond_with(|| Response::new("hi").with_media_type("text/html"));
    for outcome in both(app, "GET", "/", &[]).await {
        assert_eq!(outcome.text(), "hi");
        assert_eq!(outcome.header("content-length"), Some("2"));
        assert_eq!(
            outcome.header("content-type"),
            Some("text/html; charset=utf-8")
        );
    }
}

#[tokio::test]
async fn head_method() {
    let app = respond_with(|| Response::new("hello, world").with_media_type("text/plain"));
    for outcome in both(app.clone(), "HEAD", "/", &[]).await {
        assert!(outcome.body.is_empty(), "{}", outcome.outlet);
        assert_eq!(
            outcome.header("content-length"),
            Some("12"),
            "{}",
            outcome.outlet
        );
        assert_eq!(
            outcome.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
    }
    let response = TestClient::new(app).head("/").send().await;
    assert_eq!(response.messages()[1], Message::body("", false));
}

#[tokio::test]
async fn background_runs_after_the_body() {
    let ran = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&ran);
    let app = respond_with(move || {
        let flag = Arc::clone(&flag);
        Response::new("hello").with_background(async move {
            flag.store(true, Ordering::SeqCst);
        })
    });
    let response = TestClient::new(app.clone()).get("/").send().await;
    assert_eq!(response.text(), "hello");
    assert!(
        ran.swap(false, Ordering::SeqCst),
        "background ran before send() returned"
    );

    let server = TestServer::start(app).await;
    let response = raw_request(server.addr(), "GET", "/", &[]).await;
    assert_eq!(response.text(), "hello");
    for _ in 0..100 {
        if ran.load(Ordering::SeqCst) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(ran.load(Ordering::SeqCst), "background ran on the server");
    server.stop().await;
}

#[tokio::test]
async fn background_tasks_run_in_order() {
    let order = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (first, second) = (Arc::clone(&order), Arc::clone(&order));
    let app = respond_with(move || {
        let (first, second) = (Arc::clone(&first), Arc::clone(&second));
        Response::empty()
            .with_background(async move { first.lock().unwrap().push(1) })
            .with_background(async move { second.lock().unwrap().push(2) })
    });
    TestClient::new(app).get("/").send().await;
    assert_eq!(*order.lock().unwrap(), [1, 2]);
}

#[tokio::test]
async fn status_codes_out_of_range_are_errors() {
    assert!(Response::empty().with_status(600).error().is_some());
    assert!(Response::empty().with_status(99).error().is_some());
    assert!(Response::empty().with_status(1000).error().is_some());
    assert!(Response::empty().with_status(599).error().is_none());
    assert!(Response::empty().with_status(100).error().is_none());
}

#[tokio::test]
async fn message_sequence_of_a_plain_response() {
    let app = respond_with(|| PlainTextResponse::new("hello"));
    let response = TestClient::new(app).get("/").send().await;
    let messages = response.messages();
    assert_eq!(messages.len(), 2);
    let Message::Start { status, headers } = &messages[0] else {
        panic!("start first: {messages:?}");
    };
    assert_eq!(*status, 200);
    assert_eq!(headers["content-length"], "5");
    assert_eq!(messages[1], Message::body("hello", false));
}

#[tokio::test]
async fn websocket_scope_denial_response() {
    let app = respond_with(|| PlainTextResponse::new("denied").with_status(403));
    let response = TestClient::new(app)
        .get("/ws")
        .scope(|_| respond::Scope::websocket("/ws"))
        .send()
        .await;
    assert_eq!(response.status(), 403);
    assert_eq!(response.text(), "denied");
}
