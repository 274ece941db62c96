//! The showcase's own OpenAPI document (with `--features openapi`): `/openapi.json`, and
//! `/docs`, a page that renders it with Swagger UI from the npm package `swagger-ui-dist`
//! (lock-filed in examples/e2e; `npm ci --prefix examples/e2e` installs it, and the tests run
//! that themselves). Every response below is described by its own type: the `#[response]`
//! declarations and the response kinds, not a second, hand-written description.

use std::path::{Path, PathBuf};

use respond::openapi::utoipa::IntoResponses;
use respond::openapi::utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem,
};
use respond::openapi::utoipa::openapi::response::ResponsesBuilder;
use respond::openapi::utoipa::openapi::schema::{ObjectBuilder, Type};
use respond::openapi::utoipa::openapi::{InfoBuilder, OpenApi, OpenApiBuilder, PathsBuilder};
use respond::{
    EventSourceResponse, FileResponse, HtmlResponse, JsonResponse, PlainTextResponse,
    RedirectResponse, Response, StaticFiles,
};

use super::{Created, Job, Lookup, hello};

/// The operation `GET path` answering with the responses `R` describes.
fn get<R: IntoResponses>(summary: &str, query: Option<(&str, &str)>) -> PathItem {
    let mut operation = OperationBuilder::new()
        .summary(Some(summary))
        .responses(ResponsesBuilder::new().responses_from_into_responses::<R>());
    if let Some((name, description)) = query {
        operation = operation.parameter(
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Query)
                .description(Some(description))
                .schema(Some(ObjectBuilder::new().schema_type(Type::String))),
        );
    }
    PathItem::new(HttpMethod::Get, operation)
}

/// The document: the DSL routes and the kinds' routes.
pub(crate) fn document() -> OpenApi {
    let paths = PathsBuilder::new()
        .path(
            "/dsl/created",
            get::<Created>(
                "A #[response] struct: 201, a Location header and a cookie",
                None,
            ),
        )
        .path(
            "/dsl/lookup",
            get::<Lookup>(
                "A #[response] enum: JSON when found, a plain-text 404 when missing",
                Some(("id", "The item's id: 1 and 2 exist")),
            ),
        )
        .path(
            "/dsl/hello",
            get::<hello>(
                "A #[response] async fn: a handler as an app",
                Some(("name", "Who to greet")),
            ),
        )
        .path(
            "/dsl/job",
            get::<Job>(
                "A #[response] struct with a #[status(...)] field: 202 while queued, 200 when done",
                Some(("id", "The job's id: 1 is done")),
            ),
        )
        .path("/", get::<HtmlResponse>("The index of every route", None))
        .path(
            "/plain",
            get::<PlainTextResponse>("PlainTextResponse", None),
        )
        .path("/html", get::<HtmlResponse>("HtmlResponse", None))
        .path("/json", get::<JsonResponse>("JsonResponse", None))
        .path(
            "/redirect",
            get::<RedirectResponse>("RedirectResponse: 307 to /html", None),
        )
        .path(
            "/download",
            get::<FileResponse>(
                "FileResponse: ranges, conditional requests, an attachment",
                None,
            ),
        )
        .path(
            "/events",
            get::<EventSourceResponse>("EventSourceResponse: a tick a second", None),
        );
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("respond showcase")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "Every response here is described by the type that builds it.",
                ))
                .build(),
        )
        .paths(paths.build())
        .build()
}

/// `/openapi.json`.
pub(crate) fn spec() -> Response {
    match document().to_json() {
        Ok(json) => Response::new(json).with_media_type("application/json"),
        Err(error) => PlainTextResponse::new(format!("cannot render the document: {error}"))
            .with_status(500)
            .into_response(),
    }
}

/// Where npm installs Swagger UI's files.
fn swagger_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("e2e/node_modules/swagger-ui-dist")
}

/// `/docs/assets/...`: Swagger UI's scripts and stylesheet.
pub(crate) fn assets() -> &'static StaticFiles {
    static FILES: std::sync::OnceLock<StaticFiles> = std::sync::OnceLock::new();
    FILES.get_or_init(|| StaticFiles::new(swagger_dir()).with_prefix("/docs/assets"))
}

/// `/docs`: the document rendered by Swagger UI, or what to run when it is not installed.
pub(crate) fn page() -> Response {
    if !swagger_dir().join("swagger-ui-bundle.js").is_file() {
        return PlainTextResponse::new(
            "Swagger UI is not installed: run `npm ci --prefix examples/e2e`, then reload.",
        )
        .with_status(503)
        .into_response();
    }
    HtmlResponse::new(DOCS_PAGE).into_response()
}

const DOCS_PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>respond showcase: API</title>
<link rel="icon" href="/docs/assets/favicon-32x32.png">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body></html>"#;

/// `/docs/init.js`: starts Swagger UI on `/openapi.json` (a script of its own, not inline).
pub(crate) fn init_script() -> Response {
    Response::new("window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui' });\n")
        .with_media_type("text/javascript")
}
