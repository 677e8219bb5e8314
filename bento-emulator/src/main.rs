//! `bento-emulator`: run the Bento API emulator as a process. Prints one JSON line with the URLs
//! and keys on stdout, then serves until SIGTERM/SIGINT.

use bento_emulator::{Emulator, EmulatorConfig, Fixture, RateLimit, parse_rules};
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

const HELP: &str = "\
bento-emulator: a local, in-memory emulator of the Bento REST API (/api/v1)

USAGE:
    bento-emulator [OPTIONS]

OPTIONS:
    --port N                  Port to bind (default 0 = any free port)
    --host ADDR               Address to bind (default 127.0.0.1)
    --publishable-key K       Accepted publishable key (default pk_emulator_publishable)
    --secret-key S            Accepted secret key (default sk_emulator_secret)
    --site-uuid U             Accepted site_uuid (default emulator-site-0000)
    --fixture FILE            Seed data JSON replacing the built-in fixture
    --faults FILE             Fault rules JSON (one rule, an array, or {\"faults\": [...]})
    --rate-limit off|strict   Rate-limit profile (default off; strict = 60/min fetch+batch, 30/h stats)
    --no-strict-user-agent    Do not answer 403 to requests without a User-Agent
    --import-delay-ms N       Imported subscribers become visible after N ms (default 0)
    --author EMAIL            Allowed sender (repeatable; replaces the defaults
                              sender@example.com and team@example.com)
    --blacklist-domain D      Domain reported as blacklisted (repeatable; replaces the defaults)
    --blacklist-ip IP         IP reported as blacklisted (repeatable; replaces the defaults)
    --max-body-bytes N        Largest accepted request body (default 16777216)
    --max-log-bytes N         Request log size cap, about its JSON size (default 16777216)
    --max-logged-body-bytes N Bytes of each body kept in the request log (default 65536)
    --header-read-timeout-ms N  Close a connection that sends no complete request head
                              within N ms (default 10000; 0 = never)
    --idle-timeout-ms N       Close a connection idle for N ms (default 60000; 0 = never)
    --log-requests            One line per request on stderr (request id, method, path,
                              status, time, faults); BENTO_EMULATOR_LOG=1 does the same
    -h, --help                Print this help
    -V, --version             Print the version

On start, prints one JSON line:
    {\"base_url\":\"http://127.0.0.1:PORT/api/v1\",\"admin_url\":\"http://127.0.0.1:PORT/__emulator\",
     \"publishable_key\":\"..\",\"secret_key\":\"..\",\"site_uuid\":\"..\"}
Admin API (no auth): GET/POST/DELETE /__emulator/faults, GET/DELETE /__emulator/requests,
GET /__emulator/state, POST /__emulator/reset.
";

enum Parsed {
    Run(Box<EmulatorConfig>),
    Exit(String),
}

fn parse_args(args: Vec<String>) -> Result<Parsed, String> {
    let mut cfg = EmulatorConfig::default();
    let (mut authors, mut domains, mut ips) = (Vec::new(), Vec::new(), Vec::new());
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        // Accept both `--flag value` and `--flag=value`.
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, String> {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Parsed::Exit(HELP.to_string())),
            "-V" | "--version" => {
                return Ok(Parsed::Exit(format!(
                    "bento-emulator {}\n",
                    env!("CARGO_PKG_VERSION")
                )));
            }
            "--port" => {
                cfg.port = value("--port")?
                    .parse()
                    .map_err(|e| format!("--port: {e}"))?
            }
            "--host" => {
                cfg.host = value("--host")?
                    .parse()
                    .map_err(|e| format!("--host: {e}"))?
            }
            "--publishable-key" => cfg.publishable_key = value("--publishable-key")?,
            "--secret-key" => cfg.secret_key = value("--secret-key")?,
            "--site-uuid" => cfg.site_uuid = value("--site-uuid")?,
            "--fixture" => {
                cfg.fixture =
                    Some(Fixture::from_path(&value("--fixture")?).map_err(|e| e.to_string())?)
            }
            "--faults" => {
                let path = value("--faults")?;
                let text = std::fs::read(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
                cfg.faults
                    .extend(parse_rules(&text).map_err(|e| format!("{path}: {e}"))?);
            }
            "--rate-limit" => {
                cfg.rate_limit = match value("--rate-limit")?.as_str() {
                    "off" => RateLimit::Off,
                    "strict" => RateLimit::Strict,
                    other => {
                        return Err(format!(
                            "--rate-limit: expected off or strict, got {other:?}"
                        ));
                    }
                }
            }
            "--no-strict-user-agent" => cfg.strict_user_agent = false,
            "--log-requests" => cfg.log_requests = true,
            "--import-delay-ms" => {
                let ms: u64 = value("--import-delay-ms")?
                    .parse()
                    .map_err(|e| format!("--import-delay-ms: {e}"))?;
                cfg.import_delay = Duration::from_millis(ms);
            }
            "--author" => authors.push(value("--author")?),
            "--blacklist-domain" => domains.push(value("--blacklist-domain")?),
            "--blacklist-ip" => ips.push(value("--blacklist-ip")?),
            "--max-body-bytes" => {
                cfg.max_body_bytes = value("--max-body-bytes")?
                    .parse()
                    .map_err(|e| format!("--max-body-bytes: {e}"))?
            }
            "--max-log-bytes" => {
                cfg.max_log_bytes = value("--max-log-bytes")?
                    .parse()
                    .map_err(|e| format!("--max-log-bytes: {e}"))?
            }
            "--max-logged-body-bytes" => {
                cfg.max_logged_body_bytes = value("--max-logged-body-bytes")?
                    .parse()
                    .map_err(|e| format!("--max-logged-body-bytes: {e}"))?
            }
            "--header-read-timeout-ms" => {
                let ms: u64 = value("--header-read-timeout-ms")?
                    .parse()
                    .map_err(|e| format!("--header-read-timeout-ms: {e}"))?;
                cfg.header_read_timeout = Duration::from_millis(ms);
            }
            "--idle-timeout-ms" => {
                let ms: u64 = value("--idle-timeout-ms")?
                    .parse()
                    .map_err(|e| format!("--idle-timeout-ms: {e}"))?;
                cfg.idle_timeout = Duration::from_millis(ms);
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    if !authors.is_empty() {
        cfg.authors = authors;
    }
    if !domains.is_empty() {
        cfg.blacklisted_domains = domains;
    }
    if !ips.is_empty() {
        cfg.blacklisted_ips = ips;
    }
    Ok(Parsed::Run(Box::new(cfg)))
}

/// Registers the SIGTERM/SIGINT handlers now (so a signal sent right after the readiness line is
/// never lost) and returns a future that resolves on the first of them.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let term = signal(SignalKind::terminate()).ok();
        let int = signal(SignalKind::interrupt()).ok();
        async move {
            let wait = |s: Option<tokio::signal::unix::Signal>| async move {
                match s {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                () = wait(term) => {}
                () = wait(int) => {}
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

fn main() -> ExitCode {
    let cfg = match parse_args(std::env::args().skip(1).collect()) {
        Ok(Parsed::Run(cfg)) => cfg,
        Ok(Parsed::Exit(text)) => {
            print!("{text}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("bento-emulator: {e}");
            return ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("bento-emulator: cannot build runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let emu = match Emulator::start(*cfg) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("bento-emulator: {e}");
            return ExitCode::FAILURE;
        }
    };
    rt.block_on(async {
        let signalled = shutdown_signal();
        let line = serde_json::json!({
            "base_url": emu.base_url(),
            "admin_url": emu.admin_url(),
            "publishable_key": emu.publishable_key(),
            "secret_key": emu.secret_key(),
            "site_uuid": emu.site_uuid(),
        });
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
        drop(out);
        signalled.await;
    });
    emu.shutdown();
    eprintln!("bento-emulator: stopped");
    ExitCode::SUCCESS
}
