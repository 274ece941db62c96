//! respond's `openapi` feature: every form of `#[response]` (struct, tuple, unit, enum,
//! generic, handler) and the response kinds describe themselves to utoipa, and what they
//! describe is what they send: each route's real responses, through the test client, are
//! checked against the document built from the descriptions (`respond_tests::openapi`), and
//! every documented response is produced by some request.
//!
//! Run with `cargo test -p respond-tests --features openapi --test openapi`.

#![deny(warnings)]

use std::path::PathBuf;
use std::time::Duration;

use futures_util::stream;
use respond::openapi::utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem};
use respond::openapi::utoipa::openapi::response::ResponsesBuilder;
use respond::openapi::utoipa::openapi::{OpenApi, OpenApiBuilder, PathsBuilder, RefOr};
use respond::openapi::utoipa::{IntoResponses, ToResponse};
use respond::{
    App, Cookie, EventSourceResponse, FileResponse, HtmlResponse, JsonResponse, PlainTextResponse,
    Receiver, RedirectResponse, Scope, Sender, ServerSentEvent, StatusCode, TestClient,
};
use respond_tests::openapi::{Observed, SpecChecker};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

/// The item was created.
#[respond::response(media_type = "application/json", status = 201)]
#[derive(Serialize, ToSchema)]
struct Created {
    id: u64,
    name: String,
    #[header("location")]
    location: String,
    #[cookie]
    session: Cookie,
}

/// A page; 404 when there is no such page.
#[respond::response(media_type = "text/html")]
struct Page {
    #[body]
    html: String,
    #[header("x-page-id")]
    id: Option<u32>,
    #[status(200, 404)]
    status: StatusCode,
}

#[respond::response(media_type = "image/png")]
struct Image(&'static [u8]);

/// Any status, decided by the caller.
#[respond::response(media_type = "text/plain")]
struct Bare {
    #[body]
    text: &'static str,
    #[status]
    status: StatusCode,
}

/// Queued (202), or already done (201).
#[respond::response(media_type = "text/plain", status = 202)]
struct Job {
    #[body]
    text: &'static str,
    #[status(201)]
    done: Option<StatusCode>,
}

#[respond::response(status = 204)]
struct NoContent;

#[respond::response(media_type = "text/csv")]
struct Csv(String);

#[derive(Serialize, ToSchema)]
struct Item {
    id: u32,
    name: String,
}

#[derive(Serialize, ToSchema)]
struct Problem {
    detail: String,
}

#[respond::response(media_type = "application/json")]
enum Lookup {
    /// The item.
    Found(Item),
    /// No item has this id.
    #[response(status = 404, media_type = "text/plain")]
    Missing(String),
    /// The item was deleted.
    #[response(status = 410)]
    Gone,
    /// The id is not a number.
    #[response(status = 400, media_type = "text/plain")]
    BadId(String),
    /// The request is wrong in another way.
    #[response(status = 400)]
    Invalid(Problem),
}

/// A generic JSON envelope.
#[respond::response(media_type = "application/json")]
struct Envelope<T> {
    #[body]
    data: T,
}

/// Says hello.
#[respond::response(media_type = "text/plain")]
async fn hello() -> String {
    String::from("hello")
}

#[respond::response(media_type = "application/json", status = 201)]
async fn new_item() -> Item {
    Item {
        id: 3,
        name: String::from("new"),
    }
}

#[respond::response]
async fn html_page() -> HtmlResponse {
    HtmlResponse::new("<p>page</p>")
}

#[respond::response(status = 202)]
async fn accepted() -> PlainTextResponse {
    PlainTextResponse::new("accepted")
}

#[respond::response(media_type = "application/json")]
async fn maybe(scope: &Scope) -> Result<Item, Lookup> {
    match scope.query() {
        "id=1" => Ok(Item {
            id: 1,
            name: String::from("one"),
        }),
        "id=x" => Err(Lookup::BadId(String::from("not a number"))),
        "id=" => Err(Lookup::Invalid(Problem {
            detail: String::from("empty id"),
        })),
        "id=2" => Err(Lookup::Gone),
        _ => Err(Lookup::Missing(String::from("none"))),
    }
}

#[respond::response(status = 204)]
async fn nothing() {}

fn hello_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/static/hello.txt")
}

/// The routes: documented path, and its description.
fn routes() -> Vec<(&'static str, Responses)> {
    vec![
        ("/created", Created::responses()),
        ("/page", Page::responses()),
        ("/image", Image::responses()),
        ("/bare", Bare::responses()),
        ("/job", Job::responses()),
        ("/empty", NoContent::responses()),
        ("/csv", Csv::responses()),
        ("/lookup", Lookup::responses()),
        ("/envelope", Envelope::<Item>::responses()),
        ("/hello", hello::responses()),
        ("/new", new_item::responses()),
        ("/html", html_page::responses()),
        ("/accepted", accepted::responses()),
        ("/maybe", maybe::responses()),
        ("/nothing", nothing::responses()),
        ("/redirect", RedirectResponse::responses()),
        ("/file", FileResponse::responses()),
        ("/events", EventSourceResponse::responses()),
        ("/json", JsonResponse::responses()),
        ("/plain", PlainTextResponse::responses()),
    ]
}

/// What `IntoResponses::responses` gives.
type Responses =
    std::collections::BTreeMap<String, RefOr<respond::openapi::utoipa::openapi::Response>>;

fn document() -> OpenApi {
    let mut paths = PathsBuilder::new();
    for (path, responses) in routes() {
        let mut built = ResponsesBuilder::new();
        for (status, response) in responses {
            built = built.response(status, response);
        }
        let operation = OperationBuilder::new().responses(built.build());
        paths = paths.path(path, PathItem::new(HttpMethod::Get, operation));
    }
    OpenApiBuilder::new().paths(paths).build()
}

async fn app(scope: Scope, mut receive: Receiver, mut send: Sender) -> respond::Result<()> {
    let query = scope.query().to_owned();
    let response = match scope.path() {
        "/created" => Created {
            id: 7,
            name: String::from("seven"),
            location: String::from("/items/7"),
            session: Cookie::new("session", "abc"),
        }
        .into_response(),
        "/page" => Page {
            html: String::from("<p>hi</p>"),
            id: (query != "missing").then_some(5),
            status: if query == "missing" {
                StatusCode::NOT_FOUND
            } else {
                StatusCode::OK
            },
        }
        .into_response(),
        "/image" => Image(b"\x89PNG\r\n\x1a\n").into_response(),
        "/bare" => Bare {
            text: "teapot",
            status: if query == "teapot" {
                StatusCode::IM_A_TEAPOT
            } else {
                StatusCode::OK
            },
        }
        .into_response(),
        "/job" => Job {
            text: "job",
            done: (query == "done").then_some(StatusCode::CREATED),
        }
        .into_response(),
        "/empty" => NoContent.into_response(),
        "/csv" => Csv(String::from("a,b\n1,2\n")).into_response(),
        "/lookup" => match query.as_str() {
            "found" => Lookup::Found(Item {
                id: 1,
                name: String::from("one"),
            }),
            "gone" => Lookup::Gone,
            "bad" => Lookup::BadId(String::from("x is not a number")),
            "invalid" => Lookup::Invalid(Problem {
                detail: String::from("no"),
            }),
            _ => Lookup::Missing(String::from("no such item")),
        }
        .into_response(),
        "/envelope" => Envelope {
            data: Item {
                id: 2,
                name: String::from("two"),
            },
        }
        .into_response(),
        "/hello" => return hello.call(scope, receive, send).await,
        "/new" => return new_item.call(scope, receive, send).await,
        "/html" => return html_page.call(scope, receive, send).await,
        "/accepted" => return accepted.call(scope, receive, send).await,
        "/maybe" => return maybe.call(scope, receive, send).await,
        "/nothing" => return nothing.call(scope, receive, send).await,
        "/redirect" => RedirectResponse::new("/plain").into_response(),
        "/file" => FileResponse::new(hello_file()).into_response(),
        "/events" => {
            let events = stream::iter([ServerSentEvent::new("one"), ServerSentEvent::new("two")]);
            EventSourceResponse::new(events)
                .with_ping(Duration::from_secs(60))
                .into_response()
        }
        "/json" => JsonResponse::new(&serde_json::json!({"any": [1, 2]})).into_response(),
        _ => PlainTextResponse::new("plain").into_response(),
    };
    response.send(&scope, &mut receive, &mut send).await
}

/// Every request the test makes: path with query, and request headers.
fn requests(etag: &str) -> Vec<(String, Vec<(&'static str, String)>)> {
    let plain = |target: &str| (target.to_owned(), Vec::new());
    let mut requests: Vec<_> = [
        "/created",
        "/page",
        "/page?missing",
        "/image",
        "/bare",
        "/bare?teapot",
        "/job",
        "/job?done",
        "/empty",
        "/csv",
        "/lookup?found",
        "/lookup?missing",
        "/lookup?gone",
        "/lookup?bad",
        "/lookup?invalid",
        "/envelope",
        "/hello",
        "/new",
        "/html",
        "/accepted",
        "/maybe?id=1",
        "/maybe?id=9",
        "/maybe?id=2",
        "/maybe?id=x",
        "/maybe?id=",
        "/nothing",
        "/redirect",
        "/file",
        "/events",
        "/json",
        "/plain",
    ]
    .into_iter()
    .map(plain)
    .collect();
    let file = |name: &'static str, value: String| ("/file".to_owned(), vec![(name, value)]);
    requests.push(file("range", String::from("bytes=0-3")));
    requests.push(file("range", String::from("bytes=999999-")));
    requests.push(file("if-none-match", etag.to_owned()));
    requests.push(file("if-match", String::from("\"another\"")));
    requests
}

async fn observe(client: &TestClient, target: &str, headers: &[(&str, String)]) -> Observed {
    let mut request = client.get(target);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let response = request.send().await;
    Observed {
        status: response.status().as_u16(),
        headers: response
            .headers()
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: response.body().to_vec(),
    }
}

#[tokio::test]
async fn every_documented_response_is_sent_and_every_sent_response_is_documented() {
    let spec: Value = serde_json::to_value(document()).expect("the document serialises");
    let mut checker = SpecChecker::new(spec);
    let client = TestClient::new(app);
    let etag = client
        .get("/file")
        .send()
        .await
        .header("etag")
        .expect("FileResponse sends an ETag")
        .to_owned();
    let mut failures = Vec::new();
    for (target, headers) in requests(&etag) {
        let observed = observe(&client, &target, &headers).await;
        let path = target.split('?').next().unwrap_or_default();
        if let Err(problem) = checker.check("get", path, &observed) {
            failures.push(problem);
        }
    }
    assert!(
        failures.is_empty(),
        "responses that break the document:\n{}",
        failures.join("\n")
    );
    let unseen = checker.unseen();
    assert!(unseen.is_empty(), "documented but never sent: {unseen:?}");
}

fn only(responses: &Responses, status: &str) -> Value {
    let response = responses
        .get(status)
        .unwrap_or_else(|| panic!("no {status} in {:?}", responses.keys()));
    serde_json::to_value(response).expect("serialises")
}

#[test]
fn a_struct_documents_status_media_type_schema_headers_and_cookies() {
    let created = only(&Created::responses(), "201");
    assert_eq!(created["description"], "The item was created.");
    let schema = &created["content"]["application/json"]["schema"];
    assert_eq!(schema["properties"]["id"]["type"], "integer");
    // The header and cookie fields are not part of the JSON body.
    assert!(schema["properties"].get("location").is_none(), "{schema}");
    assert!(schema["properties"].get("session").is_none(), "{schema}");
    assert_eq!(created["headers"]["location"]["schema"]["type"], "string");
    assert!(created["headers"].get("set-cookie").is_some());
    let (name, response) = Created::response();
    assert_eq!(name, "Created");
    assert!(matches!(response, RefOr::T(_)));
}

#[test]
fn text_is_a_string_bytes_a_binary_string_and_no_body_no_content() {
    let page = only(&Page::responses(), "200");
    assert_eq!(page["content"]["text/html"]["schema"]["type"], "string");
    assert_eq!(page["headers"]["x-page-id"]["schema"]["type"], "integer");
    assert_eq!(
        page["headers"]["x-page-id"]["description"],
        "Sent when the response sets it"
    );
    let image = only(&Image::responses(), "200");
    assert_eq!(image["content"]["image/png"]["schema"]["format"], "binary");
    let empty = only(&NoContent::responses(), "204");
    assert!(
        empty
            .get("content")
            .is_none_or(|content| content.as_object().is_some_and(|c| c.is_empty())),
        "{empty}"
    );
    assert_eq!(empty["description"], "No Content");
}

#[test]
fn a_status_field_documents_its_listed_statuses_or_default() {
    let page: Vec<String> = Page::responses().into_keys().collect();
    assert_eq!(page, ["200", "404"]);
    let bare: Vec<String> = Bare::responses().into_keys().collect();
    assert_eq!(bare, ["200", "default"]);
    // `None` keeps the declared 202.
    let job: Vec<String> = Job::responses().into_keys().collect();
    assert_eq!(job, ["201", "202"]);
}

#[test]
fn enum_variants_are_statuses_and_two_of_one_status_merge() {
    let lookup = Lookup::responses();
    let keys: Vec<&String> = lookup.keys().collect();
    assert_eq!(keys, ["200", "400", "404", "410"]);
    let bad = only(&lookup, "400");
    assert_eq!(bad["content"]["text/plain"]["schema"]["type"], "string");
    assert_eq!(
        bad["content"]["application/json"]["schema"]["properties"]["detail"]["type"],
        "string"
    );
    assert_eq!(
        bad["description"],
        "The id is not a number.\n\nThe request is wrong in another way."
    );
}

#[test]
fn handlers_document_their_body_or_their_value_and_their_error() {
    let greeting = only(&hello::responses(), "200");
    assert_eq!(greeting["description"], "Says hello.");
    assert_eq!(
        greeting["content"]["text/plain"]["schema"]["type"],
        "string"
    );
    assert!(only(&new_item::responses(), "201")["content"]["application/json"].is_object());
    assert!(only(&html_page::responses(), "200")["content"]["text/html"].is_object());
    assert!(only(&accepted::responses(), "202")["content"]["text/plain"].is_object());
    let either: Vec<String> = maybe::responses().into_keys().collect();
    assert_eq!(either, ["200", "400", "404", "410"]);
    let empty: Vec<String> = nothing::responses().into_keys().collect();
    assert_eq!(empty, ["204"]);
}

#[test]
fn the_kinds_describe_themselves() {
    let file: Vec<String> = FileResponse::responses().into_keys().collect();
    assert_eq!(file, ["200", "206", "304", "412", "416"]);
    assert!(only(&FileResponse::responses(), "200")["headers"]["accept-ranges"].is_object());
    assert!(only(&RedirectResponse::responses(), "307")["headers"]["location"].is_object());
    assert!(
        only(&EventSourceResponse::responses(), "200")["content"]["text/event-stream"].is_object()
    );
}

/// The generated impls drop into utoipa's own derives.
#[utoipa::path(get, path = "/created", responses(Created))]
#[allow(dead_code)]
fn created_route() {}

#[utoipa::path(get, path = "/lookup", responses(Lookup))]
#[allow(dead_code)]
fn lookup_route() {}

#[derive(utoipa::OpenApi)]
#[openapi(paths(created_route, lookup_route), components(responses(Created)))]
struct Api;

#[test]
fn the_impls_drop_into_utoipa_path_and_openapi_derives() {
    use utoipa::OpenApi as _;
    let spec = serde_json::to_value(Api::openapi()).expect("serialises");
    let created = &spec["paths"]["/created"]["get"]["responses"]["201"];
    assert!(created["headers"]["location"].is_object(), "{spec}");
    let lookup = &spec["paths"]["/lookup"]["get"]["responses"];
    assert!(lookup["404"]["content"]["text/plain"].is_object(), "{spec}");
    assert!(
        spec["components"]["responses"]["Created"].is_object(),
        "{spec}"
    );
}

#[test]
fn the_checker_refuses_what_the_document_does_not_say() {
    let spec = serde_json::to_value(document()).expect("serialises");
    let mut checker = SpecChecker::new(spec);
    let teapot = Observed {
        status: 418,
        headers: vec![(String::from("content-type"), String::from("text/plain"))],
        body: b"short and stout".to_vec(),
    };
    let problem = checker.check("get", "/hello", &teapot).unwrap_err();
    assert!(
        problem.contains("418, which is not documented"),
        "{problem}"
    );
    let wrong_type = Observed {
        status: 200,
        headers: vec![(String::from("content-type"), String::from("text/html"))],
        body: b"<p>".to_vec(),
    };
    let problem = checker.check("get", "/hello", &wrong_type).unwrap_err();
    assert!(problem.contains("is not documented"), "{problem}");
    let wrong_body = Observed {
        status: 201,
        headers: vec![
            (
                String::from("content-type"),
                String::from("application/json"),
            ),
            (String::from("location"), String::from("/items/1")),
        ],
        body: br#"{"id": "seven", "name": "x"}"#.to_vec(),
    };
    let problem = checker.check("get", "/created", &wrong_body).unwrap_err();
    assert!(problem.contains("does not match its schema"), "{problem}");
    let cookie_undocumented = Observed {
        status: 200,
        headers: vec![
            (String::from("content-type"), String::from("text/plain")),
            (String::from("set-cookie"), String::from("a=b")),
        ],
        body: b"hello".to_vec(),
    };
    let problem = checker
        .check("get", "/hello", &cookie_undocumented)
        .unwrap_err();
    assert!(
        problem.contains("set-cookie, which is not documented"),
        "{problem}"
    );
    let unseen = checker.unseen();
    assert!(
        unseen.contains(&String::from("get /file 206")),
        "{unseen:?}"
    );
}
