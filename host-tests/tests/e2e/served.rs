//! Composed and served: the example sign-up app (`examples/edge-signup`) with the bento
//! component plugged in (`wac plug`, by `scripts/build-component.sh`), served by an in-process
//! `wasi:http/proxy` host ([`host_tests::proxy::ProxyServer`]: a linker with the proxy world's
//! interfaces only, a fresh instance per request). Each test sends real HTTP requests to the
//! served app and checks what reached the emulator.
//!
//! The app is built as it would be deployed — with Bento settings baked in and the production
//! base URL — and the host routes `app.bentonow.com` to the emulator ([`Redirects`]).

use std::collections::BTreeSet;
use std::sync::OnceLock;
use std::time::Duration;

use bento_emulator::{Emulator, EmulatorConfig, FaultAction, FaultRule};
use host_tests::proxy::{ProxyServer, Redirects};
use serde_json::{Value, json};
use wasmtime::component::Component;

use crate::imports::world_imports;
use crate::{host, state_subscriber};

/// The composed app, compiled once per test binary (same engine and cache as the component).
fn composed() -> &'static Component {
    static APP: OnceLock<Component> = OnceLock::new();
    APP.get_or_init(|| {
        Component::from_file(host().engine(), host_tests::EDGE_SIGNUP_COMPOSED_WASM)
            .expect("the composed app compiles")
    })
}

/// An emulator that accepts the app's settings (or not: `keys_match`), and the app served
/// against it.
struct Served {
    emu: Emulator,
    server: ProxyServer,
    agent: ureq::Agent,
}

fn serve(keys_match: bool) -> Served {
    let [publishable_key, secret_key, site_uuid] = host_tests::EDGE_SIGNUP_SETTINGS;
    let config = if keys_match {
        EmulatorConfig {
            publishable_key: publishable_key.to_owned(),
            secret_key: secret_key.to_owned(),
            site_uuid: site_uuid.to_owned(),
            ..EmulatorConfig::default()
        }
    } else {
        EmulatorConfig::default()
    };
    let emu = Emulator::start(config).expect("emulator starts");
    let redirects = Redirects::new("app.bentonow.com", emu.addr());
    let server =
        ProxyServer::start(host().engine(), composed(), redirects).expect("the app is served");
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    Served { emu, server, agent }
}

impl Served {
    /// `POST path` with `body`; the status and the JSON answer (`Null` if not JSON).
    fn post(&self, path: &str, body: &str) -> (u16, Value) {
        let response = self
            .agent
            .post(format!("{}{path}", self.server.url()))
            .header("content-type", "application/json")
            .send(body);
        self.answer(response)
    }

    fn get(&self, path: &str) -> (u16, Value) {
        let response = self
            .agent
            .get(format!("{}{path}", self.server.url()))
            .call();
        self.answer(response)
    }

    fn answer(
        &self,
        response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> (u16, Value) {
        let mut response = response.unwrap_or_else(|e| {
            panic!(
                "no answer from the served app: {e}\nserver stderr:\n{}",
                self.server.stderr()
            )
        });
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().expect("a body");
        let value = serde_json::from_str(&text).unwrap_or(Value::Null);
        assert_ne!(
            status,
            500,
            "{text}\nserver stderr:\n{}",
            self.server.stderr()
        );
        (status, value)
    }

    /// The (method, path) of every request that reached the emulator.
    fn bento_calls(&self) -> Vec<(String, String)> {
        self.emu
            .requests()
            .into_iter()
            .map(|r| (r.method, r.path))
            .collect()
    }
}

#[test]
fn a_signup_is_tracked_and_tagged_in_bento() {
    let s = serve(true);
    let (status, answer) = s.post("/signup", r#"{"email":"ada@example.com","name":"Ada"}"#);
    assert_eq!(status, 202, "{answer}");
    assert_eq!(
        answer,
        json!({"status": "accepted", "tracked": 1, "tagged": 1})
    );
    assert_eq!(
        s.bento_calls(),
        [
            ("POST".to_owned(), "/api/v1/batch/events".to_owned()),
            ("POST".to_owned(), "/api/v1/fetch/commands".to_owned()),
        ]
    );
    let requests = s.emu.requests();
    let event: Value = serde_json::from_str(&requests[0].body).expect("JSON");
    assert_eq!(event["events"][0]["type"], "$subscribe");
    assert_eq!(event["events"][0]["email"], "ada@example.com");
    let ada = state_subscriber(&s.emu, "ada@example.com").expect("a subscriber");
    assert_eq!(ada["attributes"]["fields"]["name"], "Ada");
    let tags = ada["attributes"]["tag_names"].as_array().expect("tags");
    assert!(tags.iter().any(|t| t == edge_signup_tag()), "{ada:#}");

    // One instance per request: a second sign-up on the same server works the same way.
    let (status, _) = s.post("/signup", r#"{"email":"grace@example.com"}"#);
    assert_eq!(status, 202);
    let grace = state_subscriber(&s.emu, "grace@example.com").expect("a subscriber");
    assert!(
        grace["attributes"]["fields"].get("name").is_none(),
        "{grace:#}"
    );
    assert_eq!(s.bento_calls().len(), 4);
}

/// The tag the app gives (`edge_signup::TAG`; the app crate only builds for wasm32).
fn edge_signup_tag() -> &'static str {
    let source = include_str!("../../../examples/edge-signup/src/lib.rs");
    let line = source
        .lines()
        .find(|l| l.starts_with("pub const TAG: &str = "))
        .expect("the TAG constant");
    line.split('"').nth(1).expect("a string literal")
}

#[test]
fn requests_the_app_refuses_never_reach_bento() {
    let s = serve(true);
    assert_eq!(s.get("/signup").0, 405);
    assert_eq!(s.post("/other", "{}").0, 404);
    assert_eq!(s.post("/signup", "not json").0, 400);
    assert_eq!(s.post("/signup", r#"{"name":"no email"}"#).0, 400);
    let big = format!(
        r#"{{"email":"a@example.com","name":"{}"}}"#,
        "x".repeat(20_000)
    );
    assert_eq!(s.post("/signup", &big).0, 413);
    // The component validates before sending: a malformed address is its `invalid-input`.
    let (status, answer) = s.post("/signup", r#"{"email":"not-an-email"}"#);
    assert_eq!(status, 422, "{answer}");
    assert_eq!(answer["error"], "invalid input");
    assert!(
        answer["field"].as_str().expect("a field").contains("email"),
        "{answer}"
    );
    assert_eq!(s.bento_calls(), []);
}

#[test]
fn a_failing_api_is_a_502_and_the_subscriber_is_not_tagged() {
    let s = serve(true);
    // 500 is not retried (only 429 and 502/503/504 are): one attempt, then the app answers.
    s.emu.add_fault(
        FaultRule::new(FaultAction::status(500))
            .path_prefix("/batch/events")
            .once(),
    );
    let (status, answer) = s.post("/signup", r#"{"email":"ada@example.com"}"#);
    assert_eq!(status, 502, "{answer}");
    assert_eq!(answer["status"], 500);
    assert_eq!(
        s.bento_calls(),
        [("POST".to_owned(), "/api/v1/batch/events".to_owned())]
    );
}

#[test]
fn the_apps_keys_are_the_ones_it_was_built_with() {
    // The default emulator has other keys: Bento answers 401, the app 502.
    let s = serve(false);
    let (status, answer) = s.post("/signup", r#"{"email":"ada@example.com"}"#);
    assert_eq!(status, 502, "{answer}");
    assert!(
        answer["error"]
            .as_str()
            .expect("error")
            .contains("unauthorized"),
        "{answer}"
    );
    let requests = s.emu.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].status, Some(401));
}

/// The composition removed the app's `bentonow:bento/api` import; what is left is inside
/// the proxy world, and the app exports the handler.
#[test]
fn the_composed_app_is_a_plain_proxy_app() {
    let engine = host().engine();
    let names = |component: &Component| -> (BTreeSet<String>, BTreeSet<String>) {
        let ty = component.component_type();
        (
            ty.imports(engine).map(|(n, _)| n.to_owned()).collect(),
            ty.exports(engine).map(|(n, _)| n.to_owned()).collect(),
        )
    };
    let app = Component::from_file(engine, host_tests::EDGE_SIGNUP_WASM).expect("compiles");
    let (app_imports, _) = names(&app);
    assert!(
        app_imports.contains("bentonow:bento/api@0.1.0"),
        "{app_imports:?}"
    );
    let (imports, exports) = names(composed());
    let proxy = world_imports("wasi:http/proxy@0.2.12");
    let outside: Vec<&String> = imports.difference(&proxy).collect();
    assert!(outside.is_empty(), "outside wasi:http/proxy: {outside:?}");
    assert_eq!(
        exports.into_iter().collect::<Vec<_>>(),
        ["wasi:http/incoming-handler@0.2.12"]
    );
}
