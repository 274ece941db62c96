#!/usr/bin/env python3
"""What the `#[response]` DSL costs to compile, against the same impls written by hand.

Generates one workspace of six crates, each with the same N types (half a text response with
a header and an optional cookie, half a serde JSON struct):

  respond-dsl     the types declared with `#[response]`
  respond-hand    the same `IntoResponse` impls written by hand
  serde-derive    `#[derive(Serialize)]` on all N types (the anchor every Rust user knows)
  serde-hand      the same `Serialize` impls written by hand
  rocket-derive   Rocket's `#[derive(Responder)]` on the same N types
  rocket-hand     the same `Responder` impls written by hand

Dependencies are built first; then each crate alone is checked (`cargo check`) and built
(`cargo build`, the dev profile) from scratch (`CARGO_INCREMENTAL=0`, the crate's source
touched), the crates alternating within each round so drift on a shared machine falls on all
of them alike. The report gives medians and the derive/hand ratio of each pair.

    python3 benches/compile_cost.py                 # 200 types, 5 rounds
    python3 benches/compile_cost.py --types 200 --rounds 7 --no-rocket
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def text_dsl(i: int) -> str:
    return f"""
#[response(media_type = "text/html")]
pub struct Page{i} {{
    #[body]
    pub html: String,
    #[header("x-trace")]
    pub trace: String,
    #[cookie]
    pub session: Option<Cookie>,
}}
"""


def json_fields(i: int) -> str:
    return f"""    pub id: u64,
    pub name: String,
    pub tags: Vec<String>,
    pub score{i}: Option<f64>,
"""


def json_dsl(i: int) -> str:
    return f"""
#[response(media_type = "application/json")]
#[derive(Serialize)]
pub struct Item{i} {{
{json_fields(i)}}}
"""


def text_hand(i: int) -> str:
    return f"""
pub struct Page{i} {{
    pub html: String,
    pub trace: String,
    pub session: Option<Cookie>,
}}

impl IntoResponse for Page{i} {{
    fn into_response(self) -> Response {{
        let mut response = Response::new(self.html)
            .with_media_type("text/html")
            .with_header("x-trace", self.trace);
        if let Some(cookie) = self.session {{
            response.set_cookie(cookie);
        }}
        response
    }}
}}
"""


def json_hand(i: int) -> str:
    return f"""
#[derive(Serialize)]
pub struct Item{i} {{
{json_fields(i)}}}

impl IntoResponse for Item{i} {{
    fn into_response(self) -> Response {{
        JsonResponse::new(&self).into_response()
    }}
}}
"""


def serde_derive(i: int) -> str:
    return f"""
#[derive(Serialize)]
pub struct Page{i} {{
    pub html: String,
    pub trace: String,
    pub session: Option<String>,
}}

#[derive(Serialize)]
pub struct Item{i} {{
{json_fields(i)}}}
"""


def serde_hand(i: int) -> str:
    def impl(name: str, fields: list[str]) -> str:
        body = "".join(f'        state.serialize_field("{f}", &self.{f})?;\n' for f in fields)
        return f"""
impl Serialize for {name} {{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {{
        let mut state = serializer.serialize_struct("{name}", {len(fields)})?;
{body}        state.end()
    }}
}}
"""

    return (
        f"""
pub struct Page{i} {{
    pub html: String,
    pub trace: String,
    pub session: Option<String>,
}}

pub struct Item{i} {{
{json_fields(i)}}}
"""
        + impl(f"Page{i}", ["html", "trace", "session"])
        + impl(f"Item{i}", ["id", "name", "tags", f"score{i}"])
    )


def rocket_derive(i: int) -> str:
    # Rocket's derive sets every field after the first as a header; the cookie is a
    # `Set-Cookie` header (its derive has no optional-header fields).
    return f"""
#[derive(Responder)]
#[response(status = 200, content_type = "html")]
pub struct Page{i} {{
    pub html: String,
    pub trace: Header<'static>,
    pub session: Header<'static>,
}}

#[derive(Serialize)]
pub struct Item{i} {{
{json_fields(i)}}}

#[derive(Responder)]
pub struct ItemReply{i}(pub Json<Item{i}>);
"""


def rocket_hand(i: int) -> str:
    return f"""
pub struct Page{i} {{
    pub html: String,
    pub trace: Header<'static>,
    pub session: Header<'static>,
}}

impl<'r, 'o: 'r> Responder<'r, 'o> for Page{i} {{
    fn respond_to(self, request: &'r Request<'_>) -> response::Result<'o> {{
        let mut response = self.html.respond_to(request)?;
        response.set_header(ContentType::HTML);
        response.set_status(Status::Ok);
        response.set_header(self.trace);
        response.set_header(self.session);
        Ok(response)
    }}
}}

#[derive(Serialize)]
pub struct Item{i} {{
{json_fields(i)}}}

pub struct ItemReply{i}(pub Json<Item{i}>);

impl<'r, 'o: 'r> Responder<'r, 'o> for ItemReply{i} {{
    fn respond_to(self, request: &'r Request<'_>) -> response::Result<'o> {{
        self.0.respond_to(request)
    }}
}}
"""


def two_halves(text, json, n: int) -> str:
    return "".join(text(i) for i in range(n // 2)) + "".join(json(i) for i in range(n // 2))


CRATES = {
    "respond-dsl": (
        "use respond::{response, Cookie};\nuse serde::Serialize;\n",
        lambda n: two_halves(text_dsl, json_dsl, n),
        ["respond", "serde"],
    ),
    "respond-hand": (
        "use respond::{Cookie, IntoResponse, JsonResponse, Response};\nuse serde::Serialize;\n",
        lambda n: two_halves(text_hand, json_hand, n),
        ["respond", "serde"],
    ),
    "serde-derive": (
        "use serde::Serialize;\n",
        lambda n: "".join(serde_derive(i) for i in range(n // 2)),
        ["serde"],
    ),
    "serde-hand": (
        "use serde::ser::{Serialize, SerializeStruct, Serializer};\n",
        lambda n: "".join(serde_hand(i) for i in range(n // 2)),
        ["serde"],
    ),
    "rocket-derive": (
        "use rocket::http::Header;\nuse rocket::serde::json::Json;\nuse rocket::Responder;\nuse serde::Serialize;\n",
        lambda n: "".join(rocket_derive(i) for i in range(n // 2)),
        ["rocket", "serde"],
    ),
    "rocket-hand": (
        "use rocket::http::{ContentType, Header, Status};\nuse rocket::response::{self, Responder};\n"
        "use rocket::serde::json::Json;\nuse rocket::Request;\nuse serde::Serialize;\n",
        lambda n: "".join(rocket_hand(i) for i in range(n // 2)),
        ["rocket", "serde"],
    ),
}

PAIRS = [
    ("respond-dsl", "respond-hand"),
    ("serde-derive", "serde-hand"),
    ("rocket-derive", "rocket-hand"),
]

DEPENDENCIES = {
    "respond": f'respond = {{ path = "{ROOT / "runtime"}" }}',
    "serde": 'serde = { version = "1", features = ["derive"] }',
    "rocket": 'rocket = { version = "0.5.1", features = ["json"] }',
}


def generate(out: Path, n: int, crates: list[str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    members = ", ".join(f'"{c}"' for c in crates)
    (out / "Cargo.toml").write_text(
        "# Generated by benches/compile_cost.py; not part of the project's workspaces.\n"
        f"[workspace]\nresolver = \"3\"\nmembers = [{members}]\n"
    )
    for name in crates:
        prelude, body, deps = CRATES[name]
        src = out / name / "src"
        src.mkdir(parents=True, exist_ok=True)
        (out / name / "Cargo.toml").write_text(
            f'[package]\nname = "{name}"\nversion = "0.0.0"\nedition = "2024"\npublish = false\n\n'
            "[dependencies]\n" + "\n".join(DEPENDENCIES[d] for d in deps) + "\n"
        )
        code = f"//! {n} response types, generated by benches/compile_cost.py.\n#![allow(dead_code)]\n\n"
        (src / "lib.rs").write_text(code + prelude + body(n))


def cargo(out: Path, *args: str) -> float:
    env = dict(os.environ, CARGO_INCREMENTAL="0", CARGO_TERM_COLOR="never")
    start = time.perf_counter()
    done = subprocess.run(
        ["cargo", *args, "--quiet"], cwd=out, env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"`cargo {' '.join(args)}` failed in {out}:\n{done.stderr[-4000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--types", type=int, default=200, help="types per crate (even)")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds per command")
    parser.add_argument("--no-rocket", action="store_true", help="leave out the Rocket anchor")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benches" / "target" / "compile-cost", help="where to generate"
    )
    args = parser.parse_args()
    crates = [c for c in CRATES if not (args.no_rocket and c.startswith("rocket"))]
    generate(args.out, args.types, crates)

    print(f"building the dependencies of {len(crates)} crates in {args.out} ...", file=sys.stderr)
    cargo(args.out, "check", "--workspace")
    cargo(args.out, "build", "--workspace")

    times: dict[tuple[str, str], list[float]] = {}
    for command in ("check", "build"):
        for round_ in range(args.rounds):
            for name in crates:
                (args.out / name / "src" / "lib.rs").touch()
                times.setdefault((command, name), []).append(cargo(args.out, command, "-p", name))
            print(f"{command} round {round_ + 1}/{args.rounds} done", file=sys.stderr)

    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    print(f"\n{args.types} types per crate, {args.rounds} alternating rounds, {rustc}, CARGO_INCREMENTAL=0\n")
    print("| command | crate | median (s) | min | max | ratio to hand-written |")
    print("|---|---|---|---|---|---|")
    for command in ("check", "build"):
        for derived, hand in PAIRS:
            if derived not in crates:
                continue
            d = statistics.median(times[(command, derived)])
            h = statistics.median(times[(command, hand)])
            for name, median in ((derived, d), (hand, h)):
                runs = times[(command, name)]
                ratio = f"**{d / h:.2f}×**" if name == derived else ""
                print(f"| `cargo {command}` | {name} | {median:.2f} | {min(runs):.2f} | {max(runs):.2f} | {ratio} |")


if __name__ == "__main__":
    main()
