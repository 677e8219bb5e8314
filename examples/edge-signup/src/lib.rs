//! A sign-up webhook for `wasi:http/proxy` hosts (`wasmtime serve`, Spin, wasmCloud): the way an
//! edge app uses the bento component as a library.
//!
//! `POST /signup` with `{"email": "...", "name": "..."}` (`name` optional) tracks a
//! `$subscribe` event for the address (with `name` as a field) and tags the subscriber
//! [`TAG`], both through the imported `bentonow:bento/api` — the bento component, composed in
//! with `wac plug` — and answers `202 {"status":"accepted","tracked":1,"tagged":1}`.
//!
//! | answer | when |
//! |---|---|
//! | 202 | both calls accepted |
//! | 400 | the body is not JSON with a string `email` |
//! | 404 / 405 | another path / another method |
//! | 413 | a body over [`MAX_BODY`] bytes |
//! | 422 | the component refused the input (`invalid-input`, e.g. a malformed email); nothing was sent |
//! | 500 | the app was built without (valid) Bento settings |
//! | 502 | the Bento API or the network failed (after the component's retries) |
//!
//! Settings are fixed when the app is built (an edge app is deployed per site), from the
//! environment of the build: `BENTO_PUBLISHABLE_KEY`, `BENTO_SECRET_KEY`, `BENTO_SITE_UUID` and
//! optionally `BENTO_BASE_URL` (default: the production API). The proxy world has no
//! environment or config interface, and keeping to it is what lets the composed app run on
//! any proxy host. Build, compose and serve: `scripts/build-component.sh` (see the README).

use serde::Deserialize;
use serde_json::{Value, json};
use wasip2::http::types::{
    Fields, IncomingBody, IncomingRequest, Method, OutgoingBody, OutgoingResponse, ResponseOutparam,
};
use wasip2::io::streams::StreamError;

mod bindings {
    wit_bindgen::generate!({
        path: ["../../wit", "wit"],
        world: "bentonow:edge-signup/app",
        // wasi:http and friends come from the `wasip2` crate, as in the bento component;
        // only `bentonow:bento/api` and the incoming-handler export are generated.
        with: {
            "wasi:http/types@0.2.12": wasip2::http::types,
            "wasi:http/outgoing-handler@0.2.12": wasip2::http::outgoing_handler,
            "wasi:io/poll@0.2.12": wasip2::io::poll,
            "wasi:io/streams@0.2.12": wasip2::io::streams,
            "wasi:io/error@0.2.12": wasip2::io::error,
            "wasi:clocks/monotonic-clock@0.2.12": wasip2::clocks::monotonic_clock,
            "wasi:clocks/wall-clock@0.2.12": wasip2::clocks::wall_clock,
            "wasi:random/random@0.2.12": wasip2::random::random,
            "wasi:cli/stdin@0.2.12": wasip2::cli::stdin,
            "wasi:cli/stdout@0.2.12": wasip2::cli::stdout,
            "wasi:cli/stderr@0.2.12": wasip2::cli::stderr,
            "bentonow:bento/api@0.1.0": generate,
        },
    });
}

use bindings::bentonow::bento::api;
use bindings::exports::wasi::http::incoming_handler::Guest;

bindings::export!(App with_types_in bindings);

/// The tag every subscriber who signs up here gets.
pub const TAG: &str = "edge-signup";
/// The largest request body read (a sign-up is a few hundred bytes).
pub const MAX_BODY: usize = 16 * 1024;
/// Largest slice handed to `blocking-write-and-flush` (the WASI limit is 4096 bytes).
const WRITE_CHUNK: usize = 4096;

struct App;

impl Guest for App {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let (status, body) = match route(request) {
            Ok(accepted) => (202, accepted),
            Err(Reject(status, body)) => (status, body),
        };
        respond(response_out, status, &body);
    }
}

/// A non-2xx answer: status and JSON body.
struct Reject(u16, Value);

fn error(status: u16, message: &str) -> Reject {
    Reject(status, json!({ "error": message }))
}

/// The webhook's payload.
#[derive(Deserialize)]
struct Signup {
    email: String,
    #[serde(default)]
    name: Option<String>,
}

fn route(request: IncomingRequest) -> Result<Value, Reject> {
    let path = request.path_with_query().unwrap_or_default();
    let path = path.split('?').next().unwrap_or_default();
    if path != "/signup" {
        return Err(error(404, "not found"));
    }
    if !matches!(request.method(), Method::Post) {
        return Err(error(405, "use POST"));
    }
    let body = read_body(request)?;
    let signup: Signup = serde_json::from_slice(&body).map_err(|_| {
        error(
            400,
            "the body must be JSON: {\"email\": \"...\", \"name\": \"...\"}",
        )
    })?;
    sign_up(&signup)
}

/// The two Bento calls: the `$subscribe` event (which creates the subscriber), then the tag.
fn sign_up(signup: &Signup) -> Result<Value, Reject> {
    // A bad or missing setting is the deployment's fault, not the caller's: 500.
    let client = api::Client::new(&config()).map_err(|e| match e.details() {
        api::ErrorDetails::InvalidInput(e) => Reject(
            500,
            json!({ "error": "the app's Bento settings are invalid", "field": e.field }),
        ),
        other => from_details(other),
    })?;
    let fields = signup
        .name
        .as_ref()
        .map(|name| json!({ "name": name }).to_string());
    let tracked = client
        .track_events(&[api::Event {
            event_type: "$subscribe".into(),
            email: signup.email.clone(),
            fields,
            details: None,
            date: None,
        }])
        .map_err(bento_error)?;
    let tagged = client
        .subscriber_command(&[api::Command::AddTag(api::EmailTag {
            email: signup.email.clone(),
            tag: TAG.into(),
        })])
        .map_err(bento_error)?;
    Ok(json!({
        "status": "accepted",
        "tracked": tracked.results,
        "tagged": tagged.results,
    }))
}

/// The Bento settings baked in at build time (see the crate docs). A missing one is empty,
/// which the component's constructor refuses (`invalid-input`, nothing sent).
fn config() -> api::Config {
    api::Config {
        publishable_key: option_env!("BENTO_PUBLISHABLE_KEY")
            .unwrap_or_default()
            .into(),
        secret_key: option_env!("BENTO_SECRET_KEY").unwrap_or_default().into(),
        site_uuid: option_env!("BENTO_SITE_UUID").unwrap_or_default().into(),
        base_url: option_env!("BENTO_BASE_URL").map(Into::into),
        user_agent: None,
        // A webhook caller waits for the answer: bound one attempt to 10 s.
        timeout_ms: Some(10_000),
        connect_timeout_ms: None,
        max_response_bytes: None,
        deadline_ms: None,
        retry: None,
    }
}

/// 422 for input the component refused before sending anything; 502 for everything that
/// went wrong on the way to or at the Bento API. No key and no email in the answer.
fn bento_error(e: api::BentoError) -> Reject {
    // `details` reads the error resource; it is dropped here, with `e`.
    from_details(e.details())
}

fn from_details(details: api::ErrorDetails) -> Reject {
    match details {
        api::ErrorDetails::InvalidInput(e) => Reject(
            422,
            json!({ "error": "invalid input", "field": e.field, "reason": e.reason }),
        ),
        api::ErrorDetails::Unauthorized(_) => error(502, "bento: unauthorized (check the keys)"),
        api::ErrorDetails::RateLimited(_) => error(502, "bento: rate limited"),
        api::ErrorDetails::ApiStatus(e) => Reject(
            502,
            json!({ "error": "bento: error status", "status": e.status }),
        ),
        api::ErrorDetails::AuthorNotAuthorized(_) => error(502, "bento: author not authorized"),
        api::ErrorDetails::Transport(_) => error(502, "bento: transport error"),
        api::ErrorDetails::Timeout(_) => error(502, "bento: timeout"),
        api::ErrorDetails::Decode(_) => error(502, "bento: unreadable response"),
    }
}

/// Reads the request body, up to [`MAX_BODY`] bytes.
fn read_body(request: IncomingRequest) -> Result<Vec<u8>, Reject> {
    let unreadable = || error(400, "unreadable body");
    let body = request.consume().map_err(|()| unreadable())?;
    let stream = body.stream().map_err(|()| unreadable())?;
    let mut bytes = Vec::new();
    loop {
        match stream.blocking_read(WRITE_CHUNK as u64) {
            Ok(chunk) => bytes.extend_from_slice(&chunk),
            Err(StreamError::Closed) => break,
            Err(StreamError::LastOperationFailed(_)) => return Err(unreadable()),
        }
        if bytes.len() > MAX_BODY {
            return Err(error(413, "body too large"));
        }
    }
    // The stream is a child of the body: drop it before finishing, or the guest traps.
    drop(stream);
    drop(IncomingBody::finish(body));
    Ok(bytes)
}

/// Sends `status` with `body` as JSON.
fn respond(out: ResponseOutparam, status: u16, body: &Value) {
    let headers = Fields::from_list(&[("content-type".into(), b"application/json".to_vec())])
        .unwrap_or_else(|_| Fields::new());
    let response = OutgoingResponse::new(headers);
    // Every status used here is valid.
    let _ = response.set_status_code(status);
    let Ok(outgoing) = response.body() else {
        ResponseOutparam::set(out, Ok(response));
        return;
    };
    ResponseOutparam::set(out, Ok(response));
    let bytes = body.to_string().into_bytes();
    if let Ok(stream) = outgoing.write() {
        for chunk in bytes.chunks(WRITE_CHUNK) {
            if stream.blocking_write_and_flush(chunk).is_err() {
                break;
            }
        }
    }
    let _ = OutgoingBody::finish(outgoing, None);
}
