//! `bento-demo`: a realistic Bento flow, step by step, with a table of results and latencies.
//!
//! With no `BENTO_*` variables it starts `bento-emulator` in-process and runs against it,
//! including one forced fault (a 429 with `Retry-After`) that the client rides through.
//! With `BENTO_PUBLISHABLE_KEY`, `BENTO_SECRET_KEY` and `BENTO_SITE_UUID` set it targets the
//! real API and skips the steps that would write test data in bulk or need a fault.
//! Exits non-zero if any step fails.
//!
//! Against the emulator the same flow also runs through the WASI component in wasmtime
//! (`bento-component`, see `component.rs`), shown in the same table (surface `wasm`).

mod component;

use std::collections::HashMap;
use std::fmt::Display;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use bento::{
    BlacklistData, ChunkOptions, Client, Command, ConfigBuilder, EmailBatch, EmailData, Error,
    Event, ImportSubscriberData, Purchase, ValidationData,
};
use bento_emulator::{Emulator, EmulatorConfig, FaultAction, FaultRule};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

const IMPORT_SIZE: usize = 3_000;

struct Step {
    name: &'static str,
    surface: &'static str,
    outcome: Result<String, String>,
    latency: Duration,
}

struct Demo {
    client: Client,
    emulator: Option<Emulator>,
    steps: Vec<Step>,
}

impl Demo {
    /// Runs one step and records its result and latency.
    async fn step<T, F>(&mut self, name: &'static str, f: F, show: impl FnOnce(T) -> String)
    where
        F: Future<Output = Result<T, Error>>,
    {
        let started = Instant::now();
        let outcome = f.await.map(show).map_err(|e| e.to_string());
        self.steps.push(Step {
            name,
            surface: "rust",
            outcome,
            latency: started.elapsed(),
        });
    }

    fn skip(&mut self, name: &'static str, why: &str) {
        self.steps.push(Step {
            name,
            surface: "rust",
            outcome: Ok(format!("skipped: {why}")),
            latency: Duration::ZERO,
        });
    }

    fn fail(&mut self, name: &'static str, why: impl Display) {
        self.steps.push(Step {
            name,
            surface: "rust",
            outcome: Err(why.to_string()),
            latency: Duration::ZERO,
        });
    }
}

fn fields(pairs: &[(&str, serde_json::Value)]) -> HashMap<String, serde_json::Value> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

#[tokio::main]
async fn main() -> ExitCode {
    let real_api = std::env::var_os("BENTO_SECRET_KEY").is_some();
    let (client, emulator) = match connect(real_api) {
        Ok(pair) => pair,
        Err(e) => {
            eprintln!("bento-demo: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let target = match &emulator {
        Some(emu) => format!("bento-emulator at {}", emu.base_url()),
        None => format!("the Bento API at {}", client.config().base_url()),
    };
    println!("bento-demo: running against {target}\n");
    let mut demo = Demo {
        client,
        emulator,
        steps: Vec::new(),
    };
    run(&mut demo, real_api).await;
    if let Some(emu) = &demo.emulator {
        // wasmtime's synchronous wasi:http drives its own runtime: run it on a plain thread.
        let rows = std::thread::scope(|s| s.spawn(|| component::run(emu)).join());
        match rows {
            Ok(rows) => demo.steps.extend(rows),
            Err(_) => demo.fail("load the component", "the component thread panicked"),
        }
    }
    print_table(&demo.steps);
    let failed = demo.steps.iter().filter(|s| s.outcome.is_err()).count();
    if failed > 0 {
        println!("\n{failed} step(s) failed");
        ExitCode::FAILURE
    } else {
        println!("\nall {} steps passed", demo.steps.len());
        ExitCode::SUCCESS
    }
}

fn connect(real_api: bool) -> Result<(Client, Option<Emulator>), Box<dyn std::error::Error>> {
    if real_api {
        return Ok((Client::from_env()?, None));
    }
    let emulator = Emulator::start(EmulatorConfig::default())?;
    let config = ConfigBuilder::new()
        .publishable_key(emulator.publishable_key())
        .secret_key(emulator.secret_key())
        .site_uuid(emulator.site_uuid())
        .base_url(emulator.base_url())
        .timeout(Duration::from_secs(10))
        .build()?;
    Ok((Client::new(config)?, Some(emulator)))
}

async fn run(demo: &mut Demo, real_api: bool) {
    let c = demo.client.clone();
    let jane = "jane.demo@example.com";

    demo.step(
        "sign-up ($subscribe with fields)",
        c.track(Event::subscribe(
            jane,
            fields(&[("first_name", json!("Jane")), ("plan", json!("trial"))]),
        )),
        |r| format!("{r} event accepted"),
    )
    .await;

    let views = ["/pricing", "/docs", "/signup"]
        .map(|url| Event::new("$pageView", jane).with_details(fields(&[("url", json!(url))])));
    demo.step("page views (3 events)", c.track_events(views), |r| {
        format!("{r} events accepted")
    })
    .await;

    let purchase = Purchase::new("order-1001", 4_900, "USD").with_cart(
        json!({"items": [{"product_name": "Pro plan", "quantity": 1, "product_price": 4900}]}),
    );
    demo.step(
        "purchase ($purchase, 49.00 USD)",
        c.track(Event::purchase(jane, purchase)),
        |r| format!("{r} event accepted"),
    )
    .await;

    let commands = [
        Command::AddTag {
            email: jane.into(),
            tag: "customer".into(),
        },
        Command::AddField {
            email: jane.into(),
            key: "plan".into(),
            value: json!("pro"),
        },
    ];
    demo.step(
        "tagging via commands",
        c.subscriber_command(commands),
        |r| format!("{r} commands queued"),
    )
    .await;

    demo.step(
        "read back the subscriber",
        c.find_subscriber(jane),
        |s| match s {
            Some(s) => {
                let plan = s
                    .attributes
                    .fields
                    .as_ref()
                    .and_then(|f| f.get("plan"))
                    .cloned();
                format!(
                    "found, {} tag(s), plan = {}",
                    s.attributes.cached_tag_ids.len(),
                    plan.unwrap_or_default()
                )
            }
            None => "not visible yet (imports apply within minutes)".into(),
        },
    )
    .await;

    if real_api {
        demo.skip(
            "bulk import (chunked)",
            "would write test subscribers into a real account",
        );
    } else {
        bulk_import(demo, &c).await;
    }

    let from = std::env::var("BENTO_DEMO_FROM").unwrap_or_else(|_| "sender@example.com".into());
    let to = std::env::var("BENTO_DEMO_TO").unwrap_or_else(|_| jane.into());
    if real_api && std::env::var_os("BENTO_DEMO_FROM").is_none() {
        demo.skip(
            "transactional email",
            "set BENTO_DEMO_FROM (an author) and BENTO_DEMO_TO",
        );
    } else {
        let email = EmailData {
            to,
            from,
            subject: "Your receipt".into(),
            html_body: "<p>Thanks for your order {{ order }}!</p>".into(),
            transactional: true,
            personalizations: Some(fields(&[("order", json!("order-1001"))])),
        };
        match EmailBatch::new(vec![email]) {
            Ok(batch) => {
                demo.step("transactional email", c.send_emails(batch), |r| {
                    format!("{r} email queued")
                })
                .await
            }
            Err(e) => demo.fail("transactional email", e),
        }
    }

    demo.step("site stats", c.get_site_stats(), |s| {
        format!(
            "{} users, {} subscribed, {} unsubscribed",
            s.user_count, s.subscriber_count, s.unsubscriber_count
        )
    })
    .await;

    let validation = ValidationData {
        email: jane.into(),
        name: Some("Jane Doe".into()),
        user_agent: None,
        ip: None,
    };
    demo.step("validate email", c.validate_email(&validation), |r| {
        format!("valid = {}", r.valid)
    })
    .await;
    demo.step("guess gender", c.get_gender("Jane"), |g| {
        format!(
            "{} ({})",
            g.gender.unwrap_or_else(|| "unknown".into()),
            g.confidence.map(|c| c.to_string()).unwrap_or_default()
        )
    })
    .await;
    demo.step(
        "geolocate IP",
        c.geolocate_ip("208.67.222.222"),
        |l| match l {
            Some(l) => l.city_name.unwrap_or_else(|| "located".into()),
            None => "no data (the live API answers {})".into(),
        },
    )
    .await;
    let blacklist = BlacklistData {
        domain: Some("example.com".into()),
        ip: None,
    };
    demo.step("blacklist check", c.get_blacklist_status(&blacklist), |r| {
        let listed = r.listed_on();
        if listed.is_empty() {
            "not listed".into()
        } else {
            format!("listed on {}", listed.join(", "))
        }
    })
    .await;

    forced_fault(demo, &c).await;
}

async fn bulk_import(demo: &mut Demo, c: &Client) {
    let rows = (0..IMPORT_SIZE).map(|i| {
        let mut row = ImportSubscriberData::new(format!("import{i:05}@example.com"));
        row.first_name = Some(format!("User {i}"));
        row.tags = Some(
            if i % 3 == 0 {
                "imported,vip"
            } else {
                "imported"
            }
            .into(),
        );
        row.custom_fields
            .insert("signup_source".into(), json!("csv"));
        row
    });
    let bar = ProgressBar::new(IMPORT_SIZE as u64);
    bar.set_style(
        ProgressStyle::with_template("  importing {bar:40} {pos}/{len} subscribers")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let options = ChunkOptions::default().chunk_size(250).concurrency(4);
    let progress = bar.clone();
    let interactive = std::io::IsTerminal::is_terminal(&std::io::stderr());
    demo.step(
        "bulk import (chunked)",
        c.run_chunked::<bento::ImportSubscribers>(rows, options, move |p| {
            progress.set_position(p.records_done as u64);
            // Not a terminal (CI, a log file): plain lines instead of a bar.
            if !interactive && p.chunks_done % 4 == 0 {
                println!(
                    "  importing: {} of {IMPORT_SIZE} records, {} accepted, {} failed",
                    p.records_done, p.accepted, p.failed
                );
            }
        }),
        |report| {
            if report.is_complete() {
                format!("{} accepted in {} chunks", report.accepted, report.chunks)
            } else {
                format!("{report}")
            }
        },
    )
    .await;
    bar.finish_and_clear();
    if let Some(Step {
        outcome: Ok(text), ..
    }) = demo.steps.last()
        && !text.starts_with(&IMPORT_SIZE.to_string())
    {
        let text = text.clone();
        demo.fail(
            "bulk import (chunked)",
            format!("not every record was accepted: {text}"),
        );
    }
}

async fn forced_fault(demo: &mut Demo, c: &Client) {
    let Some(emu) = &demo.emulator else {
        demo.skip(
            "rides through a 429 + Retry-After",
            "no faults against the real API",
        );
        return;
    };
    arm_rate_limit(emu);
    let started = Instant::now();
    let result = c.track(Event::new("$login", "jane.demo@example.com")).await;
    let latency = started.elapsed();
    let outcome = match result {
        Ok(_) => judge_rate_limit(emu, latency),
        Err(e) => Err(e.to_string()),
    };
    demo.steps.push(Step {
        name: "rides through a 429 + Retry-After",
        surface: "rust",
        outcome,
        latency,
    });
}

/// The forced fault of both surfaces: the next `/batch/events` request is answered 429 with
/// `Retry-After: 1`.
fn arm_rate_limit(emu: &Emulator) {
    emu.clear_requests();
    emu.add_fault(
        FaultRule::new(FaultAction::Status {
            status: 429,
            body: Some(json!({"error": "Too Many Requests"})),
            retry_after: Some(1),
            content_type: None,
        })
        .exact_path("/batch/events")
        .once(),
    );
}

/// An accepted call rode through the fault when it took exactly 2 attempts, ≥ 1 s apart.
fn judge_rate_limit(emu: &Emulator, latency: Duration) -> Result<String, String> {
    let attempts = emu
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/batch/events"))
        .count();
    if attempts == 2 && latency >= Duration::from_millis(900) {
        Ok(format!(
            "429 (Retry-After: 1s), waited, retried: accepted after {attempts} attempts"
        ))
    } else {
        Err(format!(
            "accepted, but expected 2 attempts ≥ 1 s apart, saw {attempts} in {latency:?}"
        ))
    }
}

/// One line per step and surface, the surfaces of a step next to each other.
fn print_table(steps: &[Step]) {
    let mut order: Vec<&'static str> = Vec::new();
    for s in steps {
        if !order.contains(&s.name) {
            order.push(s.name);
        }
    }
    let name_w = steps.iter().map(|s| s.name.len()).max().unwrap_or(4).max(4);
    println!(
        "{:<name_w$}  {:<7}  {:>10}  {:<6}  result",
        "step", "surface", "latency", "status"
    );
    println!("{}", "-".repeat(name_w + 90));
    for name in order {
        for s in steps.iter().filter(|s| s.name == name) {
            let (status, text) = match &s.outcome {
                Ok(t) => ("ok", t.as_str()),
                Err(e) => ("FAILED", e.as_str()),
            };
            let latency = format!("{:.1} ms", s.latency.as_secs_f64() * 1000.0);
            println!(
                "{:<name_w$}  {:<7}  {:>10}  {:<6}  {text}",
                s.name, s.surface, latency, status
            );
        }
    }
}
