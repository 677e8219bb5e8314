//! The same flow through the WASI component (`bento-component`) in wasmtime, for the demo's
//! table. The component is compiled once; wasmtime's cache (next to the built component) makes
//! later runs skip compiling.

use std::time::{Duration, Instant};

use bento_emulator::Emulator;
use host_tests::{Host, Instance, api};
use serde_json::json;
use wasmtime::component::ResourceAny;

use crate::{IMPORT_SIZE, Step};

const SURFACE: &str = "wasm";

fn load() -> wasmtime::Result<Host> {
    let mut config = wasmtime::Config::new();
    let dir = std::path::Path::new(host_tests::COMPONENT_WASM)
        .parent()
        .map(|p| p.join("wasmtime-cache"))
        .unwrap_or_else(|| "wasmtime-cache".into());
    let mut cache = wasmtime::CacheConfig::new();
    cache.with_directory(dir);
    config.cache(Some(wasmtime::Cache::new(cache)?));
    let engine = wasmtime::Engine::new(&config)?;
    let component = wasmtime::component::Component::from_file(&engine, host_tests::COMPONENT_WASM)?;
    Host::new(engine, component)
}

struct Wasm {
    instance: Instance,
    client: ResourceAny,
    steps: Vec<Step>,
}

impl Wasm {
    /// Runs one export; a trap and a `bento-error` both become a failed step.
    fn step<T>(
        &mut self,
        name: &'static str,
        call: impl FnOnce(
            &api::GuestClient<'_>,
            &mut wasmtime::Store<host_tests::Ctx>,
            ResourceAny,
        ) -> wasmtime::Result<Result<T, ResourceAny>>,
        show: impl FnOnce(T) -> String,
    ) {
        let client = self.client;
        let started = Instant::now();
        // An error is a `bento-error` resource: `answer` reads its details and drops it.
        let answer = self
            .instance
            .call(|api, store| call(api, store, client))
            .and_then(|answer| self.instance.answer(answer));
        let outcome = match answer {
            Ok(Ok(v)) => Ok(show(v)),
            Ok(Err(e)) => Err(format!("{e:?}")),
            Err(trap) => Err(format!("trap: {trap}")),
        };
        self.steps.push(Step {
            name,
            surface: SURFACE,
            outcome,
            latency: started.elapsed(),
        });
    }
}

fn fail(name: &'static str, why: String) -> Vec<Step> {
    vec![Step {
        name,
        surface: SURFACE,
        outcome: Err(why),
        latency: Duration::ZERO,
    }]
}

/// Runs the flow through the component against `emu`; every step lands in the returned rows.
pub fn run(emu: &Emulator) -> Vec<Step> {
    let started = Instant::now();
    let host = match load() {
        Ok(h) => h,
        Err(e) => return fail("load the component", e.to_string()),
    };
    let mut instance = match host.instantiate() {
        Ok(i) => i,
        Err(e) => return fail("load the component", e.to_string()),
    };
    let config = api::Config {
        publishable_key: emu.publishable_key().into(),
        secret_key: emu.secret_key().into(),
        site_uuid: emu.site_uuid().into(),
        base_url: Some(emu.base_url().into()),
        user_agent: None,
        timeout_ms: Some(10_000),
        connect_timeout_ms: None,
        max_response_bytes: None,
        deadline_ms: None,
        retry: None,
    };
    let client = match instance.client(&config) {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => return fail("load the component", format!("{e:?}")),
        Err(e) => return fail("load the component", e.to_string()),
    };
    let size = std::fs::metadata(host_tests::COMPONENT_WASM)
        .map(|m| m.len())
        .unwrap_or(0);
    let mut w = Wasm {
        instance,
        client,
        steps: vec![Step {
            name: "load the component",
            surface: SURFACE,
            outcome: Ok(format!(
                "{} KiB component compiled and instantiated",
                size / 1024
            )),
            latency: started.elapsed(),
        }],
    };
    flow(&mut w, emu);
    w.steps
}

fn event(
    event_type: &str,
    email: &str,
    fields: Option<serde_json::Value>,
    details: Option<serde_json::Value>,
) -> api::Event {
    api::Event {
        event_type: event_type.into(),
        email: email.into(),
        fields: fields.map(|f| f.to_string()),
        details: details.map(|d| d.to_string()),
        date: None,
    }
}

fn flow(w: &mut Wasm, emu: &Emulator) {
    let jane = "jane.wasm@example.com";
    let signup = event(
        "$subscribe",
        jane,
        Some(json!({"first_name": "Jane", "plan": "trial"})),
        None,
    );
    w.step(
        "sign-up ($subscribe with fields)",
        |api, s, c| api.call_track(s, c, &signup),
        |r| format!("{} event accepted", r.results),
    );

    let views: Vec<api::Event> = ["/pricing", "/docs", "/signup"]
        .iter()
        .map(|url| event("$pageView", jane, None, Some(json!({"url": url}))))
        .collect();
    w.step(
        "page views (3 events)",
        |api, s, c| api.call_track_events(s, c, &views),
        |r| format!("{} events accepted", r.results),
    );

    let purchase = event(
        "$purchase",
        jane,
        None,
        Some(
            json!({"unique": {"key": "order-2001"}, "value": {"amount": 4900, "currency": "USD"},
                    "cart": {"items": [{"product_name": "Pro plan", "quantity": 1, "product_price": 4900}]}}),
        ),
    );
    w.step(
        "purchase ($purchase, 49.00 USD)",
        |api, s, c| api.call_track(s, c, &purchase),
        |r| format!("{} event accepted", r.results),
    );

    let commands = vec![
        api::Command::AddTag(api::EmailTag {
            email: jane.into(),
            tag: "customer".into(),
        }),
        api::Command::AddField(api::EmailKeyValue {
            email: jane.into(),
            key: "plan".into(),
            value: "\"pro\"".into(),
        }),
    ];
    w.step(
        "tagging via commands",
        |api, s, c| api.call_subscriber_command(s, c, &commands),
        |r| format!("{} commands queued", r.results),
    );

    w.step(
        "read back the subscriber",
        |api, s, c| api.call_find_subscriber(s, c, jane),
        |found| match found {
            Some(sub) => {
                let plan = sub
                    .fields
                    .and_then(|f| serde_json::from_str::<serde_json::Value>(&f).ok())
                    .and_then(|f| f.get("plan").cloned())
                    .unwrap_or_default();
                format!("found, {} tag(s), plan = {plan}", sub.cached_tag_ids.len())
            }
            None => "not visible yet".into(),
        },
    );

    let rows: Vec<api::ImportSubscriber> = (0..IMPORT_SIZE)
        .map(|i| api::ImportSubscriber {
            email: format!("wasm-import{i:05}@example.com"),
            first_name: Some(format!("User {i}")),
            last_name: None,
            tags: Some(
                if i % 3 == 0 {
                    "imported,vip"
                } else {
                    "imported"
                }
                .into(),
            ),
            remove_tags: None,
            custom_fields: Some(json!({"signup_source": "csv"}).to_string()),
        })
        .collect();
    let options = api::ChunkOptions {
        chunk_size: Some(250),
        max_rate_limited_chunks: None,
        deadline_ms: None,
    };
    w.step(
        "bulk import (chunked)",
        |api, s, c| api.call_import_subscribers_chunked(s, c, &rows, options),
        |r| {
            if r.failed_chunks.is_empty() && r.failed == 0 {
                format!("{} accepted in {} chunks", r.accepted, r.chunks)
            } else {
                format!(
                    "{} accepted, {} failed chunks",
                    r.accepted,
                    r.failed_chunks.len()
                )
            }
        },
    );
    if let Some(last) = w.steps.last_mut()
        && matches!(&last.outcome, Ok(t) if !t.starts_with(&IMPORT_SIZE.to_string()))
    {
        last.outcome = Err(format!("not every record was accepted: {:?}", last.outcome));
    }

    let email = vec![api::Email {
        to: jane.into(),
        from: "sender@example.com".into(),
        subject: "Your receipt".into(),
        html_body: "<p>Thanks for your order {{ order }}!</p>".into(),
        transactional: true,
        personalizations: Some(json!({"order": "order-2001"}).to_string()),
    }];
    w.step(
        "transactional email",
        |api, s, c| api.call_send_emails(s, c, &email),
        |r| format!("{} email queued", r.results),
    );
    w.step(
        "site stats",
        |api, s, c| api.call_get_site_stats(s, c),
        |st| {
            format!(
                "{} users, {} subscribed, {} unsubscribed",
                st.user_count, st.subscriber_count, st.unsubscriber_count
            )
        },
    );
    let validation = api::ValidationInput {
        email: jane.into(),
        name: Some("Jane Doe".into()),
        user_agent: None,
        ip: None,
    };
    w.step(
        "validate email",
        |api, s, c| api.call_validate_email(s, c, &validation),
        |r| format!("valid = {}", r.valid),
    );
    w.step(
        "guess gender",
        |api, s, c| api.call_get_gender(s, c, "Jane"),
        |g| {
            format!(
                "{} ({})",
                g.gender.unwrap_or_else(|| "unknown".into()),
                g.confidence.map(|c| c.to_string()).unwrap_or_default()
            )
        },
    );
    w.step(
        "geolocate IP",
        |api, s, c| api.call_geolocate_ip(s, c, "208.67.222.222"),
        |l| match l {
            Some(l) => l.city_name.unwrap_or_else(|| "located".into()),
            None => "no data (the live API answers {})".into(),
        },
    );
    let blacklist = api::BlacklistInput {
        domain: Some("example.com".into()),
        ip: None,
    };
    w.step(
        "blacklist check",
        |api, s, c| api.call_get_blacklist_status(s, c, &blacklist),
        |r| match r.results {
            None => "not listed".into(),
            Some(json) => format!("results {json}"),
        },
    );

    // The forced fault: a 429 with Retry-After: 1 on the next event, which the component's
    // retry policy (the core's) waits out with wasi:clocks.
    crate::arm_rate_limit(emu);
    let login = event("$login", jane, None, None);
    w.step(
        "rides through a 429 + Retry-After",
        |api, s, c| api.call_track(s, c, &login),
        |_| String::new(),
    );
    if let Some(last) = w.steps.last_mut()
        && last.outcome.is_ok()
    {
        last.outcome = crate::judge_rate_limit(emu, last.latency);
    }
}
