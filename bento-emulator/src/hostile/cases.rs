//! The hostile cases, once, as data: what the server does on each connection, which one client
//! call is made, with which settings, and what must come of it — the outcome class, a time
//! bound, how many requests and connections the server may see. Every surface iterates this
//! list: `bento/tests/hostile.rs` (async and blocking clients), `host-tests`' `e2e/shared.rs`
//! (the WASI component in wasmtime; a case marked `component_by_hand` is also covered by a
//! test of `e2e/hostile.rs`), and `bento-ffi/python/tests/test_hostile.py` through the
//! `bento-hostile` binary (`bento-hostile list` prints the list as JSON, `bento-hostile serve
//! NAME` serves one case). A surface that cannot run a case says why in `Case::python` /
//! [`Case::component`]; FUZZING.md's table is generated from this list (and checked by a test).
//!
//! The server-side half of every check ([`Case::server_problems`]) is written here once, so
//! every surface judges the request counts, the redirect target and the bytes written the same
//! way; each surface checks its own error, time, leaks and memory.

use std::ops::RangeInclusive;
use std::sync::Arc;
use std::time::Duration;

use super::{Act, Hostile, Request, Script, head, json, response};

/// The publishable key every case's client uses.
pub const PK: &str = "pk_hostile";
/// The secret key every case's client uses (must never appear in an error or a log record).
pub const SECRET: &str = "sk_hostile_Q7v9Xk2mZp4R";
/// The site UUID every case's client uses.
pub const SITE_UUID: &str = "site-1";
/// base64("pk_hostile:sk_hostile_Q7v9Xk2mZp4R"), the Authorization header's credential.
pub const B64: &str = "cGtfaG9zdGlsZTpza19ob3N0aWxlX1E3djlYazJtWnA0Ug==";
/// The subscriber every call names.
pub const EMAIL: &str = "jane.doe@example.com";
/// What must never appear in an error (or a log record).
pub const NEEDLES: &[&str] = &[SECRET, B64, EMAIL, "jane.doe", "%40"];
/// Secrets no 10-character piece of which may survive where [`Check::NoPieceOfASecret`] applies.
pub const SECRETS: &[&str] = &[SECRET, B64];

/// The one client call a case makes. Every argument not named here is fixed: events are
/// `$tag` `vip` for [`EMAIL`], rows are `user{i}@example.com`, the email goes to [`EMAIL`] from
/// `sender@example.com`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Call {
    /// `track(Event::tag(EMAIL, "vip"))`: not idempotent, never re-sent once it may have landed.
    Track,
    /// `get_tags()`: an idempotent read (retried after timeouts, resets and 5xx).
    GetTags,
    /// `send_emails` with one transactional email to [`EMAIL`]: never re-sent.
    SendEmail,
    /// `find_subscriber(EMAIL)`: the email travels in the query.
    FindSubscriber,
    /// `import_subscribers` of this many rows (an upsert: retried).
    ImportSubscribers(usize),
    /// `import_subscribers` of 1,000 rows with a 900-character first name (about 1 MB).
    ImportBigRows,
    /// `subscriber_command([AddTag])`, or `[AddTag, AddTagViaEvent]` (which triggers
    /// automations, so the batch is never re-sent).
    Commands { via_event: bool },
    /// `all_sequences()`: the pager.
    AllSequences,
    /// `upsert_subscriber(EMAIL)`: an import, then a read.
    UpsertSubscriber,
    /// An id-taking call with this id: `delete_tag(id, "vip")`.
    DeleteTag(&'static str),
    /// `get_segment(id)`.
    GetSegment(&'static str),
    /// `get_email_template(id)`.
    GetEmailTemplate(&'static str),
    /// `create_sequence_email(id, {subject "s", html "<p>h</p>"})`.
    CreateSequenceEmail(&'static str),
    /// `update_email_template(id, subject "s")`.
    UpdateEmailTemplate(&'static str),
}

impl Call {
    /// The call's name as the surfaces' tests spell it (`track`, `get_tags`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Call::Track => "track",
            Call::GetTags => "get_tags",
            Call::SendEmail => "send_email",
            Call::FindSubscriber => "find_subscriber",
            Call::ImportSubscribers(_) => "import_subscribers",
            Call::ImportBigRows => "import_big_rows",
            Call::Commands { via_event: false } => "commands",
            Call::Commands { via_event: true } => "commands_via_event",
            Call::AllSequences => "all_sequences",
            Call::UpsertSubscriber => "upsert_subscriber",
            Call::DeleteTag(_) => "delete_tag",
            Call::GetSegment(_) => "get_segment",
            Call::GetEmailTemplate(_) => "get_email_template",
            Call::CreateSequenceEmail(_) => "create_sequence_email",
            Call::UpdateEmailTemplate(_) => "update_email_template",
        }
    }

    /// The call's argument, when it has one the surfaces must pass (rows, an id).
    pub fn arg(&self) -> Option<String> {
        match self {
            Call::ImportSubscribers(n) => Some(n.to_string()),
            Call::DeleteTag(id)
            | Call::GetSegment(id)
            | Call::GetEmailTemplate(id)
            | Call::CreateSequenceEmail(id)
            | Call::UpdateEmailTemplate(id) => Some((*id).to_string()),
            _ => None,
        }
    }
}

/// The client settings of a case (every surface sets what it can; see `Case::python`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setup {
    /// Per-attempt timeout.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// The whole call's deadline (every attempt and wait).
    pub deadline: Duration,
    /// The response size cap.
    pub max_response_bytes: u64,
    /// Retries after 1–5 ms.
    pub max_retries: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// The longest `Retry-After` waited out.
    pub max_retry_after: Duration,
    /// `https://127.0.0.1:PORT/api/v1` instead of `http://`.
    pub tls: bool,
}

impl Default for Setup {
    /// 500 ms per attempt and to connect, a 3 s deadline, a 64 KiB cap, 3 retries after
    /// 1–5 ms, `Retry-After` up to 2 s: every case ends within a few seconds.
    fn default() -> Self {
        Setup {
            timeout: Duration::from_millis(500),
            connect_timeout: Duration::from_millis(500),
            deadline: Duration::from_secs(3),
            max_response_bytes: 64 * 1024,
            max_retries: 3,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            max_retry_after: Duration::from_secs(2),
            tls: false,
        }
    }
}

/// A transport failure's kind (the core's `TransportErrorKind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Timeout,
    /// The call's deadline ran out.
    Deadline,
    Io,
    Connect,
    ResponseTooLarge,
}

impl Kind {
    /// `timeout`, `deadline`, `io`, `connect`, `response_too_large`.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Timeout => "timeout",
            Kind::Deadline => "deadline",
            Kind::Io => "io",
            Kind::Connect => "connect",
            Kind::ResponseTooLarge => "response_too_large",
        }
    }
}

/// What a `Retry-After` on the error must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryAfter {
    /// Anything (not checked).
    Any,
    /// None (an unreadable header is ignored).
    Absent,
    /// Present (any value).
    Present,
    /// Exactly this.
    Exactly(Duration),
    /// At least this.
    AtLeast(Duration),
}

impl RetryAfter {
    /// Whether `got` satisfies this.
    pub fn accepts(self, got: Option<Duration>) -> bool {
        match self {
            RetryAfter::Any => true,
            RetryAfter::Absent => got.is_none(),
            RetryAfter::Present => got.is_some(),
            RetryAfter::Exactly(d) => got == Some(d),
            RetryAfter::AtLeast(d) => got.is_some_and(|g| g >= d),
        }
    }
}

/// The outcome class a case expects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    /// The call succeeds; with `items`, a list of that many (all distinct).
    Ok { items: Option<usize> },
    /// Refused before any I/O.
    InvalidInput,
    /// 401.
    NotAuthorized,
    /// 429 (after the retries, or with a `Retry-After` too long to wait).
    RateLimit { retry_after: RetryAfter },
    /// Any other status; `message` (if any) must be contained in the error's message, with
    /// `{target}` standing for the redirect target's origin (`http://127.0.0.1:P`).
    Api {
        status: u16,
        retry_after: RetryAfter,
        message: Option<&'static str>,
    },
    /// A 2xx whose body does not have the documented shape.
    Decode { status: u16 },
    /// No complete response: a transport error of one of these kinds.
    Transport(&'static [Kind]),
    /// Any error (the class is not part of the promise).
    AnyError,
}

impl Expect {
    fn api(status: u16) -> Expect {
        Expect::Api {
            status,
            retry_after: RetryAfter::Any,
            message: None,
        }
    }

    /// For a call that succeeded: why it does not satisfy this expectation (`ids` are the ids
    /// of a returned list, if the call returns one), or `None`. Shared by every surface.
    pub fn ok_problem(&self, ids: Option<&[String]>) -> Option<String> {
        let Expect::Ok { items } = self else {
            return Some(format!("expected {}, the call succeeded", self.describe()));
        };
        let (Some(n), Some(ids)) = (items, ids) else {
            return None;
        };
        let mut distinct = ids.to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        ((ids.len(), distinct.len()) != (*n, *n)).then(|| {
            format!(
                "{} items, {} distinct, expected {n}",
                ids.len(),
                distinct.len()
            )
        })
    }

    /// One line for the table: `Api 302 "…"`, `Transport Timeout|Deadline`, ...
    pub fn describe(&self) -> String {
        match self {
            Expect::Ok { items: None } => "Ok".into(),
            Expect::Ok { items: Some(n) } => format!("Ok, {n} distinct items"),
            Expect::InvalidInput => "InvalidInput".into(),
            Expect::NotAuthorized => "NotAuthorized".into(),
            Expect::RateLimit { retry_after } => {
                format!("RateLimit {}", describe_retry(*retry_after))
            }
            Expect::Api {
                status,
                retry_after,
                message,
            } => {
                let mut s = format!("Api {status}");
                if *retry_after != RetryAfter::Any {
                    s.push(' ');
                    s.push_str(&describe_retry(*retry_after));
                }
                if let Some(m) = message {
                    s.push_str(&format!(" \"…{m}…\""));
                }
                s
            }
            Expect::Decode { status } => format!("Decode {status}"),
            Expect::Transport(kinds) => {
                let names: Vec<&str> = kinds.iter().map(|k| k.name()).collect();
                format!("Transport {}", names.join("|"))
            }
            Expect::AnyError => "an error".into(),
        }
    }
}

fn describe_retry(r: RetryAfter) -> String {
    match r {
        RetryAfter::Any => "retry_after any".into(),
        RetryAfter::Absent => "retry_after None".into(),
        RetryAfter::Present => "retry_after Some".into(),
        RetryAfter::Exactly(d) => format!("retry_after {d:?}"),
        RetryAfter::AtLeast(d) => format!("retry_after ≥ {d:?}"),
    }
}

/// Further checks of a case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Check {
    /// No 10-character piece of [`SECRETS`] in the error text (a secret cut by a length cap is
    /// still a leak). Every case checks that no whole [`NEEDLES`] appears.
    NoPieceOfASecret,
    /// The error's message (`Display`) is shorter than this many characters.
    MessageUnder(usize),
    /// The error says the request was never sent (`Error::never_sent`), or that it may have
    /// been (false). Rust clients only: the other surfaces do not expose it.
    NeverSent(bool),
    /// The server wrote fewer bytes than this (an endless body was not read to its end).
    MaxWritten(u64),
    /// The calling process's RSS grew by less than this many bytes during the call.
    MaxRssGrowth(u64),
    /// The call took at least this long (a deadline was not cut short).
    AtLeast(Duration),
    /// The server read a TLS record (0x16) and none of [`NEEDLES`] (nor `Authorization` or
    /// `site_uuid`) in clear.
    OnlyTls,
}

/// Whether a surface runs a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Surface {
    Runs,
    /// Not run there, and why.
    Skip(&'static str),
    /// Run there, and a hand-written test of that surface (named) covers the same class too.
    ByHand(&'static str),
}

/// One hostile case.
#[derive(Clone)]
pub struct Case {
    /// Unique, stable: `group/what` (e.g. `redirect/302-on-a-post`).
    pub name: String,
    /// The FUZZING.md row this case belongs to.
    pub group: &'static str,
    pub call: Call,
    pub setup: Setup,
    pub expect: Expect,
    /// The call returns within this.
    pub bound: Duration,
    /// How many requests the server read.
    pub requests: Option<RangeInclusive<usize>>,
    /// How many connections the server accepted.
    pub connections: Option<usize>,
    pub checks: Vec<Check>,
    pub python: Surface,
    pub component: Surface,
    script: Arc<dyn Fn(&str) -> Script + Send + Sync>,
}

impl std::fmt::Debug for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Case")
            .field("name", &self.name)
            .field("call", &self.call)
            .field("expect", &self.expect)
            .finish_non_exhaustive()
    }
}

/// A case's servers, running: the hostile one, and a redirect target that must never be
/// reached (a followed redirect would land there).
pub struct Started {
    pub server: Hostile,
    pub target: Hostile,
}

impl Started {
    /// The base URL the client is pointed at (`https://` when [`Setup::tls`]).
    pub fn base_url(&self, case: &Case) -> String {
        let scheme = if case.setup.tls { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}/api/v1", self.server.port)
    }

    /// What the servers saw.
    pub fn stats(&self) -> Stats {
        Stats {
            requests: self.server.requests().len(),
            connections: self.server.connections(),
            written: self.server.written(),
            target_connections: self.target.connections(),
            unparsed: self.server.unparsed(),
        }
    }

    /// `text` with `{target}` replaced by the target's origin.
    pub fn resolve(&self, text: &str) -> String {
        text.replace("{target}", &self.target.origin())
    }
}

/// What a case's servers saw.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub requests: usize,
    pub connections: usize,
    pub written: u64,
    pub target_connections: usize,
    pub unparsed: Vec<u8>,
}

impl Case {
    fn new(name: impl Into<String>, group: &'static str, call: Call, expect: Expect) -> Case {
        Case {
            name: name.into(),
            group,
            call,
            setup: Setup::default(),
            expect,
            bound: Duration::from_secs(2),
            requests: None,
            connections: None,
            checks: Vec::new(),
            python: Surface::Runs,
            component: Surface::Runs,
            script: Arc::new(|_| Arc::new(|_| Act::DropBeforeRead)),
        }
    }
    /// The same act on every connection.
    fn always(self, act: Act) -> Case {
        self.acts(move |_| vec![act.clone()])
    }
    /// `acts[n]` on connection `n`, the last repeating; built from the target's origin.
    fn acts(mut self, acts: impl Fn(&str) -> Vec<Act> + Send + Sync + 'static) -> Case {
        self.script = Arc::new(move |target| {
            let acts = acts(target);
            Arc::new(move |n| acts[n.min(acts.len().saturating_sub(1))].clone())
        });
        self
    }
    /// Any script of acts.
    fn script(mut self, script: impl Fn(usize) -> Act + Send + Sync + Clone + 'static) -> Case {
        self.script = Arc::new(move |_| Arc::new(script.clone()));
        self
    }
    fn bound_ms(mut self, ms: u64) -> Case {
        self.bound = Duration::from_millis(ms);
        self
    }
    fn requests(mut self, n: usize) -> Case {
        self.requests = Some(n..=n);
        self
    }
    fn requests_in(mut self, r: RangeInclusive<usize>) -> Case {
        self.requests = Some(r);
        self
    }
    fn connections(mut self, n: usize) -> Case {
        self.connections = Some(n);
        self
    }
    fn check(mut self, c: Check) -> Case {
        self.checks.push(c);
        self
    }
    fn setup(mut self, f: impl FnOnce(&mut Setup)) -> Case {
        f(&mut self.setup);
        self
    }
    // No case skips Python today; a case the Python package cannot run would set
    // `python: Surface::Skip(why)` here, and test_hostile.py's docstring must name it.

    /// Starts the case's servers.
    pub fn start(&self) -> std::io::Result<Started> {
        let target = Hostile::try_script(Arc::new(|_| Act::Raw(json(200, r#"{"data":[]}"#))))?;
        let server = Hostile::try_script((self.script)(&target.origin()))?;
        Ok(Started { server, target })
    }

    /// The server-side checks: request and connection counts, the redirect target untouched,
    /// bytes written, what a TLS client sent. Empty when all hold.
    pub fn server_problems(&self, stats: &Stats) -> Vec<String> {
        let mut problems = Vec::new();
        if let Some(range) = &self.requests
            && !range.contains(&stats.requests)
        {
            problems.push(format!(
                "the server read {} requests, expected {range:?}",
                stats.requests
            ));
        }
        if let Some(n) = self.connections
            && stats.connections != n
        {
            problems.push(format!(
                "the server accepted {} connections, expected {n}",
                stats.connections
            ));
        }
        if stats.target_connections != 0 {
            problems.push(format!(
                "the redirect target was reached ({} connections)",
                stats.target_connections
            ));
        }
        for check in &self.checks {
            match check {
                Check::MaxWritten(max) if stats.written >= *max => problems.push(format!(
                    "the server wrote {} bytes (the client kept reading), bound {max}",
                    stats.written
                )),
                Check::OnlyTls => {
                    if stats.unparsed.first() != Some(&0x16) {
                        problems.push("the client did not start with a TLS record".into());
                    }
                    let seen = String::from_utf8_lossy(&stats.unparsed);
                    for needle in
                        NEEDLES
                            .iter()
                            .chain(&["Authorization", "authorization", "site_uuid"])
                    {
                        if seen.contains(needle) {
                            problems.push(format!("{needle} went out in clear"));
                        }
                    }
                }
                _ => {}
            }
        }
        problems
    }

    /// The client-side checks every surface makes the same way, from what came of the call:
    /// the time bound, [`Check::AtLeast`], [`Check::MaxRssGrowth`] (`grew` bytes), and for an
    /// error its leak checks ([`Case::text_problems`] on `shown`, every text the surface
    /// shows of it) and [`Check::MessageUnder`] (`message_chars`, its message's length). The
    /// outcome class and [`Check::NeverSent`] are each surface's own.
    pub fn call_problems(
        &self,
        took: Duration,
        grew: u64,
        error: Option<(&str, usize)>,
    ) -> Vec<String> {
        let mut problems = Vec::new();
        if took >= self.bound {
            problems.push(format!("took {took:?}, bound {:?}", self.bound));
        }
        if let Some((shown, _)) = error {
            problems.extend(self.text_problems(shown));
        }
        for check in &self.checks {
            match (check, error) {
                (Check::MessageUnder(n), Some((_, chars))) if chars >= *n => {
                    problems.push(format!("a message of {chars} chars"));
                }
                (Check::MaxRssGrowth(max), _) if grew >= *max => {
                    problems.push(format!("RSS grew by {grew} bytes"))
                }
                (Check::AtLeast(d), _) if took < *d => {
                    problems.push(format!("took only {took:?}, at least {d:?}"))
                }
                _ => {}
            }
        }
        problems
    }

    /// The leak checks on an error's text (`Display` and `Debug`/`repr` together): no whole
    /// needle, and with [`Check::NoPieceOfASecret`] no 10-character piece of a secret.
    pub fn text_problems(&self, shown: &str) -> Vec<String> {
        let mut problems: Vec<String> = NEEDLES
            .iter()
            .filter(|n| shown.contains(*n))
            .map(|n| format!("{n} leaked"))
            .collect();
        if self.checks.contains(&Check::NoPieceOfASecret) {
            for secret in SECRETS {
                for window in secret.as_bytes().windows(10) {
                    let piece = String::from_utf8_lossy(window);
                    if shown.contains(piece.as_ref()) {
                        problems.push(format!("a piece of a secret ({piece}) survived"));
                        break;
                    }
                }
            }
        }
        problems
    }

    /// The case as JSON, for the other languages' tests (`bento-hostile list`).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::json;
        let ms = |d: Duration| u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
        let retry = |r: RetryAfter| match r {
            RetryAfter::Any => json!({"is": "any"}),
            RetryAfter::Absent => json!({"is": "absent"}),
            RetryAfter::Present => json!({"is": "present"}),
            RetryAfter::Exactly(d) => json!({"is": "exactly", "secs": d.as_secs_f64()}),
            RetryAfter::AtLeast(d) => json!({"is": "at_least", "secs": d.as_secs_f64()}),
        };
        let expect = match &self.expect {
            Expect::Ok { items } => json!({"class": "ok", "items": items}),
            Expect::InvalidInput => json!({"class": "invalid_input"}),
            Expect::NotAuthorized => json!({"class": "not_authorized"}),
            Expect::RateLimit { retry_after } => {
                json!({"class": "rate_limit", "retry_after": retry(*retry_after)})
            }
            Expect::Api {
                status,
                retry_after,
                message,
            } => json!({"class": "api", "status": status, "retry_after": retry(*retry_after),
                        "message": message}),
            Expect::Decode { status } => json!({"class": "decode", "status": status}),
            Expect::Transport(kinds) => json!({"class": "transport",
                "kinds": kinds.iter().map(|k| k.name()).collect::<Vec<_>>()}),
            Expect::AnyError => json!({"class": "any_error"}),
        };
        let checks: Vec<serde_json::Value> = self
            .checks
            .iter()
            .map(|c| match c {
                Check::NoPieceOfASecret => json!({"check": "no_piece_of_a_secret"}),
                Check::MessageUnder(n) => json!({"check": "message_under", "chars": n}),
                Check::NeverSent(b) => json!({"check": "never_sent", "value": b}),
                Check::MaxWritten(n) => json!({"check": "max_written", "bytes": n}),
                Check::MaxRssGrowth(n) => json!({"check": "max_rss_growth", "bytes": n}),
                Check::AtLeast(d) => json!({"check": "at_least", "ms": ms(*d)}),
                Check::OnlyTls => json!({"check": "only_tls"}),
            })
            .collect();
        let surface = |s: Surface| match s {
            Surface::Runs => serde_json::Value::Null,
            Surface::Skip(why) => json!(why),
            // Run through the list too; the hand-written test is extra.
            Surface::ByHand(_) => serde_json::Value::Null,
        };
        let s = &self.setup;
        json!({
            "name": self.name,
            "group": self.group,
            "call": self.call.name(),
            "arg": self.call.arg(),
            "setup": {
                "timeout_ms": ms(s.timeout),
                "connect_timeout_ms": ms(s.connect_timeout),
                "deadline_ms": ms(s.deadline),
                "max_response_bytes": s.max_response_bytes,
                "max_retries": s.max_retries,
                "base_delay_ms": ms(s.base_delay),
                "max_delay_ms": ms(s.max_delay),
                "max_retry_after_ms": ms(s.max_retry_after),
                "tls": s.tls,
            },
            "expect": expect,
            "bound_ms": ms(self.bound),
            "checks": checks,
            "python_skip": surface(self.python),
            "component_skip": surface(self.component),
        })
    }
}

/// The shared constants as JSON (`bento-hostile list` prints them with the cases).
pub fn constants_json() -> serde_json::Value {
    serde_json::json!({
        "publishable_key": PK,
        "secret_key": SECRET,
        "site_uuid": SITE_UUID,
        "email": EMAIL,
        "needles": NEEDLES,
        "secrets": SECRETS,
    })
}

/// The case named `name`.
pub fn case(name: &str) -> Option<Case> {
    cases().into_iter().find(|c| c.name == name)
}

fn ok_batch() -> Act {
    Act::Raw(json(200, r#"{"results":1,"failed":0}"#))
}

fn chunked_head(status: &str) -> Vec<u8> {
    head(
        status,
        &[
            ("content-type", "application/json"),
            ("transfer-encoding", "chunked"),
        ],
    )
}

fn page_of(ids: &[u64]) -> Act {
    let items: Vec<String> = ids
        .iter()
        .map(|id| format!(r#"{{"id":"{id}","type":"sequences","attributes":{{"name":"s{id}"}}}}"#))
        .collect();
    Act::Raw(json(200, &format!(r#"{{"data":[{}]}}"#, items.join(","))))
}

/// What a hostile server echoes: the request's Authorization header and target, plus the
/// secret and the email spelled out.
fn echo(r: &Request) -> String {
    format!(
        "{SECRET} {} {} {EMAIL} {B64}",
        r.header("authorization").unwrap_or(""),
        r.target(),
    )
}

fn as_json_string(s: String) -> String {
    serde_json::to_string(&s).unwrap_or_default()
}

/// A body whose secret starts at char `at - 6`, after a space (a whole token), so a length
/// cap at `at` cuts it.
fn secret_across_char(at: usize, quote: bool) -> String {
    let text = format!("{} {SECRET} and {B64} end", "z".repeat(at - 7));
    if quote { as_json_string(text) } else { text }
}

/// Every case, in a stable order.
pub fn cases() -> Vec<Case> {
    let mut all = Vec::new();
    redirects(&mut all);
    batch_counts(&mut all);
    deadlines(&mut all);
    commands(&mut all);
    wire(&mut all);
    retry_after(&mut all);
    echoes(&mut all);
    ids(&mut all);
    big_bodies(&mut all);
    paging(&mut all);
    all
}

const G_REDIRECT_POST: &str =
    "301/302/303/307/308 on a POST (`send_emails`), `Location` on another origin with `?email=…`";
const G_REDIRECT_GET: &str = "302 on a GET";
const G_REDIRECT_CREDS: &str =
    "`Location` with `pk:secret@host`, an email as host, an email and the base64 in the query";
const G_REDIRECT_BARE: &str = "3xx without `Location`; relative `Location`";

fn redirects(all: &mut Vec<Case>) {
    for status in [301u16, 302, 303, 307, 308] {
        all.push(
            Case::new(
                format!("redirect/{status}-on-a-post"),
                G_REDIRECT_POST,
                Call::SendEmail,
                Expect::Api {
                    status,
                    retry_after: RetryAfter::Absent,
                    message: Some("the server redirected to {target}; redirects are not followed"),
                },
            )
            .acts(move |target| {
                let location = format!("{target}/api/v1/batch/emails?email=jane.doe%40example.com");
                vec![Act::Raw(response(status, &[("location", &location)], ""))]
            })
            .requests(1)
            .component_by_hand_if(
                status == 307,
                "a_redirect_on_a_post_is_an_error_naming_the_origin_and_is_not_followed",
            ),
        );
    }
    all.push(
        Case::new(
            "redirect/302-on-a-get",
            G_REDIRECT_GET,
            Call::GetTags,
            Expect::api(302),
        )
        .acts(|target| {
            vec![Act::Raw(response(
                302,
                &[("location", &format!("{target}/x"))],
                "",
            ))]
        })
        .requests(1),
    );
    for (what, location) in [
        (
            "credentials-in-the-location",
            format!("http://{PK}:{SECRET}@evil.example:8443/steal"),
        ),
        ("an-email-as-host", format!("https://{EMAIL}/")),
        (
            "email-and-base64-in-the-query",
            format!("https://evil.example/?email=jane.doe%40example.com&auth=Basic%20{B64}"),
        ),
    ] {
        all.push(
            Case::new(
                format!("redirect/{what}"),
                G_REDIRECT_CREDS,
                Call::FindSubscriber,
                Expect::api(308),
            )
            .always(Act::Raw(response(308, &[("location", &location)], "")))
            .requests(1),
        );
    }
    all.push(
        Case::new(
            "redirect/no-location",
            G_REDIRECT_BARE,
            Call::Track,
            Expect::Api {
                status: 301,
                retry_after: RetryAfter::Any,
                message: Some("no Location"),
            },
        )
        .always(Act::Raw(response(301, &[], "")))
        .requests(1),
    );
    all.push(
        Case::new(
            "redirect/relative-location",
            G_REDIRECT_BARE,
            Call::Track,
            Expect::Api {
                status: 307,
                retry_after: RetryAfter::Any,
                message: Some("relative"),
            },
        )
        .always(Act::Raw(response(
            307,
            &[("location", "/api/v1/elsewhere")],
            "",
        )))
        .requests(1),
    );
}

const G_COUNTS: &str = "batch answers `{}`, `{\"results\":5}`, `11+0`, `5+4`, `u64::MAX+1`, `-1`, `\"10\"`, `null`, `[]`, `[10,0]` to a 10-record import";

fn batch_counts(all: &mut Vec<Case>) {
    for (what, body) in [
        ("empty-object", "{}"),
        ("results-only", r#"{"results":5}"#),
        ("more-than-sent", r#"{"results":11,"failed":0}"#),
        ("fewer-than-sent", r#"{"results":5,"failed":4}"#),
        (
            "overflowing-sum",
            r#"{"results":18446744073709551615,"failed":1}"#,
        ),
        ("negative", r#"{"results":-1}"#),
        ("a-string", r#"{"results":"10"}"#),
        ("null", "null"),
        ("an-array", "[]"),
        // The counters as an array, which serde_json alone reads field by field into
        // `{"results":10,"failed":0}`: a silent success. Records are read from objects only.
        ("positional", "[10,0]"),
    ] {
        all.push(
            Case::new(
                format!("counts/{what}"),
                G_COUNTS,
                Call::ImportSubscribers(10),
                Expect::Decode { status: 200 },
            )
            .always(Act::Raw(json(200, body)))
            .requests(1)
            .component_by_hand_if(
                what == "empty-object",
                "counters_that_do_not_add_up_are_a_decode_error",
            ),
        );
    }
}

const G_DEADLINE: &str = "call deadline 700 ms, silent server, 5 s timeout";
const G_RETRY_AFTER_PAST: &str = "`Retry-After: 30` (policy allows 60 s) past a 5 s deadline";

fn deadlines(all: &mut Vec<Case>) {
    all.push(
        Case::new(
            "deadline/a-silent-server",
            G_DEADLINE,
            Call::GetTags,
            Expect::Transport(&[Kind::Timeout, Kind::Deadline]),
        )
        .always(Act::Stall)
        .setup(|s| {
            s.timeout = Duration::from_secs(5);
            s.deadline = Duration::from_millis(700);
        })
        .bound_ms(1_500)
        .check(Check::AtLeast(Duration::from_millis(650)))
        .requests(1),
    );
    all.push(
        Case::new(
            "deadline/retry-after-past-it",
            G_RETRY_AFTER_PAST,
            Call::Track,
            Expect::RateLimit {
                retry_after: RetryAfter::Exactly(Duration::from_secs(30)),
            },
        )
        .always(Act::Raw(response(429, &[("retry-after", "30")], "")))
        .setup(|s| {
            s.max_retry_after = Duration::from_secs(60);
            s.deadline = Duration::from_secs(5);
        })
        .bound_ms(1_000)
        .requests(1)
        .component_by_hand("a_retry_after_past_the_deadline_returns_at_once"),
    );
}

const G_VIA_EVENT: &str = "commands with `add_tag_via_event`: drop after reading; timeout; 503";
const G_PLAIN: &str = "plain commands, drop after reading";

fn commands(all: &mut Vec<Case>) {
    let via = Call::Commands { via_event: true };
    all.push(
        Case::new(
            "commands/via-event-dropped-after-read",
            G_VIA_EVENT,
            via.clone(),
            Expect::Transport(&[Kind::Io]),
        )
        .acts(|_| vec![Act::DropAfterRead, ok_batch()])
        .requests(1),
    );
    all.push(
        Case::new(
            "commands/via-event-timed-out",
            G_VIA_EVENT,
            via.clone(),
            Expect::Transport(&[Kind::Timeout]),
        )
        .acts(|_| vec![Act::Stall, ok_batch()])
        .bound_ms(1_200)
        .requests(1),
    );
    all.push(
        Case::new("commands/via-event-503", G_VIA_EVENT, via, Expect::api(503))
            .acts(|_| vec![Act::Raw(json(503, "{}")), ok_batch()])
            .requests(1),
    );
    all.push(
        Case::new(
            "commands/plain-dropped-after-read",
            G_PLAIN,
            Call::Commands { via_event: false },
            Expect::Ok { items: None },
        )
        .acts(|_| vec![Act::DropAfterRead, ok_batch()])
        .requests(2),
    );
}

const G_SILENT: &str = "silent server (stall before the head): event / idempotent read";
const G_STALL: &str = "head then stall (partial Content-Length body, chunked with no chunk); 1 byte per 20 ms under the cap";
const G_ENDLESS: &str =
    "endless 1 GiB body: chunked, close-delimited, `Content-Length: 1073741824` (cap 1 MiB)";
const G_CL: &str =
    "`Content-Length` 65537 / 1 GiB (head only); `Content-Length: 18446744073709551615`";
const G_BROKEN: &str = "no answer; `garbage`; status `2000`/`99`; `ICY 200 OK`; HTTP/0.9 body only; HTTP/2 preface; `Content-Length: -1`; two Content-Lengths; truncated body; bad chunk size; chunk-size overflow; NUL in a header";
const G_STATUS: &str = "status 600, 999, 101 (unrequested upgrade)";
const G_BOMBS: &str = "header bombs: 100,000 headers; one 1 MiB header; a 1 MiB reason phrase";
const G_CONTINUE: &str = "20,000 × `100 Continue` then silence";
const G_DROPS: &str =
    "drop before reading the request (reset) / after reading it, on `send_emails` and `get_tags`";
const G_TLS: &str = "TLS client (`https://127.0.0.1:P`) to a plain-HTTP answer";

fn wire(all: &mut Vec<Case>) {
    all.push(
        Case::new(
            "wire/silent-server-event",
            G_SILENT,
            Call::Track,
            Expect::Transport(&[Kind::Timeout]),
        )
        .always(Act::Stall)
        .bound_ms(1_200)
        .requests(1),
    );
    all.push(
        Case::new(
            "wire/silent-server-read",
            G_SILENT,
            Call::GetTags,
            Expect::Transport(&[Kind::Timeout]),
        )
        .always(Act::Stall)
        .bound_ms(3_200)
        .requests(4)
        .component_by_hand("a_stalled_server_times_out_within_the_bound"),
    );
    let mut partial = head("200 OK", &[("content-length", "100")]);
    partial.extend_from_slice(b"{\"results\"");
    for (what, act) in [
        ("partial-body-then-stall", Act::ThenStall(partial)),
        (
            "chunked-head-then-stall",
            Act::ThenStall(head("200 OK", &[("transfer-encoding", "chunked")])),
        ),
        // Under the size cap, so only the clock can stop it.
        (
            "trickle-under-the-cap",
            Act::Trickle {
                head: head("200 OK", &[("content-length", "60000")]),
                every: Duration::from_millis(20),
            },
        ),
    ] {
        all.push(
            Case::new(
                format!("wire/{what}"),
                G_STALL,
                Call::Track,
                Expect::Transport(&[Kind::Timeout]),
            )
            .always(act)
            .bound_ms(1_200)
            .requests(1),
        );
    }
    for (what, act) in [
        (
            "endless-chunked",
            Act::Endless {
                head: chunked_head("200 OK"),
                limit: 1 << 30,
                chunked: true,
            },
        ),
        (
            "endless-close-delimited",
            Act::Endless {
                head: head("200 OK", &[]),
                limit: 1 << 30,
                chunked: false,
            },
        ),
        (
            "endless-content-length",
            Act::Endless {
                head: head("200 OK", &[("content-length", "1073741824")]),
                limit: 1 << 30,
                chunked: false,
            },
        ),
    ] {
        all.push(
            Case::new(
                format!("wire/{what}"),
                G_ENDLESS,
                Call::GetTags,
                Expect::Transport(&[Kind::ResponseTooLarge]),
            )
            .always(act)
            .setup(|s| s.max_response_bytes = 1 << 20)
            .bound_ms(3_000)
            .requests(1)
            .check(Check::MaxRssGrowth(96 << 20))
            .check(Check::MaxWritten(256 << 20))
            .component_by_hand_if(
                what == "endless-close-delimited",
                "an_endless_body_is_too_large_in_bounded_memory",
            ),
        );
    }
    // hyper itself refuses a Content-Length it cannot represent (as a broken head).
    for (len, kind) in [
        ("65537", Kind::ResponseTooLarge),
        ("1073741824", Kind::ResponseTooLarge),
        ("18446744073709551615", Kind::Io),
    ] {
        let kinds: &'static [Kind] = match kind {
            Kind::Io => &[Kind::Io],
            _ => &[Kind::ResponseTooLarge],
        };
        all.push(
            Case::new(
                format!("wire/content-length-{len}"),
                G_CL,
                Call::Track,
                Expect::Transport(kinds),
            )
            .always(Act::ThenStall(head("200 OK", &[("content-length", len)])))
            .bound_ms(1_000)
            .requests(1),
        );
    }
    let mut truncated = head("200 OK", &[("content-length", "100")]);
    truncated.extend_from_slice(br#"{"results":1"#);
    let mut bad_chunk = chunked_head("200 OK");
    bad_chunk.extend_from_slice(b"zz\r\nabc\r\n0\r\n\r\n");
    let mut huge_chunk = chunked_head("200 OK");
    huge_chunk.extend_from_slice(b"FFFFFFFFFFFFFFFFFF\r\nabc\r\n");
    let broken: Vec<(&str, Vec<u8>)> = vec![
        ("no-answer", Vec::new()),
        ("garbage-status-line", b"garbage\r\n\r\n".to_vec()),
        (
            "four-digit-status",
            b"HTTP/1.1 2000 OK\r\ncontent-length: 0\r\n\r\n".to_vec(),
        ),
        (
            "two-digit-status",
            b"HTTP/1.1 99 OK\r\ncontent-length: 0\r\n\r\n".to_vec(),
        ),
        ("not-http", b"ICY 200 OK\r\n\r\n".to_vec()),
        (
            "http-0.9-body-only",
            br#"{"results":1,"failed":0}"#.to_vec(),
        ),
        (
            "http2-preface",
            b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec(),
        ),
        (
            "negative-content-length",
            b"HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n{}".to_vec(),
        ),
        (
            "two-content-lengths",
            b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 5\r\n\r\n{}".to_vec(),
        ),
        ("truncated-body", truncated),
        ("bad-chunk-size", bad_chunk),
        ("chunk-size-overflow", huge_chunk),
        (
            "nul-in-a-header",
            b"HTTP/1.1 200 OK\r\nx-a: a\0b\r\ncontent-length: 2\r\n\r\n{}".to_vec(),
        ),
    ];
    for (what, bytes) in broken {
        all.push(
            Case::new(
                format!("wire/{what}"),
                G_BROKEN,
                Call::Track,
                Expect::Transport(&[Kind::Io]),
            )
            .always(Act::Raw(bytes))
            .bound_ms(1_200)
            .requests(1)
            .check(Check::NeverSent(false))
            .component_by_hand_if(what == "garbage-status-line" || what == "not-http", GARBAGE),
        );
    }
    let upgrade =
        b"HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n"
            .to_vec();
    for (status, bytes) in [
        (600u16, response(600, &[], "strange")),
        (999, response(999, &[], "")),
        (101, upgrade),
    ] {
        all.push(
            Case::new(
                format!("wire/status-{status}"),
                G_STATUS,
                Call::Track,
                Expect::api(status),
            )
            .always(Act::Raw(bytes))
            .requests(1),
        );
    }
    let mut many = String::from("HTTP/1.1 200 OK\r\n");
    for i in 0..100_000 {
        many.push_str(&format!("x-h{i}: v\r\n"));
    }
    many.push_str("content-length: 2\r\n\r\n{}");
    let mut big = String::from("HTTP/1.1 200 OK\r\nx-big: ");
    big.push_str(&"a".repeat(1 << 20));
    big.push_str("\r\ncontent-length: 2\r\n\r\n{}");
    let mut long_reason = String::from("HTTP/1.1 200 ");
    long_reason.push_str(&"r".repeat(1 << 20));
    long_reason.push_str("\r\ncontent-length: 2\r\n\r\n{}");
    for (what, bytes) in [
        ("100k-headers", many),
        ("a-1mib-header", big),
        ("a-1mib-reason", long_reason),
    ] {
        all.push(
            Case::new(
                format!("wire/{what}"),
                G_BOMBS,
                Call::Track,
                Expect::Transport(&[Kind::Io]),
            )
            .always(Act::Raw(bytes.into_bytes()))
            .requests(1)
            .component_by_hand_if(what == "a-1mib-header", GARBAGE),
        );
    }
    all.push(
        Case::new(
            "wire/100-continue-flood",
            G_CONTINUE,
            Call::Track,
            Expect::Transport(&[Kind::Timeout, Kind::Io]),
        )
        .always(Act::ThenStall(
            b"HTTP/1.1 100 Continue\r\n\r\n".repeat(20_000),
        ))
        .bound_ms(1_200)
        .requests(1),
    );
    for (when, act) in [
        ("before", Act::DropBeforeRead),
        ("after", Act::DropAfterRead),
    ] {
        all.push(
            Case::new(
                format!("wire/email-dropped-{when}-reading"),
                G_DROPS,
                Call::SendEmail,
                Expect::Transport(&[Kind::Io]),
            )
            .always(act.clone())
            .bound_ms(800)
            .connections(1)
            .component_by_hand_if(
                when == "after",
                "an_email_dropped_after_it_was_read_is_not_resent",
            ),
        );
        all.push(
            Case::new(
                format!("wire/read-dropped-{when}-reading"),
                G_DROPS,
                Call::GetTags,
                Expect::Transport(&[Kind::Io]),
            )
            .always(act)
            .bound_ms(800)
            .connections(4),
        );
    }
    all.push(
        Case::new(
            "wire/tls-to-plain-http",
            G_TLS,
            Call::FindSubscriber,
            Expect::Transport(&[Kind::Connect]),
        )
        .always(Act::Unparsed(json(200, r#"{"results":1,"failed":0}"#)))
        .setup(|s| s.tls = true)
        .connections(4)
        .check(Check::NeverSent(true))
        .check(Check::OnlyTls),
    );
}

const G_RA_BAD: &str =
    "`Retry-After` `-1`, `garbage`, `NaN`, `inf`, `1e400`, `18446744073709551616`";
const G_RA_SHORT: &str = "`Retry-After` `0`, `0.001`";
const G_RA_LONG: &str =
    "`Retry-After` `99999999999`, `18446744073709551615`, `Fri, 31 Dec 9999 23:59:59 GMT`";
const G_RA_503: &str = "503 with `Retry-After: 1` on an email";

fn retry_after(all: &mut Vec<Case>) {
    let cases: [(&str, &'static str, RetryAfter, usize); 10] = [
        ("-1", G_RA_BAD, RetryAfter::Absent, 4),
        ("garbage", G_RA_BAD, RetryAfter::Absent, 4),
        ("NaN", G_RA_BAD, RetryAfter::Absent, 4),
        ("inf", G_RA_BAD, RetryAfter::Absent, 4),
        ("1e400", G_RA_BAD, RetryAfter::Absent, 4),
        ("18446744073709551616", G_RA_BAD, RetryAfter::Absent, 4),
        ("0", G_RA_SHORT, RetryAfter::Exactly(Duration::ZERO), 4),
        (
            "0.001",
            G_RA_SHORT,
            RetryAfter::Exactly(Duration::from_millis(1)),
            4,
        ),
        (
            "99999999999",
            G_RA_LONG,
            RetryAfter::Exactly(Duration::from_secs(99_999_999_999)),
            1,
        ),
        (
            "18446744073709551615",
            G_RA_LONG,
            RetryAfter::Exactly(Duration::from_secs(u64::MAX)),
            1,
        ),
    ];
    for (value, group, retry_after, requests) in cases {
        all.push(
            Case::new(
                format!("retry-after/{value}"),
                group,
                Call::Track,
                Expect::RateLimit { retry_after },
            )
            .always(Act::Raw(response(429, &[("retry-after", value)], "")))
            .bound_ms(1_000)
            .requests(requests),
        );
    }
    all.push(
        Case::new(
            "retry-after/http-date-in-9999",
            G_RA_LONG,
            Call::GetTags,
            Expect::RateLimit {
                retry_after: RetryAfter::AtLeast(Duration::from_secs(7_000 * 365 * 86_400)),
            },
        )
        .always(Act::Raw(response(
            429,
            &[("retry-after", "Fri, 31 Dec 9999 23:59:59 GMT")],
            "",
        )))
        .bound_ms(1_000)
        .requests(1),
    );
    all.push(
        Case::new(
            "retry-after/503-on-an-email",
            G_RA_503,
            Call::SendEmail,
            Expect::Api {
                status: 503,
                retry_after: RetryAfter::Present,
                message: None,
            },
        )
        .always(Act::Raw(response(503, &[("retry-after", "1")], "")))
        .bound_ms(1_000)
        .requests(1),
    );
}

const G_ECHO: &str = "server echoing the Authorization header, the target URL (`email=jane.doe%40…`), the secret, the email and the base64 in: 500 text, 404 HTML, 500 `{\"error\"}`, 422 `{\"errors\"}`, 401, 200 JSON string, 200 non-JSON";
const G_DECODE_CAP: &str = "200 with a 10 MB JSON string (cap 16 MiB)";
const G_SNIPPET_CUT: &str = "secret straddling the 200-char snippet cut of a non-JSON error body";
const G_DECODE_CUT: &str = "secret / base64 straddling the 300-char cap of a decode message";
const G_ENCODED: &str = "Authorization echoed percent-encoded (`Basic%20cGtf…%3D%3D`)";
const G_JSON_BOMB: &str =
    "60,000 nested arrays in a 200 and a 500; 30,000 nested `{\"error\":` in a 422";

fn echoes(all: &mut Vec<Case>) {
    type Wrap = fn(String) -> String;
    let echoes: [(&str, u16, &'static str, Wrap, Expect); 7] = [
        ("500-text", 500, "text/plain", |s| s, Expect::api(500)),
        (
            "404-html",
            404,
            "text/html",
            |s| format!("<html><body><h1>Not found</h1><p>{s}</p></body></html>"),
            Expect::api(404),
        ),
        (
            "500-json-error",
            500,
            "application/json",
            |s| format!(r#"{{"error":{}}}"#, as_json_string(s)),
            Expect::api(500),
        ),
        (
            "422-field-errors",
            422,
            "application/json",
            |s| {
                format!(
                    r#"{{"errors":[{{"field":"email","message":{}}}]}}"#,
                    as_json_string(s)
                )
            },
            Expect::api(422),
        ),
        (
            "401-json",
            401,
            "application/json",
            |s| format!(r#"{{"error":{}}}"#, as_json_string(s)),
            Expect::NotAuthorized,
        ),
        (
            "200-json-string",
            200,
            "application/json",
            as_json_string,
            Expect::Decode { status: 200 },
        ),
        (
            "200-not-json",
            200,
            "application/json",
            |s| s,
            Expect::Decode { status: 200 },
        ),
    ];
    for (what, status, content_type, wrap, expect) in echoes {
        for call in [Call::FindSubscriber, Call::Track] {
            // find_subscriber reads a 404 as "no such subscriber" only for `{"data":null}`;
            // an HTML 404 is an error on both calls.
            let case = Case::new(
                format!("echo/{what}-on-{}", call.name()),
                G_ECHO,
                call.clone(),
                expect.clone(),
            )
            .always(Act::Computed(Arc::new(move |r| {
                response(status, &[("content-type", content_type)], &wrap(echo(r)))
            })))
            .check(Check::NoPieceOfASecret)
            .check(Check::MessageUnder(400));
            let case = case.component_by_hand_if(
                what == "422-field-errors" && call == Call::FindSubscriber,
                "an_echoed_secret_never_reaches_the_error",
            );
            all.push(case);
        }
    }
    all.push(
        Case::new(
            "echo/10mb-json-string",
            G_DECODE_CAP,
            Call::Track,
            Expect::Decode { status: 200 },
        )
        .always(Act::Raw(json(
            200,
            &format!("\"{}\"", "y".repeat(10 << 20)),
        )))
        .setup(|s| s.max_response_bytes = 16 << 20)
        .bound_ms(5_000)
        .check(Check::MessageUnder(400)),
    );
    // At 194 the secret straddles char 200, at 166 the base64.
    for at in [194usize, 166] {
        all.push(
            Case::new(
                format!("echo/secret-across-the-snippet-cut-at-{at}"),
                G_SNIPPET_CUT,
                Call::GetTags,
                Expect::api(500),
            )
            .always(Act::Raw(response(
                500,
                &[("content-type", "text/plain")],
                &secret_across_char(at, false),
            )))
            .check(Check::NoPieceOfASecret),
        );
    }
    // The message "unexpected response body: invalid type: string \"zzz…" has the body's text
    // from char 48; a cap at 300 before the scrub would cut the secret at 244, the base64 at 210.
    for at in [244usize, 210] {
        all.push(
            Case::new(
                format!("echo/secret-across-the-decode-cut-at-{at}"),
                G_DECODE_CUT,
                Call::Track,
                Expect::Decode { status: 200 },
            )
            .always(Act::Raw(response(
                200,
                &[("content-type", "application/json")],
                &secret_across_char(at, true),
            )))
            .check(Check::NoPieceOfASecret),
        );
    }
    let encoded = format!(
        "bad request: authorization=Basic%20{}",
        B64.replace('=', "%3D")
    );
    all.push(
        Case::new(
            "echo/percent-encoded-authorization",
            G_ENCODED,
            Call::GetTags,
            Expect::api(400),
        )
        .always(Act::Raw(response(
            400,
            &[("content-type", "text/plain")],
            &encoded,
        )))
        .check(Check::NoPieceOfASecret),
    );
    let deep = format!("{}{}", "[".repeat(60_000), "]".repeat(60_000));
    let deep_object = format!("{}1{}", r#"{"error":"#.repeat(30_000), "}".repeat(30_000));
    for (what, status, body, expect) in [
        (
            "deep-arrays-in-a-200",
            200u16,
            deep.clone(),
            Expect::Decode { status: 200 },
        ),
        ("deep-arrays-in-a-500", 500, deep, Expect::api(500)),
        ("deep-objects-in-a-422", 422, deep_object, Expect::api(422)),
    ] {
        all.push(
            Case::new(format!("json/{what}"), G_JSON_BOMB, Call::Track, expect)
                .always(Act::Raw(json(status, &body)))
                .setup(|s| s.max_response_bytes = 1 << 20)
                .check(Check::MessageUnder(400)),
        );
    }
}

const G_IDS: &str = "ids `.`, `..`, ` .. ` on `delete_tag`, `get_segment`, `get_email_template`, `create_sequence_email`, `update_email_template`";

fn ids(all: &mut Vec<Case>) {
    for (label, id) in [("dot", "."), ("dot-dot", ".."), ("spaced-dot-dot", " .. ")] {
        for call in [
            Call::DeleteTag(id),
            Call::GetSegment(id),
            Call::GetEmailTemplate(id),
            Call::CreateSequenceEmail(id),
            Call::UpdateEmailTemplate(id),
        ] {
            let case = Case::new(
                format!("ids/{label}-on-{}", call.name()),
                G_IDS,
                call.clone(),
                Expect::InvalidInput,
            )
            .always(Act::Raw(json(200, "{}")))
            .bound_ms(1_000)
            .connections(0);
            let runs_in_component = matches!(call, Call::DeleteTag(_)) && label != "spaced-dot-dot";
            all.push(case.component_by_hand_if(
                runs_in_component,
                "dot_segments_in_ids_are_invalid_input_and_nothing_is_sent",
            ));
        }
    }
}

const G_BIG_ERROR: &str = "401 / 429 with a 1 MiB HTML body (cap 64 KiB); 403 with an endless body";
const G_BIG_2XX: &str = "2xx over the cap";
const G_EARLY: &str =
    "a 401 / 413 written after reading only the head of a ~1 MB import, body drained";

fn big_bodies(all: &mut Vec<Case>) {
    let page = |status: u16, extra: &[(&str, &str)]| {
        let body = format!(
            "<html><body>{}</body></html>",
            "blocked ".repeat(128 * 1024)
        );
        let mut headers = vec![("content-type", "text/html")];
        headers.extend_from_slice(extra);
        Act::Raw(response(status, &headers, &body))
    };
    all.push(
        Case::new(
            "big/401-with-a-1mib-page",
            G_BIG_ERROR,
            Call::GetTags,
            Expect::NotAuthorized,
        )
        .always(page(401, &[]))
        .requests(1)
        .component_by_hand("an_error_answer_over_the_size_cap_keeps_its_status"),
    );
    all.push(
        Case::new(
            "big/429-with-a-1mib-page",
            G_BIG_ERROR,
            Call::Track,
            Expect::RateLimit {
                retry_after: RetryAfter::Exactly(Duration::ZERO),
            },
        )
        .always(page(429, &[("retry-after", "0")]))
        .requests(4),
    );
    for (what, headers, chunked) in [
        (
            "content-length",
            vec![("content-length", "1073741824")],
            false,
        ),
        ("chunked", vec![("transfer-encoding", "chunked")], true),
    ] {
        let act = Act::Endless {
            head: head("403 Forbidden", &headers),
            limit: 1 << 30,
            chunked,
        };
        all.push(
            Case::new(
                format!("big/403-endless-{what}"),
                G_BIG_ERROR,
                Call::GetTags,
                Expect::api(403),
            )
            .always(act)
            .check(Check::MaxWritten(64 << 20))
            .check(Check::MaxRssGrowth(96 << 20)),
        );
    }
    all.push(
        Case::new(
            "big/2xx-over-the-cap",
            G_BIG_2XX,
            Call::GetTags,
            Expect::Transport(&[Kind::ResponseTooLarge]),
        )
        .always(Act::Raw(json(
            200,
            &format!("{{\"data\":[],\"pad\":\"{}\"}}", "p".repeat(100_000)),
        )))
        .requests(1),
    );
    for (status, body, expect) in [
        (401u16, r#"{"error":"Unauthorized"}"#, Expect::NotAuthorized),
        (413, r#"{"error":"too large"}"#, Expect::api(413)),
    ] {
        all.push(
            Case::new(
                format!("big/early-{status}"),
                G_EARLY,
                Call::ImportBigRows,
                expect,
            )
            .always(Act::EarlyAnswer(json(status, body)))
            .requests(1),
        );
    }
}

const G_PAGE_REPEAT: &str = "`all_sequences` against a server repeating one page";
const G_PAGE_ALTERNATE: &str =
    "`all_sequences` against a server alternating two pages (A, B, A, …)";
const G_PAGE_ENDLESS: &str =
    "`all_sequences` against a server with fresh ids on every page, 1 s deadline";
const G_UPSERT: &str =
    "`upsert_subscriber` whose import is answered `{\"results\":0,\"failed\":1}`";

fn paging(all: &mut Vec<Case>) {
    all.push(
        Case::new(
            "paging/one-page-repeated",
            G_PAGE_REPEAT,
            Call::AllSequences,
            Expect::Ok { items: Some(2) },
        )
        .always(page_of(&[1, 2]))
        .requests(2),
    );
    all.push(
        Case::new(
            "paging/two-pages-alternating",
            G_PAGE_ALTERNATE,
            Call::AllSequences,
            Expect::Ok { items: Some(4) },
        )
        .script(|n| {
            if n % 2 == 0 {
                page_of(&[1, 2])
            } else {
                page_of(&[3, 4])
            }
        })
        .bound_ms(5_000)
        .requests_in(1..=9),
    );
    all.push(
        Case::new(
            "paging/fresh-ids-forever",
            G_PAGE_ENDLESS,
            Call::AllSequences,
            Expect::AnyError,
        )
        .script(|n| page_of(&[2 * n as u64, 2 * n as u64 + 1]))
        .setup(|s| s.deadline = Duration::from_secs(1))
        .bound_ms(3_000),
    );
    all.push(
        Case::new(
            "upsert/refused-import",
            G_UPSERT,
            Call::UpsertSubscriber,
            Expect::AnyError,
        )
        .acts(|_| {
            vec![
                Act::Raw(json(200, r#"{"results":0,"failed":1}"#)),
                Act::Raw(json(200, r#"{"data":null}"#)),
            ]
        }),
    );
}

impl Case {
    /// A hand-written test in host-tests' `e2e/hostile.rs` also covers this case's class.
    fn component_by_hand(mut self, test: &'static str) -> Case {
        self.component = Surface::ByHand(test);
        self
    }
    fn component_by_hand_if(self, covered: bool, test: &'static str) -> Case {
        if covered {
            self.component_by_hand(test)
        } else {
            self
        }
    }
}

const GARBAGE: &str = "garbage_status_lines_and_header_bombs_are_errors_not_traps";

/// The RELIABILITY table of FUZZING.md for the shared cases: one row per case, the group's
/// description on its first case. Async and blocking run every case (`bento/tests/hostile.rs`
/// fails otherwise), so their column says "pass"; the component and Python columns say what
/// their suites do with it.
pub fn markdown_table() -> String {
    let mut out = String::from(
        "| case | what | call | expected | bound | async | blocking | component | Python |\n\
         |---|---|---|---|---|---|---|---|---|\n",
    );
    let mut last_group = "";
    for case in cases() {
        let what = if case.group == last_group {
            ""
        } else {
            case.group
        };
        last_group = case.group;
        let mut expected = case.expect.describe();
        if let Some(r) = &case.requests {
            if r.start() == r.end() {
                expected.push_str(&format!(", {} req", r.start()));
            } else {
                expected.push_str(&format!(", {}–{} req", r.start(), r.end()));
            }
        }
        if let Some(n) = case.connections {
            expected.push_str(&format!(", {n} conn"));
        }
        for check in &case.checks {
            expected.push_str(&match check {
                Check::NoPieceOfASecret => ", no piece of a secret".to_string(),
                Check::MessageUnder(n) => format!(", message < {n} chars"),
                Check::NeverSent(b) => format!(", never_sent {b}"),
                Check::MaxWritten(n) => format!(", server wrote < {} MiB", n >> 20),
                Check::MaxRssGrowth(n) => format!(", RSS growth < {} MiB", n >> 20),
                Check::AtLeast(d) => format!(", ≥ {} ms", d.as_millis()),
                Check::OnlyTls => ", only TLS on the wire".to_string(),
            });
        }
        let surface = |s: Surface| match s {
            Surface::Runs => "pass".to_string(),
            Surface::Skip(why) => format!("skipped: {why}"),
            Surface::ByHand(test) => format!("pass (also by hand: `{test}`)"),
        };
        let call = match case.call.arg() {
            Some(arg) => format!("`{}({arg:?})`", case.call.name()),
            None => format!("`{}`", case.call.name()),
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} ms | pass | pass | {} | {} |\n",
            case.name,
            what.replace('|', "\\|"),
            call,
            expected.replace('|', "\\|"),
            case.bound.as_millis(),
            surface(case.component),
            surface(case.python),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    #[test]
    fn names_are_unique_and_the_credential_matches_the_keys() {
        let all = cases();
        let mut names: Vec<&str> = all.iter().map(|c| c.name.as_str()).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "duplicate case names");
        let b64 = base64::engine::general_purpose::STANDARD.encode(format!("{PK}:{SECRET}"));
        assert_eq!(b64, B64);
    }

    const BEGIN: &str = "<!-- shared-hostile-cases:begin (generated from bento_emulator::hostile::cases; BENTO_BLESS=1 cargo test -p bento-emulator --lib rewrites it) -->\n";
    const END: &str = "<!-- shared-hostile-cases:end -->";

    /// FUZZING.md's table of the shared cases is the list: a case added, renamed or changed
    /// without the table fails here (`BENTO_BLESS=1` rewrites the table).
    #[test]
    fn fuzzing_md_lists_every_shared_case() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../FUZZING.md");
        let text = std::fs::read_to_string(path).expect("read FUZZING.md");
        let (Some(b), Some(e)) = (text.find(BEGIN), text.find(END)) else {
            panic!("FUZZING.md has no {BEGIN:?} … {END:?} markers");
        };
        let table = markdown_table();
        let current = &text[b + BEGIN.len()..e];
        if current != table {
            if std::env::var_os("BENTO_BLESS").is_some() {
                let updated = format!("{}{BEGIN}{table}{}", &text[..b], &text[e..]);
                std::fs::write(path, updated).expect("write FUZZING.md");
            } else {
                panic!(
                    "FUZZING.md's shared-case table is out of date: run BENTO_BLESS=1 cargo test -p bento-emulator --lib"
                );
            }
        }
        for case in cases() {
            assert!(
                current.contains(&format!("| `{}` |", case.name))
                    || std::env::var_os("BENTO_BLESS").is_some(),
                "{} missing",
                case.name
            );
        }
    }
}
