//! `bento-hostile`: serves one case of the shared hostile list (`bento_emulator::hostile::cases`)
//! on a loopback port, so a test in another language drives the same cases as the Rust suites.
//!
//! ```text
//! bento-hostile list         one JSON line: {"constants": {...}, "cases": [{...}, ...]}
//! bento-hostile serve NAME   one JSON line: {"base_url", "port", "target_origin", "message", "case"}
//!                            then serves until stdin is closed (at most 120 s), then prints one
//!                            JSON line of what the servers saw: {"requests", "connections",
//!                            "written", "target_connections", "problems": [...]} — `problems`
//!                            are the case's server-side checks, judged here once for every
//!                            surface
//! ```

use std::io::{Read, Write};
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::Duration;

use bento_emulator::hostile::cases::{self, Expect};
use serde_json::json;

/// The longest a case is served when stdin is never closed (its test died).
const MAX_SERVE: Duration = Duration::from_secs(120);

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["list"] => list(),
        ["serve", name] => serve(name),
        _ => Err("usage: bento-hostile list | bento-hostile serve NAME".to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bento-hostile: {e}");
            ExitCode::FAILURE
        }
    }
}

fn print(value: &serde_json::Value) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{value}")
        .and_then(|()| out.flush())
        .map_err(|e| format!("stdout: {e}"))
}

fn list() -> Result<(), String> {
    let all: Vec<serde_json::Value> = cases::cases().iter().map(|c| c.to_json()).collect();
    print(&json!({"constants": cases::constants_json(), "cases": all}))
}

fn serve(name: &str) -> Result<(), String> {
    let case = cases::case(name).ok_or_else(|| format!("no case named {name:?}"))?;
    let started = case.start().map_err(|e| format!("cannot start: {e}"))?;
    let message = match &case.expect {
        Expect::Api {
            message: Some(m), ..
        } => Some(started.resolve(m)),
        _ => None,
    };
    print(&json!({
        "base_url": started.base_url(&case),
        "port": started.server.port,
        "target_origin": started.target.origin(),
        "message": message,
        "case": case.to_json(),
    }))?;
    let (done, wait) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = std::io::stdin().lock().read_to_end(&mut Vec::new());
        let _ = done.send(());
    });
    let _ = wait.recv_timeout(MAX_SERVE);
    let stats = started.stats();
    print(&json!({
        "requests": stats.requests,
        "connections": stats.connections,
        "written": stats.written,
        "target_connections": stats.target_connections,
        "problems": case.server_problems(&stats),
    }))
}
