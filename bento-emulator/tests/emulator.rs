//! Integration tests: a real HTTP client (ureq, blocking) against `Emulator::start`.
//! One test binary; modules group the behaviours.

use base64::Engine;
use bento_emulator::{Emulator, EmulatorConfig, FaultAction, FaultRule, RateLimit};
use serde_json::{Value, json};
use std::io::Read;
use std::time::{Duration, Instant};

// ---- helpers ---------------------------------------------------------------------------------

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        // No automatic User-Agent: tests decide whether one is sent.
        .user_agent(ureq::config::AutoHeaderValue::None)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

fn start() -> Emulator {
    Emulator::start(EmulatorConfig::default()).expect("emulator starts")
}

fn basic(pk: &str, sk: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{pk}:{sk}"))
    )
}

/// A raw response: status, headers we care about, body text.
struct Res {
    status: u16,
    retry_after: Option<String>,
    content_type: String,
    request_id: Option<String>,
    text: String,
}

impl Res {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

/// Sends a request through a fresh agent. `path` is relative to `/api/v1` and may carry a query;
/// `site_uuid` is appended to the query unless `with_site` is false.
struct Req<'a> {
    emu: &'a Emulator,
    method: &'a str,
    path: String,
    body: Option<(String, &'static str)>,
    auth: Option<String>,
    ua: Option<&'static str>,
    with_site: bool,
}

impl<'a> Req<'a> {
    fn new(emu: &'a Emulator, method: &'a str, path: &str) -> Self {
        Req {
            emu,
            method,
            path: path.to_string(),
            body: None,
            auth: Some(basic(emu.publishable_key(), emu.secret_key())),
            ua: Some("bento-rust-tests"),
            with_site: true,
        }
    }
    fn json(mut self, v: Value) -> Self {
        self.body = Some((v.to_string(), "application/json"));
        self
    }
    fn form(mut self, s: &str) -> Self {
        self.body = Some((s.to_string(), "application/x-www-form-urlencoded"));
        self
    }
    fn url(&self) -> String {
        let mut url = format!("{}{}", self.emu.base_url(), self.path);
        if self.with_site {
            url.push(if url.contains('?') { '&' } else { '?' });
            url.push_str("site_uuid=");
            url.push_str(self.emu.site_uuid());
        }
        url
    }
    /// Sends the request and returns the response with its body unread (for tests that read
    /// the raw bytes, such as the truncated and huge body faults).
    fn call_raw(&self) -> Result<http::Response<ureq::Body>, ureq::Error> {
        let mut b = http::Request::builder().method(self.method).uri(self.url());
        if let Some(a) = &self.auth {
            b = b.header("Authorization", a);
        }
        if let Some(ua) = self.ua {
            b = b.header("User-Agent", ua);
        }
        let body = match &self.body {
            Some((text, ct)) => {
                b = b.header("Content-Type", *ct);
                text.clone().into_bytes()
            }
            None => Vec::new(),
        };
        let req = b.body(body).expect("valid request");
        agent().run(req)
    }

    fn try_send(self) -> Result<Res, ureq::Error> {
        let mut res = self.call_raw()?;
        let status = res.status().as_u16();
        let h = |n: &str| {
            res.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let retry_after = h("retry-after");
        let content_type = h("content-type").unwrap_or_default();
        let request_id = h("x-request-id");
        let text = res
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_string()?;
        Ok(Res {
            status,
            retry_after,
            content_type,
            request_id,
            text,
        })
    }
    fn send(self) -> Res {
        let what = format!("{} {}", self.method, self.path);
        self.try_send()
            .unwrap_or_else(|e| panic!("{what}: transport error {e}"))
    }
}

fn get<'a>(emu: &'a Emulator, path: &str) -> Req<'a> {
    Req::new(emu, "GET", path)
}
fn post<'a>(emu: &'a Emulator, path: &str, body: Value) -> Req<'a> {
    Req::new(emu, "POST", path).json(body)
}

fn import(emu: &Emulator, subscribers: Value) -> Value {
    let r = post(
        emu,
        "/batch/subscribers",
        json!({ "subscribers": subscribers }),
    )
    .send();
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()
}

fn find(emu: &Emulator, email: &str) -> Value {
    let r = get(emu, &format!("/fetch/subscribers?email={email}")).send();
    assert_eq!(r.status, 200, "{}", r.text);
    r.json()["data"].clone()
}

fn assert_envelope(item: &Value, ty: &str) {
    assert!(item["id"].is_string(), "id must be a string: {item}");
    assert_eq!(item["type"], ty, "{item}");
    assert!(item["attributes"].is_object(), "{item}");
}

fn admin(emu: &Emulator, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let (status, _, v) = admin_with_id(emu, method, path, body);
    (status, v)
}

/// [`admin`], with the answer's `x-request-id`.
fn admin_with_id(
    emu: &Emulator,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (u16, Option<String>, Value) {
    let mut b = http::Request::builder()
        .method(method)
        .uri(format!("{}{}", emu.admin_url(), path));
    let bytes = match body {
        Some(v) => {
            b = b.header("Content-Type", "application/json");
            v.to_string().into_bytes()
        }
        None => Vec::new(),
    };
    let mut res = agent().run(b.body(bytes).unwrap()).expect("admin call");
    let status = res.status().as_u16();
    let id = res
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let text = res.body_mut().read_to_string().unwrap();
    (
        status,
        id,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

// ---- contract: shapes per endpoint ------------------------------------------------------------

mod contract {
    use super::*;

    #[test]
    fn import_then_find_returns_the_subscriber_envelope_with_string_ids_and_flat_fields() {
        let emu = start();
        let r = import(
            &emu,
            json!([{"email": "Jane@Acme.io", "first_name": "Jane", "plan": "pro", "tags": "vip, customer"}]),
        );
        assert_eq!(r, json!({"results": 1, "failed": 0}));
        let s = find(&emu, "jane@acme.io");
        assert_envelope(&s, "visitors");
        let a = &s["attributes"];
        assert_eq!(a["email"], "jane@acme.io");
        assert_eq!(a["fields"]["first_name"], "Jane");
        assert_eq!(a["fields"]["plan"], "pro");
        assert!(a["unsubscribed_at"].is_null());
        assert_eq!(a["uuid"].as_str().unwrap().len(), 36);
        let tag_ids = a["cached_tag_ids"].as_array().unwrap();
        assert_eq!(tag_ids.len(), 2);
        assert!(tag_ids.iter().all(Value::is_string));
        // Lookup by uuid finds the same record.
        let by_uuid = get(
            &emu,
            &format!("/fetch/subscribers?uuid={}", a["uuid"].as_str().unwrap()),
        )
        .send()
        .json();
        assert_eq!(by_uuid["data"]["id"], s["id"]);
    }

    #[test]
    fn unknown_subscriber_is_200_with_data_null() {
        let emu = start();
        let r = get(&emu, "/fetch/subscribers?email=nobody@acme.io").send();
        assert_eq!(r.status, 200);
        assert_eq!(r.json(), json!({"data": null}));
    }

    #[test]
    fn create_subscriber_returns_a_single_visitor() {
        let emu = start();
        let r = post(
            &emu,
            "/fetch/subscribers",
            json!({"subscriber": {"email": "new@acme.io"}}),
        )
        .send();
        assert_eq!(r.status, 200);
        assert_envelope(&r.json()["data"], "visitors");
        let bad = post(
            &emu,
            "/fetch/subscribers",
            json!({"subscriber": {"email": "not-an-email"}}),
        )
        .send();
        assert_eq!(bad.status, 422);
    }

    #[test]
    fn tags_create_single_list_and_delete_discards() {
        let emu = start();
        let r = post(&emu, "/fetch/tags", json!({"tag": {"name": "vip"}})).send();
        assert_eq!(r.status, 200);
        let tag = r.json()["data"].clone();
        assert_envelope(&tag, "tags");
        assert_eq!(tag["attributes"]["name"], "vip");
        assert!(tag["attributes"]["discarded_at"].is_null());
        assert_eq!(tag["attributes"]["site_id"], 4410);
        let list = get(&emu, "/fetch/tags").send().json();
        assert_eq!(list["data"].as_array().unwrap().len(), 1);
        let id = tag["id"].as_str().unwrap();
        let del = Req::new(&emu, "DELETE", &format!("/fetch/tags/{id}"))
            .json(json!({"tag": {"name": "vip"}}))
            .send();
        assert_eq!(del.status, 200);
        assert_eq!(del.json()["message"], "Tag (vip) deleted successfully");
        let list = get(&emu, "/fetch/tags").send().json();
        assert!(list["data"][0]["attributes"]["discarded_at"].is_string());
        let missing = Req::new(&emu, "DELETE", "/fetch/tags/999999")
            .json(json!({"tag": {"name": "x"}}))
            .send();
        assert_eq!(missing.status, 404);
    }

    #[test]
    fn field_create_derives_the_display_name_from_the_key() {
        let emu = start();
        for key in ["thisIsAKey", "this-is-a-key", "this_is_a_key"] {
            let r = post(&emu, "/fetch/fields", json!({"field": {"key": key}})).send();
            assert_eq!(r.status, 200);
            let f = r.json()["data"].clone();
            assert_envelope(&f, "visitors-fields");
            assert_eq!(f["attributes"]["name"], "This Is A Key");
            assert_eq!(f["attributes"]["key"], key);
        }
        assert_eq!(
            get(&emu, "/fetch/fields").send().json()["data"]
                .as_array()
                .unwrap()
                .len(),
            3
        );
    }

    #[test]
    fn broadcasts_are_created_as_drafts_with_numeric_ids_and_listed_by_status() {
        let emu = start();
        let ok = json!({"name": "Launch", "subject": "We launched", "content": "<p>hi</p>", "type": "plain",
            "from": {"email": "sender@example.com"}, "batch_size_per_hour": 1000});
        let bad = json!({"name": "Bad one", "subject": "x", "content": "y", "type": "plain",
            "from": {"email": "sender@example.com"}, "batch_size_per_hour": 1});
        let r = post(&emu, "/batch/broadcasts", json!({"broadcasts": [ok, bad]}))
            .send()
            .json();
        assert_eq!(r["results"], 1);
        assert_eq!(r["failed"], 1);
        assert!(r["broadcasts"][0]["id"].is_u64());
        assert!(r["broadcasts"][0]["template_id"].is_u64());
        assert_eq!(r["failures"][0]["index"], 1);
        assert_eq!(
            r["failures"][0]["error"],
            "batch_size_per_hour must be between 10 and 250000"
        );
        // Default status is `sent`: only the fixture's broadcast, with a full template.
        let sent = get(&emu, "/fetch/broadcasts").send().json();
        assert_eq!(sent["data"].as_array().unwrap().len(), 1);
        assert_envelope(&sent["data"][0], "broadcasts");
        assert_eq!(
            sent["data"][0]["attributes"]["template"]["subject"],
            "June news"
        );
        let drafts = get(&emu, "/fetch/broadcasts?status=draft").send().json();
        assert_eq!(drafts["data"].as_array().unwrap().len(), 1);
        let tpl = &drafts["data"][0]["attributes"]["template"];
        assert_eq!(
            tpl.as_object().unwrap().len(),
            1,
            "drafts expose only template_id: {tpl}"
        );
        assert!(tpl["template_id"].is_u64());
        let unknown = get(&emu, "/fetch/broadcasts?status=bogus").send().json();
        assert_eq!(unknown, sent, "unknown status falls back to sent");
    }

    #[test]
    fn sequences_list_and_append_templates_by_numeric_or_prefix_id() {
        let emu = start();
        let list = get(&emu, "/fetch/sequences").send().json();
        let seq = &list["data"][0];
        assert_envelope(seq, "sequences");
        assert_eq!(seq["id"], "321");
        assert_eq!(seq["attributes"]["prefix_id"], "sequence_8fk2onboard");
        assert_eq!(
            seq["attributes"]["email_templates"][0]["id"], 12345,
            "integer ids inside email_templates"
        );
        let body = json!({"email_template": {"subject": "Day 7", "html": "<p>7</p>", "delay_interval": "days", "delay_interval_count": 7}});
        let r = post(&emu, "/fetch/sequences/321/emails/templates", body.clone()).send();
        assert_eq!(r.status, 200, "{}", r.text);
        let t = r.json()["data"].clone();
        assert_envelope(&t, "email_templates");
        assert_eq!(t["attributes"]["subject"], "Day 7");
        let r2 = post(
            &emu,
            "/fetch/sequences/sequence_8fk2onboard/emails/templates",
            body.clone(),
        )
        .send();
        assert_eq!(r2.status, 200);
        let after = get(&emu, "/fetch/sequences").send().json();
        assert_eq!(
            after["data"][0]["attributes"]["email_templates"]
                .as_array()
                .unwrap()
                .len(),
            4
        );
        let missing = post(&emu, "/fetch/sequences/nope/emails/templates", body).send();
        assert_eq!(missing.status, 404);
    }

    #[test]
    fn templates_read_update_and_unknown_is_404() {
        let emu = start();
        let t = get(&emu, "/fetch/emails/templates/12345").send().json();
        assert_envelope(&t["data"], "email_templates");
        assert_eq!(t["data"]["id"], "12345");
        let p = Req::new(&emu, "PATCH", "/fetch/emails/templates/12345")
            .json(json!({"email_template": {"subject": "New"}}))
            .send();
        assert_eq!(p.status, 200);
        assert_eq!(p.json()["data"]["attributes"]["subject"], "New");
        let none = get(&emu, "/fetch/emails/templates/1").send();
        assert_eq!(none.status, 404);
        assert!(none.json()["error"].as_str().unwrap().contains("not found"));
    }

    #[test]
    fn workflows_forms_segments_authors_have_the_documented_shapes() {
        let emu = start();
        let w = get(&emu, "/fetch/workflows").send().json();
        assert_envelope(&w["data"][0], "workflows");
        assert_eq!(w["data"][0]["attributes"]["status"], "live");
        let f = get(&emu, "/fetch/responses?id=form-123").send().json();
        assert_envelope(&f["data"][0], "events");
        assert_eq!(
            f["data"][0]["attributes"]["data"]["identity"]["email"],
            "john@acme.io"
        );
        let segs = get(&emu, "/fetch/segments").send().json();
        let names: Vec<&str> = segs["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["attributes"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            ["Customers", "Everyone", "Pro plan"],
            "kept segments ordered by name"
        );
        assert_envelope(&segs["data"][0], "segments");
        assert_eq!(
            get(&emu, "/fetch/segments/1201").send().json()["data"]["id"],
            "1201"
        );
        let gone = get(&emu, "/fetch/segments/1204").send();
        assert_eq!(
            (gone.status, gone.json()),
            (404, json!({"error": "Segment not found"}))
        );
        let a = get(&emu, "/fetch/authors").send().json();
        assert_eq!(a["data"][0]["attributes"]["email"], "sender@example.com");
    }

    #[test]
    fn segment_match_follows_the_fixture_rule() {
        let emu = start();
        import(
            &emu,
            json!([{"email": "c@acme.io", "tags": "customer"}, {"email": "n@acme.io"}]),
        );
        let m = |email: &str| {
            post(&emu, "/fetch/segments/1201/match", json!({"email": email}))
                .send()
                .json()
        };
        assert_eq!(
            m("c@acme.io"),
            json!({"data": {"segment_id": "1201", "email": "c@acme.io", "matches": true}})
        );
        assert_eq!(m("n@acme.io")["data"]["matches"], false);
    }

    #[test]
    fn stats_are_flat_counters_reports_and_ads_objects() {
        let emu = start();
        import(
            &emu,
            json!([{"email": "a@acme.io", "plan": "pro"}, {"email": "b@acme.io"}]),
        );
        let site = get(&emu, "/stats/site").send().json();
        assert_eq!(
            site,
            json!({"user_count": 2, "subscriber_count": 2, "unsubscriber_count": 0})
        );
        let seg = get(&emu, "/stats/segment?segment_id=1203").send().json();
        assert_eq!(
            seg,
            json!({"user_count": 1, "subscriber_count": 1, "unsubscriber_count": 0})
        );
        assert_eq!(get(&emu, "/stats/segment?segment_id=9").send().status, 404);
        let rep = get(&emu, "/stats/report?report_id=501").send().json();
        assert_eq!(
            rep,
            json!({"data": 42, "chart_style": "counter", "report_type": "Reporting::Reports::VisitorCountReport", "report_name": "API Report"})
        );
        let none = get(&emu, "/stats/report?report_id=9").send();
        assert_eq!(
            (none.status, none.json()),
            (404, json!({"error": "Report not found"}))
        );
        let ads = get(&emu, "/stats/ads?dimension=campaign").send().json();
        assert_eq!(ads["dimension"], "campaign");
        assert_eq!(ads["totals"]["revenueCents"], 129_900);
        assert!(ads["breakdown"].is_array() && ads["chartData"].is_array());
    }

    #[test]
    fn experimental_endpoints_answer_deterministically_from_body_or_query() {
        let emu = start();
        let v = |b: Value| post(&emu, "/experimental/validation", b).send().json();
        assert_eq!(v(json!({"email": "jane@acme.io"})), json!({"valid": true}));
        assert_eq!(
            v(json!({"email": "x@mailinator.com"})),
            json!({"valid": false})
        );
        let q = Req::new(&emu, "POST", "/experimental/validation?email=bad-email")
            .send()
            .json();
        assert_eq!(q, json!({"valid": false}));
        let j = post(
            &emu,
            "/experimental/jesses_ruleset",
            json!({"email": "a@gmail.com", "block_free_providers": true}),
        )
        .send()
        .json();
        assert_eq!(
            j,
            json!({"valid": false, "reasons": ["Email provider is free"]})
        );
        let blank = post(
            &emu,
            "/experimental/content_moderation",
            json!({"content": "  "}),
        )
        .send()
        .json();
        assert_eq!(
            blank,
            json!({"valid": false, "reasons": ["Content is required"]})
        );
        let clean = post(
            &emu,
            "/experimental/content_moderation",
            json!({"content": "Hello <b>there</b>"}),
        )
        .send()
        .json();
        assert_eq!(clean["valid"], true);
        assert_eq!(
            clean["safe_original_content"],
            "Hello &lt;b&gt;there&lt;/b&gt;"
        );
        let g = post(&emu, "/experimental/gender", json!({"name": "Jane Doe"}))
            .send()
            .json();
        assert_eq!(g["gender"], "female");
        let u = Req::new(&emu, "POST", "/experimental/gender?name=Zxq")
            .send()
            .json();
        assert_eq!(u, json!({"gender": null, "confidence": null}));
        assert_eq!(
            get(&emu, "/experimental/geolocation?ip=1.1.1.1")
                .send()
                .json(),
            json!({})
        );
        let clean = get(&emu, "/experimental/blacklist?domain=acme.io")
            .send()
            .json();
        assert_eq!(clean["query"], "acme.io");
        assert!(clean["results"].is_null(), "clean → results null");
        let listed = get(&emu, "/experimental/blacklist.json?ip=192.0.2.66")
            .send()
            .json();
        assert_eq!(listed["results"]["spamhaus"], true);
        assert_eq!(get(&emu, "/experimental/blacklist").send().status, 400);
        assert_eq!(
            get(&emu, "/experimental/blacklist?ip=nope").send().json(),
            json!({"error": "Invalid IP"})
        );
    }

    #[test]
    fn data_deletion_takes_a_form_body_and_answers_202_or_422() {
        let emu = start();
        import(&emu, json!([{"email": "gone@acme.io"}]));
        let form = format!(
            "site_uuid={}&data_deletion_request%5Bemail%5D=gone%40acme.io",
            emu.site_uuid()
        );
        let mut req = Req::new(&emu, "POST", "/data_deletion_requests").form(&form);
        req.with_site = false;
        let r = req.send();
        assert_eq!(r.status, 202, "{}", r.text);
        assert_eq!(r.json()["data"]["attributes"]["email"], "gone@acme.io");
        assert!(find(&emu, "gone@acme.io").is_null());
        let mut again = Req::new(&emu, "POST", "/data_deletion_requests").form(&form);
        again.with_site = false;
        assert_eq!(again.send().status, 422);
    }

    #[test]
    fn search_accepts_get_with_json_body_get_with_query_and_post() {
        let emu = start();
        import(
            &emu,
            json!([{"email": "a@acme.io", "tags": "vip"}, {"email": "b@acme.io"}]),
        );
        let body = json!({"tags": ["vip"], "created_at": {"gt": "2000-01-01T00:00:00Z"}});
        let a = Req::new(&emu, "GET", "/fetch/search")
            .json(body.clone())
            .send()
            .json();
        let b = get(
            &emu,
            "/fetch/search?tags=vip&created_at%5Bgt%5D=2000-01-01T00:00:00Z",
        )
        .send()
        .json();
        let c = post(&emu, "/fetch/search", body).send().json();
        for r in [&a, &b, &c] {
            assert_eq!(r["data"].as_array().unwrap().len(), 1, "{r}");
            assert_eq!(r["data"][0]["attributes"]["email"], "a@acme.io");
            assert!(r["data"][0]["attributes"]["navigation_url"].is_string());
            assert_eq!(r["meta"]["page"], 1);
        }
        let all = get(&emu, "/fetch/search").send().json();
        assert_eq!(all["data"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn commands_accept_one_object_or_an_array_and_answer_a_queued_count() {
        let emu = start();
        let one = post(
            &emu,
            "/fetch/commands",
            json!({"command": {"command": "add_tag", "email": "c@acme.io", "query": "vip"}}),
        )
        .send();
        assert_eq!((one.status, one.json()), (200, json!({"results": 1})));
        let many = post(&emu, "/fetch/commands", json!({"command": [
            {"command": "add_field", "email": "c@acme.io", "query": {"key": "plan", "value": "pro"}},
            {"command": "unsubscribe", "email": "c@acme.io"},
            {"command": "change_email", "email": "c@acme.io", "query": "d@acme.io"}
        ]})).send();
        assert_eq!(many.json(), json!({"results": 3}));
        let s = find(&emu, "d@acme.io");
        assert_eq!(s["attributes"]["fields"]["plan"], "pro");
        assert!(s["attributes"]["unsubscribed_at"].is_string());
        assert_eq!(
            s["attributes"]["cached_tag_ids"].as_array().unwrap().len(),
            1
        );
        let bogus = post(
            &emu,
            "/fetch/commands",
            json!({"command": [{"command": "explode", "email": "d@acme.io"}]}),
        )
        .send()
        .json();
        assert_eq!(bogus, json!({"results": 0, "failed": 1}));
    }

    #[test]
    fn emails_from_an_unknown_author_are_500_and_known_ones_reach_the_outbox() {
        let emu = start();
        let mail = |from: &str| json!({"emails": [{"to": "r@acme.io", "from": from, "subject": "Hi", "html_body": "<p>x</p>", "transactional": true}]});
        let bad = post(&emu, "/batch/emails", mail("nobody@acme.io")).send();
        assert_eq!(
            (bad.status, bad.json()),
            (
                500,
                json!({"error": "Author not authorized to send on this account"})
            )
        );
        let good = post(&emu, "/batch/emails", mail("sender@example.com")).send();
        assert_eq!((good.status, good.json()), (200, json!({"results": 1})));
        let st = emu.state();
        assert_eq!(st["outbox"].as_array().unwrap().len(), 1);
        assert_eq!(st["outbox"][0]["to"], "r@acme.io");
    }

    #[test]
    fn unknown_routes_and_methods_are_404_and_bad_json_is_400() {
        let emu = start();
        let r = get(&emu, "/fetch/nothing").send();
        assert_eq!((r.status, r.json()), (404, json!({"error": "Not Found"})));
        assert_eq!(Req::new(&emu, "DELETE", "/fetch/fields").send().status, 404);
        let mut bad = Req::new(&emu, "POST", "/batch/events");
        bad.body = Some(("{not json".into(), "application/json"));
        let r = bad.send();
        assert_eq!(r.status, 400);
        assert!(r.json()["error"].is_string());
    }

    #[test]
    fn site_uuid_is_accepted_from_a_json_body() {
        let emu = start();
        let mut r = post(
            &emu,
            "/fetch/tags",
            json!({"tag": {"name": "x"}, "site_uuid": emu.site_uuid()}),
        );
        r.with_site = false;
        assert_eq!(r.send().status, 200);
    }
}

// ---- auth -------------------------------------------------------------------------------------

mod auth {
    use super::*;

    #[test]
    fn wrong_keys_are_401_unauthorized() {
        let emu = start();
        let mut r = get(&emu, "/fetch/tags");
        r.auth = Some(basic(emu.publishable_key(), "wrong"));
        let res = r.send();
        assert_eq!(
            (res.status, res.json()),
            (401, json!({"error": "Unauthorized"}))
        );
        let mut none = get(&emu, "/fetch/tags");
        none.auth = None;
        assert_eq!(none.send().status, 401);
    }

    #[test]
    fn missing_or_wrong_site_uuid_is_401() {
        let emu = start();
        let mut r = get(&emu, "/fetch/tags");
        r.with_site = false;
        assert_eq!(r.send().status, 401);
        let mut w = get(&emu, "/fetch/tags?site_uuid=other");
        w.with_site = false;
        assert_eq!(w.send().status, 401);
    }

    #[test]
    fn missing_user_agent_is_403_in_strict_mode_only() {
        let emu = start();
        let mut r = get(&emu, "/fetch/tags");
        r.ua = None;
        assert_eq!(r.send().status, 403);
        let lax = Emulator::start(EmulatorConfig {
            strict_user_agent: false,
            ..Default::default()
        })
        .unwrap();
        let mut r = get(&lax, "/fetch/tags");
        r.ua = None;
        assert_eq!(r.send().status, 200);
    }
}

// ---- state machine ----------------------------------------------------------------------------

mod state_machine {
    use super::*;

    #[test]
    fn import_find_command_and_stats_agree() {
        let emu = start();
        import(
            &emu,
            json!([{"email": "a@acme.io"}, {"email": "b@acme.io"}, {"email": "c@acme.io"}]),
        );
        assert!(find(&emu, "b@acme.io").is_object());
        post(
            &emu,
            "/fetch/commands",
            json!({"command": {"command": "unsubscribe", "email": "b@acme.io"}}),
        )
        .send();
        let stats = get(&emu, "/stats/site").send().json();
        assert_eq!(
            stats,
            json!({"user_count": 3, "subscriber_count": 2, "unsubscriber_count": 1})
        );
        post(
            &emu,
            "/fetch/commands",
            json!({"command": [{"command": "subscribe", "email": "b@acme.io", "query": null}]}),
        )
        .send();
        assert_eq!(
            get(&emu, "/stats/site").send().json()["subscriber_count"],
            3
        );
        assert_eq!(emu.state()["counts"]["subscribers"], 3);
    }

    #[test]
    fn events_create_subscribers_and_apply_tag_fields_and_unsubscribe() {
        let emu = start();
        let r = post(
            &emu,
            "/batch/events",
            json!({"events": [
                {"type": "$tag", "email": "e@acme.io", "details": {"tag": "onboarded"}},
                {"type": "$update_fields", "email": "e@acme.io", "fields": {"plan": "pro"}},
                {"type": "$pageView", "email": "e@acme.io", "fields": {"last_page": "/pricing"}},
                {"type": "$unsubscribe", "email": "e@acme.io"},
                {"type": "", "email": "e@acme.io"}
            ]}),
        )
        .send()
        .json();
        assert_eq!(r, json!({"results": 4, "failed": 1}));
        let s = find(&emu, "e@acme.io");
        assert_eq!(
            s["attributes"]["fields"],
            json!({"plan": "pro", "last_page": "/pricing"})
        );
        assert!(s["attributes"]["unsubscribed_at"].is_string());
        let tags = get(&emu, "/fetch/tags").send().json();
        assert_eq!(tags["data"][0]["attributes"]["name"], "onboarded");
        assert_eq!(s["attributes"]["cached_tag_ids"][0], tags["data"][0]["id"]);
        post(
            &emu,
            "/batch/events",
            json!({"events": [{"type": "$subscribe", "email": "e@acme.io", "fields": {}}]}),
        )
        .send();
        assert!(find(&emu, "e@acme.io")["attributes"]["unsubscribed_at"].is_null());
        post(&emu, "/batch/events", json!({"events": [{"type": "$remove_tag", "email": "e@acme.io", "details": {"tag": "onboarded"}}]})).send();
        assert_eq!(
            find(&emu, "e@acme.io")["attributes"]["cached_tag_ids"],
            json!([])
        );
    }

    #[test]
    fn purchase_with_a_repeated_unique_key_is_not_counted_twice() {
        let emu = start();
        let buy = |key: &str, amount: u64| {
            json!({"type": "$purchase", "email": "p@acme.io",
                "details": {"unique": {"key": key}, "value": {"currency": "USD", "amount": amount}}})
        };
        let r = post(
            &emu,
            "/batch/events",
            json!({"events": [buy("order-1", 9999), buy("order-1", 9999), buy("order-2", 100)]}),
        )
        .send()
        .json();
        assert_eq!(r["results"], 3, "duplicates are accepted, just not counted");
        let st = emu.state();
        assert_eq!(st["subscribers"][0]["attributes"]["ltv_cents"], 10099);
        let counted: Vec<&Value> = st["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| &e["counted_toward_ltv"])
            .collect();
        assert_eq!(counted, [&json!(true), &json!(false), &json!(true)]);
    }

    #[test]
    fn import_delay_hides_new_subscribers_from_reads_until_it_elapses() {
        let emu = Emulator::start(EmulatorConfig {
            import_delay: Duration::from_millis(400),
            ..Default::default()
        })
        .unwrap();
        import(&emu, json!([{"email": "late@acme.io"}]));
        assert!(find(&emu, "late@acme.io").is_null());
        assert_eq!(get(&emu, "/stats/site").send().json()["user_count"], 0);
        std::thread::sleep(Duration::from_millis(500));
        assert!(find(&emu, "late@acme.io").is_object());
    }

    #[test]
    fn import_tags_and_remove_tags_are_comma_separated_and_created_on_demand() {
        let emu = start();
        import(&emu, json!([{"email": "t@acme.io", "tags": "a,b , c"}]));
        import(
            &emu,
            json!([{"email": "t@acme.io", "remove_tags": "b", "last_name": "Doe"}]),
        );
        let s = find(&emu, "t@acme.io");
        assert_eq!(
            s["attributes"]["cached_tag_ids"].as_array().unwrap().len(),
            2
        );
        assert_eq!(s["attributes"]["fields"]["last_name"], "Doe");
        assert_eq!(
            get(&emu, "/fetch/tags").send().json()["data"]
                .as_array()
                .unwrap()
                .len(),
            3
        );
    }
}

// ---- limits -----------------------------------------------------------------------------------

mod limits {
    use super::*;

    #[test]
    fn batches_outside_their_limits_are_422() {
        let emu = start();
        let events: Vec<Value> = (0..1001)
            .map(|i| json!({"type": "$x", "email": format!("u{i}@acme.io")}))
            .collect();
        let r = post(&emu, "/batch/events", json!({"events": events})).send();
        assert_eq!(r.status, 422);
        assert!(r.json()["error"].is_string());
        assert_eq!(
            post(&emu, "/batch/events", json!({"events": []}))
                .send()
                .status,
            422
        );
        let subs: Vec<Value> = (0..1001)
            .map(|i| json!({"email": format!("u{i}@acme.io")}))
            .collect();
        assert_eq!(
            post(&emu, "/batch/subscribers", json!({"subscribers": subs}))
                .send()
                .status,
            422
        );
        let mail = json!({"to": "r@acme.io", "from": "sender@example.com", "subject": "s", "html_body": "b"});
        assert_eq!(
            post(&emu, "/batch/emails", json!({"emails": vec![mail; 61]}))
                .send()
                .status,
            422
        );
        let cmd = json!({"command": "subscribe", "email": "a@acme.io"});
        assert_eq!(
            post(&emu, "/fetch/commands", json!({"command": vec![cmd; 101]}))
                .send()
                .status,
            422
        );
        assert_eq!(
            post(
                &emu,
                "/batch/broadcasts",
                json!({"broadcasts": vec![json!({}); 101]})
            )
            .send()
            .status,
            422
        );
        // Nothing was written by the rejected batches.
        assert_eq!(emu.state()["counts"]["subscribers"], 0);
        // Exactly 1000 is fine.
        let events: Vec<Value> = (0..1000)
            .map(|i| json!({"type": "$x", "email": format!("u{i}@acme.io")}))
            .collect();
        assert_eq!(
            post(&emu, "/batch/events", json!({"events": events}))
                .send()
                .json()["results"],
            1000
        );
    }

    #[test]
    fn rate_limit_profile_answers_429_with_retry_after() {
        let cfg = EmulatorConfig {
            rate_limit: RateLimit::Custom {
                fetch_batch_per_minute: 3,
                stats_per_hour: 1,
            },
            ..Default::default()
        };
        let emu = Emulator::start(cfg).unwrap();
        for _ in 0..3 {
            assert_eq!(get(&emu, "/fetch/tags").send().status, 200);
        }
        let r = get(&emu, "/fetch/tags").send();
        assert_eq!(
            (r.status, r.json()),
            (429, json!({"error": "Too Many Requests"}))
        );
        let secs: u64 = r.retry_after.expect("Retry-After").parse().unwrap();
        assert!((1..=60).contains(&secs));
        assert_eq!(get(&emu, "/stats/site").send().status, 200);
        assert_eq!(get(&emu, "/stats/site").send().status, 429);
        // Experimental routes are not in a strict bucket.
        assert_eq!(
            get(&emu, "/experimental/geolocation?ip=1.1.1.1")
                .send()
                .status,
            200
        );
        assert_eq!(RateLimit::Strict.limits(), Some((60, 30)));
    }

    #[test]
    fn oversize_body_is_413() {
        let emu = Emulator::start(EmulatorConfig {
            max_body_bytes: 1024,
            ..Default::default()
        })
        .unwrap();
        let big = "x".repeat(4096);
        let r = post(
            &emu,
            "/batch/events",
            json!({"events": [{"type": big, "email": "a@acme.io"}]}),
        )
        .send();
        assert_eq!(r.status, 413);
    }
}

// ---- faults -----------------------------------------------------------------------------------

mod faults {
    use super::*;

    /// The status of each of `n` `GET /fetch/tags` over one keep-alive agent.
    fn statuses(emu: &Emulator, n: usize) -> Vec<u16> {
        let a = agent();
        let url = format!(
            "{}/fetch/tags?site_uuid={}",
            emu.base_url(),
            emu.site_uuid()
        );
        let auth = basic(emu.publishable_key(), emu.secret_key());
        (0..n)
            .map(|_| {
                let mut res = a
                    .get(&url)
                    .header("Authorization", &auth)
                    .header("User-Agent", "t")
                    .call()
                    .expect("answered");
                let _ = res.body_mut().read_to_string();
                res.status().as_u16()
            })
            .collect()
    }

    #[test]
    fn a_twenty_percent_429_rule_from_the_admin_api_fires_at_its_rate_and_replays_by_seed() {
        let emu = start();
        let (st, body) = admin(
            &emu,
            "POST",
            "/faults",
            Some(
                json!({"action": {"kind": "status", "status": 429, "retry_after": 1},
                        "probability": 0.2, "seed": 7}),
            ),
        );
        assert_eq!(st, 200, "{body}");
        assert_eq!(body["faults"][0]["probability"], 0.2);
        let a = statuses(&emu, 1000);
        let fired = a.iter().filter(|s| **s == 429).count();
        eprintln!("p = 0.2, seed 7: {fired} of 1000 answered 429");
        assert!((170..=230).contains(&fired), "{fired} of 1000");
        assert_eq!(a.iter().filter(|s| **s == 200).count(), 1000 - fired);
        let rule = &emu.faults()[0];
        assert_eq!((rule.candidates, rule.fired), (1000, fired as u64));
        // The Rust builder, the same seed: the same requests get the 429.
        let again = start();
        again.add_fault(FaultRule::new(FaultAction::status(429)).with_probability(0.2, 7));
        assert_eq!(statuses(&again, 1000), a);
        let other = start();
        other.add_fault(FaultRule::new(FaultAction::status(429)).with_probability(0.2, 8));
        assert_ne!(statuses(&other, 1000), a);
        // Out-of-range probabilities are refused.
        let (st, _) = admin(
            &emu,
            "POST",
            "/faults",
            Some(json!({"action": {"kind": "status", "status": 429}, "probability": 1.5})),
        );
        assert_eq!(st, 400);
    }

    #[test]
    fn a_twenty_percent_drop_after_handling_loses_answers_but_not_writes() {
        let emu = start();
        emu.add_fault(
            FaultRule::new(FaultAction::DropConnection {
                after_handling: true,
            })
            .path_prefix("/batch/events")
            .with_probability(0.2, 3),
        );
        let mut lost = 0;
        for i in 0..200 {
            let r = post(
                &emu,
                "/batch/events",
                json!({"events": [{"type": "$visit", "email": format!("u{i}@acme.io")}]}),
            )
            .try_send();
            match r {
                Ok(r) => assert_eq!(r.status, 200, "{}", r.text),
                Err(_) => lost += 1,
            }
        }
        let rule = &emu.faults()[0];
        assert_eq!(rule.fired, lost);
        eprintln!("p = 0.2, seed 3: {lost} of 200 dropped after handling");
        assert!((20..=60).contains(&lost), "{lost} of 200");
        // Every request was handled, answered or not.
        assert_eq!(emu.state()["counts"]["events"], 200);
        let dropped = emu.requests().iter().filter(|r| r.status.is_none()).count();
        assert_eq!(dropped as u64, lost);
    }

    #[test]
    fn status_fault_sends_status_body_and_retry_after() {
        let emu = start();
        emu.add_fault(
            FaultRule::new(FaultAction::Status {
                status: 503,
                body: None,
                retry_after: Some(7),
                content_type: None,
            })
            .path_prefix("/fetch"),
        );
        let r = get(&emu, "/fetch/tags").send();
        assert_eq!(r.status, 503);
        assert_eq!(r.retry_after.as_deref(), Some("7"));
        assert_eq!(r.json(), json!({"error": "Service Unavailable"}));
        // Other prefixes are untouched.
        assert_eq!(get(&emu, "/stats/site").send().status, 200);
    }

    #[test]
    fn latency_fault_delays_the_answer() {
        let emu = start();
        emu.add_fault(
            FaultRule::new(FaultAction::Latency { ms: 300 })
                .exact_path("/fetch/tags")
                .once(),
        );
        let t = Instant::now();
        assert_eq!(get(&emu, "/fetch/tags").send().status, 200);
        assert!(
            t.elapsed() >= Duration::from_millis(300),
            "{:?}",
            t.elapsed()
        );
        let t = Instant::now();
        get(&emu, "/fetch/tags").send();
        assert!(t.elapsed() < Duration::from_millis(300), "only once");
    }

    #[test]
    fn dropped_connection_gives_the_client_a_transport_error_and_no_response() {
        let emu = start();
        emu.add_fault(
            FaultRule::new(FaultAction::DropConnection {
                after_handling: false,
            })
            .method("POST")
            .once(),
        );
        let r = post(
            &emu,
            "/batch/subscribers",
            json!({"subscribers": [{"email": "x@acme.io"}]}),
        )
        .try_send();
        assert!(
            r.is_err(),
            "expected a transport error, got status {:?}",
            r.ok().map(|r| r.status)
        );
        assert_eq!(
            emu.state()["counts"]["subscribers"],
            0,
            "dropped before handling"
        );
        let log = emu.requests();
        assert_eq!(log.last().unwrap().status, None);
        assert_eq!(log.last().unwrap().faults, ["drop_connection"]);
        // The emulator keeps serving.
        assert_eq!(
            post(
                &emu,
                "/batch/subscribers",
                json!({"subscribers": [{"email": "x@acme.io"}]})
            )
            .send()
            .status,
            200
        );
    }

    #[test]
    fn drop_after_handling_applies_the_write_but_loses_the_response() {
        let emu = start();
        emu.add_fault(
            FaultRule::new(FaultAction::DropConnection {
                after_handling: true,
            })
            .once(),
        );
        assert!(
            post(
                &emu,
                "/batch/subscribers",
                json!({"subscribers": [{"email": "x@acme.io"}]})
            )
            .try_send()
            .is_err()
        );
        assert_eq!(emu.state()["counts"]["subscribers"], 1);
    }

    #[test]
    fn truncated_body_declares_more_bytes_than_it_sends() {
        let emu = start();
        emu.add_fault(
            FaultRule::new(FaultAction::TruncatedBody {
                status: 200,
                body: None,
            })
            .once(),
        );
        let mut res = get(&emu, "/fetch/sequences")
            .call_raw()
            .expect("headers arrive");
        assert_eq!(res.status().as_u16(), 200);
        let declared: usize = res
            .headers()
            .get("content-length")
            .unwrap()
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let mut buf = Vec::new();
        let read = res.body_mut().as_reader().read_to_end(&mut buf);
        assert!(
            read.is_err() || buf.len() < declared,
            "read {:?} of {declared}",
            buf.len()
        );
        assert!(!buf.is_empty() || read.is_err());
    }

    #[test]
    fn malformed_json_fault_is_unparseable_json_with_a_json_content_type() {
        let emu = start();
        emu.add_fault(FaultRule::new(FaultAction::MalformedJson { status: 200 }).once());
        let r = get(&emu, "/fetch/tags").send();
        assert_eq!(r.status, 200);
        assert!(r.content_type.starts_with("application/json"));
        assert!(serde_json::from_str::<Value>(&r.text).is_err());
    }

    #[test]
    fn html_fault_is_a_cloudflare_like_page() {
        let emu = start();
        emu.add_fault(FaultRule::new(FaultAction::Html { status: 403 }).once());
        let r = get(&emu, "/fetch/tags").send();
        assert_eq!(r.status, 403);
        assert!(r.content_type.starts_with("text/html"));
        assert!(r.text.contains("Cloudflare"));
    }

    #[test]
    fn huge_body_fault_streams_valid_json_of_the_requested_size() {
        let emu = start();
        emu.add_fault(
            FaultRule::new(FaultAction::HugeBody {
                status: 200,
                megabytes: 3,
            })
            .once(),
        );
        let mut res = get(&emu, "/fetch/tags").call_raw().unwrap();
        let mut buf = Vec::new();
        res.body_mut().as_reader().read_to_end(&mut buf).unwrap();
        assert_eq!(buf.len(), 3 * 1024 * 1024);
        let v: Value = serde_json::from_slice(&buf).unwrap();
        assert!(v["padding"].is_string());
    }

    #[test]
    fn fail_next_n_then_succeed() {
        let emu = start();
        emu.add_fault(
            FaultRule::new(FaultAction::status(502))
                .path_prefix("/batch")
                .times(2),
        );
        let send = || {
            post(
                &emu,
                "/batch/events",
                json!({"events": [{"type": "$x", "email": "a@acme.io"}]}),
            )
            .send()
            .status
        };
        assert_eq!([send(), send(), send()], [502, 502, 200]);
        assert!(emu.faults().is_empty(), "exhausted rules are removed");
    }

    #[test]
    fn faults_can_be_added_and_cleared_through_the_admin_api() {
        let emu = start();
        let rule = json!({"method": "GET", "path": "/api/v1/fetch/tags", "match": "exact",
            "action": {"kind": "status", "status": 429, "body": {"error": "Too Many Requests"}, "retry_after": 3}, "remaining": null});
        let (st, body) = admin(&emu, "POST", "/faults", Some(rule));
        assert_eq!(st, 200);
        assert_eq!(body["faults"][0]["id"], 1);
        let r = get(&emu, "/fetch/tags").send();
        assert_eq!((r.status, r.retry_after.as_deref()), (429, Some("3")));
        assert_eq!(
            get(&emu, "/fetch/tags").send().status,
            429,
            "remaining null = forever"
        );
        let (st, _) = admin(&emu, "DELETE", "/faults", None);
        assert_eq!(st, 200);
        assert_eq!(get(&emu, "/fetch/tags").send().status, 200);
        let (st, _) = admin(
            &emu,
            "POST",
            "/faults",
            Some(json!({"action": {"kind": "nope"}})),
        );
        assert_eq!(st, 400);
    }
}

// ---- admin API --------------------------------------------------------------------------------

mod admin_api {
    use super::*;

    #[test]
    fn request_log_records_method_path_query_headers_and_body() {
        let emu = start();
        post(
            &emu,
            "/batch/events?x=1",
            json!({"events": [{"type": "$x", "email": "a@acme.io"}]}),
        )
        .send();
        let (st, body) = admin(&emu, "GET", "/requests", None);
        assert_eq!(st, 200);
        let r = &body["requests"][0];
        assert_eq!(r["method"], "POST");
        assert_eq!(r["path"], "/api/v1/batch/events");
        assert_eq!(r["query"], format!("x=1&site_uuid={}", emu.site_uuid()));
        assert_eq!(r["headers"]["user-agent"], "bento-rust-tests");
        assert!(
            r["headers"]["authorization"]
                .as_str()
                .unwrap()
                .starts_with("Basic ")
        );
        assert_eq!(
            serde_json::from_str::<Value>(r["body"].as_str().unwrap()).unwrap()["events"][0]["email"],
            "a@acme.io"
        );
        assert_eq!(r["status"], 200);
        assert_eq!(emu.requests().len(), 1);
        admin(&emu, "DELETE", "/requests", None);
        assert!(emu.requests().is_empty());
    }

    #[test]
    fn reset_restores_the_fixture_state_and_state_endpoint_snapshots() {
        let emu = start();
        import(&emu, json!([{"email": "a@acme.io"}]));
        post(&emu, "/fetch/tags", json!({"tag": {"name": "t"}})).send();
        let (_, snap) = admin(&emu, "GET", "/state", None);
        assert_eq!(snap["counts"]["subscribers"], 1);
        assert_eq!(snap["counts"]["tags"], 1);
        assert_eq!(snap["subscribers"][0]["attributes"]["email"], "a@acme.io");
        let (st, _) = admin(&emu, "POST", "/reset", None);
        assert_eq!(st, 200);
        let st = emu.state();
        assert_eq!(st["counts"]["subscribers"], 0);
        assert_eq!(st["counts"]["tags"], 0);
        assert_eq!(st["counts"]["broadcasts"], 1, "fixture broadcast is back");
        assert!(emu.requests().is_empty());
    }

    #[test]
    fn admin_api_needs_no_auth_and_is_not_under_api_v1() {
        let emu = start();
        let (st, _) = admin(&emu, "GET", "/state", None);
        assert_eq!(st, 200);
        assert_eq!(get(&emu, "/__emulator/state").send().status, 404);
    }
}

// ---- concurrency ------------------------------------------------------------------------------

mod concurrency {
    use super::*;

    #[test]
    fn eight_threads_of_250_imports_yield_exactly_2000_distinct_subscribers() {
        let emu = start();
        std::thread::scope(|s| {
            for t in 0..8 {
                let emu = &emu;
                s.spawn(move || {
                    for i in 0..250 {
                        let r = import(
                            emu,
                            json!([{"email": format!("t{t}-u{i}@acme.io"), "n": i}]),
                        );
                        assert_eq!(r["results"], 1);
                    }
                });
            }
        });
        let st = emu.state();
        let subs = st["subscribers"].as_array().unwrap();
        assert_eq!(subs.len(), 2000);
        let ids: std::collections::HashSet<&str> =
            subs.iter().map(|s| s["id"].as_str().unwrap()).collect();
        let uuids: std::collections::HashSet<&str> = subs
            .iter()
            .map(|s| s["attributes"]["uuid"].as_str().unwrap())
            .collect();
        assert_eq!((ids.len(), uuids.len()), (2000, 2000));
        assert_eq!(get(&emu, "/stats/site").send().json()["user_count"], 2000);
    }
}

// ---- the binary -------------------------------------------------------------------------------

mod binary {
    use super::*;
    use std::io::BufRead;
    use std::process::{Command, Stdio};

    #[test]
    fn binary_prints_one_json_line_serves_and_exits_cleanly_on_sigterm() {
        let mut child = Command::new(env!("CARGO_BIN_EXE_bento-emulator"))
            .args(["--port", "0", "--site-uuid", "bin-site"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let info: Value = serde_json::from_str(&line).expect("one JSON line");
        let base = info["base_url"].as_str().unwrap();
        assert!(base.starts_with("http://127.0.0.1:") && base.ends_with("/api/v1"));
        assert_eq!(info["site_uuid"], "bin-site");
        assert_eq!(info["publishable_key"], "pk_emulator_publishable");
        assert!(info["admin_url"].as_str().unwrap().ends_with("/__emulator"));
        let auth = basic(
            info["publishable_key"].as_str().unwrap(),
            info["secret_key"].as_str().unwrap(),
        );
        let mut res = agent()
            .get(&format!("{base}/stats/site?site_uuid=bin-site"))
            .header("Authorization", &auth)
            .header("User-Agent", "t")
            .call()
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
        let v: Value = serde_json::from_str(&res.body_mut().read_to_string().unwrap()).unwrap();
        assert_eq!(v["user_count"], 0);
        let killed = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            assert!(Instant::now() < deadline, "did not exit after SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(status.success(), "exit status {status:?}");
    }

    #[test]
    fn binary_help_and_bad_arguments() {
        let out = Command::new(env!("CARGO_BIN_EXE_bento-emulator"))
            .arg("--help")
            .output()
            .unwrap();
        assert!(out.status.success());
        assert!(String::from_utf8_lossy(&out.stdout).contains("--import-delay-ms"));
        let bad = Command::new(env!("CARGO_BIN_EXE_bento-emulator"))
            .arg("--bogus")
            .output()
            .unwrap();
        assert_eq!(bad.status.code(), Some(2));
    }
}

// ---- hostile input: limits, timeouts, resources (issue #11) -----------------------------------

mod hostile {
    use super::*;
    use std::io::Write;
    use std::net::TcpStream;

    fn connect(emu: &Emulator) -> TcpStream {
        let s = TcpStream::connect(emu.addr()).expect("connect");
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.set_write_timeout(Some(Duration::from_secs(10))).unwrap();
        s
    }

    /// Reads one HTTP/1.1 response with a `Content-Length`: (status, lower-cased head, body).
    fn read_response(s: &mut TcpStream) -> (u16, String, String) {
        let mut buf = Vec::new();
        let mut byte = [0u8; 1];
        while !buf.ends_with(b"\r\n\r\n") {
            let n = s.read(&mut byte).expect("response head");
            assert!(
                n > 0,
                "EOF before a response head: {:?}",
                String::from_utf8_lossy(&buf)
            );
            buf.push(byte[0]);
        }
        let head = String::from_utf8_lossy(&buf).to_ascii_lowercase();
        let status = head[9..12].parse().expect("status code");
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .map_or(0, |v| v.trim().parse().unwrap());
        let mut body = vec![0u8; len];
        s.read_exact(&mut body).expect("response body");
        (status, head, String::from_utf8_lossy(&body).into_owned())
    }

    /// (VmRSS, VmHWM) of a process in KiB, from /proc/PID/status.
    #[cfg(target_os = "linux")]
    fn rss_kib(pid: u32) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc");
        let field = |name: &str| -> u64 {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
                .unwrap_or_else(|| panic!("{name} in {status}"))
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    /// Twelve unauthenticated 15 MB POSTs used to stay in the log whole (RSS 12 → 566 MB, and
    /// `GET /__emulator/requests` answered 567 MB). The emulator runs as its own process here so
    /// its RSS is not mixed with the test harness's.
    #[test]
    #[cfg(target_os = "linux")]
    fn twelve_15_mb_posts_keep_the_log_and_its_answer_small() {
        use std::io::BufRead;
        use std::process::{Command, Stdio};
        let mut child = Command::new(env!("CARGO_BIN_EXE_bento-emulator"))
            .args(["--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        struct Kill(std::process::Child);
        impl Drop for Kill {
            fn drop(&mut self) {
                let _ = self.0.kill();
                let _ = self.0.wait();
            }
        }
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let child = Kill(child);
        let pid = child.0.id();
        let info: Value = serde_json::from_str(&line).expect("one JSON line");
        let base = info["base_url"].as_str().unwrap().to_string();
        let admin_url = info["admin_url"].as_str().unwrap().to_string();
        let (rss_before, _) = rss_kib(pid);
        let body = vec![b'x'; 15_000_000];
        let a = agent();
        for _ in 0..12 {
            let res = a
                .post(&format!("{base}/batch/events"))
                .header("User-Agent", "t")
                .header("Content-Type", "application/json")
                .send(&body[..])
                .expect("POST");
            assert_eq!(res.status().as_u16(), 401);
        }
        let (rss_after_posts, peak_posts) = rss_kib(pid);
        let mut res = a.get(&format!("{admin_url}/requests")).call().unwrap();
        let text = res
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_string()
            .unwrap();
        let (rss_after_get, peak) = rss_kib(pid);
        eprintln!(
            "RSS KiB: before {rss_before}, after 12 x 15 MB POSTs {rss_after_posts} (peak {peak_posts}), \
             after GET /requests {rss_after_get} (peak {peak}); answer {} bytes",
            text.len()
        );
        let v: Value = serde_json::from_str(&text).unwrap();
        let entries = v["requests"].as_array().unwrap();
        assert_eq!(entries.len(), 12);
        for e in entries {
            assert_eq!(e["body_len"], 15_000_000);
            assert_eq!(e["body_truncated"], true);
            assert_eq!(e["body"].as_str().unwrap().len(), 64 * 1024);
            assert_eq!(e["status"], 401);
        }
        assert!(v["log_bytes"].as_u64().unwrap() <= 16 * 1024 * 1024);
        assert!(text.len() < 1024 * 1024, "answer is {} bytes", text.len());
        // Before the cap the log alone held 180 MB here; allow for allocator slack only.
        let grown_mib = rss_after_get.saturating_sub(rss_before) / 1024;
        assert!(grown_mib < 100, "RSS grew by {grown_mib} MiB");
    }

    /// Polls non-blocking sockets until each reads EOF or an error; returns when each closed,
    /// measured from `since[i]`, or panics at `deadline`.
    fn wait_closed(
        socks: &mut [TcpStream],
        since: &[Instant],
        deadline: Duration,
    ) -> Vec<Duration> {
        let start = Instant::now();
        let mut closed: Vec<Option<Duration>> = vec![None; socks.len()];
        for s in socks.iter() {
            s.set_nonblocking(true).unwrap();
        }
        let mut buf = [0u8; 4096];
        while closed.iter().any(Option::is_none) {
            assert!(
                start.elapsed() < deadline,
                "{} of {} sockets still open after {deadline:?}",
                closed.iter().filter(|c| c.is_none()).count(),
                socks.len()
            );
            for (i, s) in socks.iter_mut().enumerate() {
                if closed[i].is_some() {
                    continue;
                }
                match s.read(&mut buf) {
                    Ok(0) => closed[i] = Some(since[i].elapsed()),
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    Err(_) => closed[i] = Some(since[i].elapsed()),
                }
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        closed.into_iter().flatten().collect()
    }

    /// 300 idle sockets used to make the emulator unreachable (`ulimit -n 256`): none was ever
    /// closed. Now silent and half-sent heads are closed after the header-read timeout and
    /// idle keep-alive connections after the idle timeout, while requests keep being answered.
    #[test]
    fn silent_stalled_and_idle_connections_are_closed_while_requests_are_answered() {
        let header = Duration::from_millis(500);
        let idle = Duration::from_millis(2500);
        let emu = Emulator::start(EmulatorConfig {
            header_read_timeout: header,
            idle_timeout: idle,
            ..Default::default()
        })
        .unwrap();
        let head = format!(
            "GET /api/v1/fetch/tags?site_uuid={} HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\nAuthorization: {}\r\n\r\n",
            emu.site_uuid(),
            basic(emu.publishable_key(), emu.secret_key())
        );
        // 100 keep-alive after one answered request, 100 silent, 100 with half a request head.
        let (mut kept, mut kept_at) = (Vec::new(), Vec::new());
        for _ in 0..100 {
            let mut s = connect(&emu);
            s.write_all(head.as_bytes()).unwrap();
            let (status, _, _) = read_response(&mut s);
            assert_eq!(status, 200);
            kept.push(s);
            kept_at.push(Instant::now());
        }
        let (mut stalled, mut stalled_at) = (Vec::new(), Vec::new());
        for i in 0..200 {
            let mut s = connect(&emu);
            if i % 2 == 1 {
                s.write_all(&head.as_bytes()[..30]).unwrap();
            }
            stalled.push(s);
            stalled_at.push(Instant::now());
        }
        // With all 300 open, a new client is answered at once…
        let t = Instant::now();
        assert_eq!(get(&emu, "/fetch/tags").send().status, 200);
        assert!(t.elapsed() < Duration::from_secs(2));
        let stalled_closed = wait_closed(&mut stalled, &stalled_at, Duration::from_secs(10));
        // A keep-alive connection idle for less than the idle timeout (but longer than the
        // header-read timeout) still serves its next request.
        let last = kept.len() - 1;
        if let Some(wait) =
            (header + Duration::from_millis(200)).checked_sub(kept_at[last].elapsed())
        {
            std::thread::sleep(wait);
        }
        let idled = kept_at[last].elapsed();
        assert!(
            idled > header && idled < idle,
            "idled {idled:?}: machine too slow for the test"
        );
        kept[last].write_all(head.as_bytes()).unwrap();
        assert_eq!(read_response(&mut kept[last]).0, 200);
        kept_at[last] = Instant::now();
        let kept_closed = wait_closed(&mut kept, &kept_at, Duration::from_secs(10));
        let max = |v: &[Duration]| v.iter().max().copied().unwrap_or_default();
        let min = |v: &[Duration]| v.iter().min().copied().unwrap_or_default();
        eprintln!(
            "closed: silent/half-head {:?}..{:?} after connecting (timeout {header:?}); \
             idle keep-alive {:?}..{:?} after their last answer (timeout {idle:?})",
            min(&stalled_closed),
            max(&stalled_closed),
            min(&kept_closed),
            max(&kept_closed)
        );
        assert!(max(&stalled_closed) < idle, "{stalled_closed:?}");
        assert!(
            min(&kept_closed) >= idle - Duration::from_millis(100),
            "{kept_closed:?}"
        );
        assert!(max(&kept_closed) < idle * 2, "{kept_closed:?}");
        assert_eq!(get(&emu, "/fetch/tags").send().status, 200);
    }

    #[test]
    fn a_stalled_request_body_gets_408() {
        let emu = Emulator::start(EmulatorConfig {
            idle_timeout: Duration::from_millis(300),
            ..Default::default()
        })
        .unwrap();
        let mut s = connect(&emu);
        s.write_all(b"POST /api/v1/batch/events HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\nContent-Length: 100\r\n\r\n{\"events\"").unwrap();
        let t = Instant::now();
        let (status, head, body) = read_response(&mut s);
        assert_eq!(status, 408, "{head}{body}");
        assert!(t.elapsed() < Duration::from_secs(3));
        assert!(head.contains("connection: close"), "{head}");
    }

    fn small_body_emulator() -> Emulator {
        Emulator::start(EmulatorConfig {
            max_body_bytes: 64 * 1024,
            ..Default::default()
        })
        .unwrap()
    }

    #[test]
    fn a_content_length_over_the_limit_gets_413_json_before_the_body_is_sent_and_after() {
        let emu = small_body_emulator();
        // Head only: the 413 arrives without the client sending a byte of its 1 GB body.
        let mut s = connect(&emu);
        s.write_all(b"POST /api/v1/batch/events HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\nContent-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n").unwrap();
        let (status, head, body) = read_response(&mut s);
        assert_eq!(status, 413, "{head}{body}");
        assert!(head.contains("connection: close"), "{head}");
        assert!(body.contains("larger than 65536 bytes"), "{body}");
        // With `Expect: 100-continue` the body is never invited: 413, not 100 Continue.
        let mut s = connect(&emu);
        s.write_all(b"POST /api/v1/batch/events HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\nExpect: 100-continue\r\nContent-Length: 1000000000\r\n\r\n").unwrap();
        let (status, head, _) = read_response(&mut s);
        assert_eq!(status, 413, "{head}");
        // The whole 4 MB body: every byte is accepted (no reset, no broken pipe), then the 413.
        let mut s = connect(&emu);
        let big = vec![b'x'; 4 * 1024 * 1024];
        s.write_all(format!("POST /api/v1/batch/events HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\nContent-Length: {}\r\n\r\n", big.len()).as_bytes()).unwrap();
        s.write_all(&big)
            .expect("the server reads the refused body instead of resetting");
        let (status, _, body) = read_response(&mut s);
        assert_eq!(status, 413);
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap()["error"],
            "request body larger than 65536 bytes"
        );
        assert_eq!(get(&emu, "/fetch/tags").send().status, 200);
    }

    #[test]
    fn a_chunked_body_over_the_limit_gets_413_json_and_no_broken_pipe() {
        let emu = small_body_emulator();
        let mut s = connect(&emu);
        s.write_all(b"POST /api/v1/batch/events HTTP/1.1\r\nHost: x\r\nUser-Agent: t\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").unwrap();
        let chunk = vec![b'x'; 16 * 1024];
        for _ in 0..256 {
            // 4 MB in all, far over the 64 KiB limit.
            s.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .unwrap();
            s.write_all(&chunk)
                .expect("the server keeps reading the refused body");
            s.write_all(b"\r\n").unwrap();
        }
        s.write_all(b"0\r\n\r\n").unwrap();
        let (status, head, body) = read_response(&mut s);
        assert_eq!(status, 413, "{head}{body}");
        assert!(serde_json::from_str::<Value>(&body).unwrap()["error"].is_string());
        assert_eq!(get(&emu, "/fetch/tags").send().status, 200);
    }

    /// The emulator still answers an ordinary authenticated request.
    fn assert_alive(emu: &Emulator) {
        let r = get(emu, "/fetch/tags").send();
        assert_eq!(r.status, 200, "{}", r.text);
    }

    #[test]
    fn a_20000_bracket_query_is_400_and_the_emulator_keeps_serving() {
        let emu = start();
        let key = format!("a{}", "[x]".repeat(20_000));
        let mut req = get(&emu, &format!("/fetch/tags?{key}=1"));
        req.auth = None;
        let r = req.send();
        assert_eq!(r.status, 400, "{}", r.text);
        assert!(
            r.json()["error"]
                .as_str()
                .unwrap()
                .contains("deeper than 32")
        );
        // 32 levels are still accepted (authenticated: the route answers normally).
        let ok = get(&emu, &format!("/fetch/tags?a{}=1", "[x]".repeat(31))).send();
        assert_eq!(ok.status, 200, "{}", ok.text);
        assert_alive(&emu);
    }

    #[test]
    fn a_deeply_nested_form_body_is_400_and_the_emulator_keeps_serving() {
        let emu = start();
        let body = format!("tag{}=1", "[name]".repeat(50_000));
        let mut req = Req::new(&emu, "POST", "/fetch/tags").form(&body);
        req.auth = None;
        let r = req.send();
        assert_eq!(r.status, 400, "{}", r.text);
        // Too many pairs is refused too, and an array key (`[]`) nests like any other.
        let many = vec!["t[]=1"; 10_001].join("&");
        let r = Req::new(&emu, "POST", "/fetch/tags").form(&many).send();
        assert_eq!(r.status, 413, "{}", r.text);
        let arrays = format!("t{}=1", "[]".repeat(40_000));
        let r = Req::new(&emu, "POST", "/fetch/tags").form(&arrays).send();
        assert_eq!(r.status, 400, "{}", r.text);
        assert_alive(&emu);
    }

    #[test]
    fn deep_or_huge_json_bodies_are_refused_and_the_emulator_keeps_serving() {
        let emu = start();
        for levels in [40, 127, 200_000] {
            let body = format!(
                r#"{{"tag":{{"name":{}1{}}}}}"#,
                "[".repeat(levels),
                "]".repeat(levels)
            );
            let r = Req {
                body: Some((body, "application/json")),
                ..get(&emu, "/fetch/tags")
            }
            .send();
            assert_eq!(r.status, 400, "{levels}: {}", r.text);
        }
        // The admin API parses with serde_json alone (limit 128 levels): an error, no crash.
        let deep = format!("{}1{}", "[".repeat(200_000), "]".repeat(200_000));
        let res = agent()
            .post(&format!("{}/faults", emu.admin_url()))
            .header("Content-Type", "application/json")
            .send(deep.as_bytes())
            .unwrap();
        assert_eq!(res.status().as_u16(), 400);
        // 16 MB of `1,` would be ~8M values (~256 MB as serde_json values): refused by count.
        let body = format!(r#"{{"tag":[{}1]}}"#, "1,".repeat(600_000));
        let r = Req {
            body: Some((body, "application/json")),
            ..get(&emu, "/fetch/tags")
        }
        .send();
        assert_eq!(r.status, 413, "{}", r.text);
        assert_alive(&emu);
    }
}

// ---- request ids (issue #13) ------------------------------------------------------------------

mod request_ids {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn every_answer_carries_a_unique_request_id_across_routes_errors_and_emulators() {
        let emu = Emulator::start(EmulatorConfig {
            max_body_bytes: 1024,
            ..Default::default()
        })
        .unwrap();
        let other = start();
        emu.add_fault(
            FaultRule::new(FaultAction::status(503))
                .exact_path("/stats/site")
                .once(),
        );
        let mut answers: Vec<(String, Option<String>)> = Vec::new();
        let mut record = |what: &str, r: Res, want: u16| {
            assert_eq!(r.status, want, "{what}: {}", r.text);
            answers.push((what.to_string(), r.request_id));
        };
        record("200", get(&emu, "/fetch/tags").send(), 200);
        record("200 again", get(&emu, "/fetch/tags").send(), 200);
        record("other emulator", get(&other, "/fetch/tags").send(), 200);
        let mut unauth = get(&emu, "/fetch/tags");
        unauth.auth = None;
        record("401", unauth.send(), 401);
        let mut no_ua = get(&emu, "/fetch/tags");
        no_ua.ua = None;
        record("403", no_ua.send(), 403);
        record("404 api", get(&emu, "/fetch/nope").send(), 404);
        record("fault 503", get(&emu, "/stats/site").send(), 503);
        record(
            "400 too deep",
            get(&emu, &format!("/fetch/tags?a{}=1", "[x]".repeat(40))).send(),
            400,
        );
        record(
            "413",
            post(&emu, "/batch/events", json!({"x": "y".repeat(4096)})).send(),
            413,
        );
        for (path, want) in [("/state", 200), ("/nope", 404)] {
            let (st, id, _) = admin_with_id(&emu, "GET", path, None);
            assert_eq!(st, want);
            answers.push((format!("admin {path}"), id));
        }
        let mut seen = HashSet::new();
        for (what, id) in &answers {
            let id = id
                .as_deref()
                .unwrap_or_else(|| panic!("{what}: no x-request-id"));
            let (prefix, n) = id
                .strip_prefix("req_")
                .and_then(|rest| rest.split_once('_'))
                .unwrap_or_else(|| panic!("{what}: {id}"));
            assert!(
                prefix.len() == 12 && prefix.bytes().all(|b| b.is_ascii_hexdigit()),
                "{id}"
            );
            assert!(n.parse::<u64>().is_ok(), "{what}: {id}");
            assert!(seen.insert(id.to_string()), "{what}: {id} repeated");
        }
        // The per-process prefix is the same, the counter is not.
        let prefix = |id: &str| id.rsplit_once('_').unwrap().0.to_string();
        let ids: Vec<&String> = seen.iter().collect();
        assert!(ids.iter().all(|id| prefix(id) == prefix(ids[0])));
    }

    #[test]
    fn a_failed_answer_s_request_id_finds_its_entry_in_the_request_log() {
        let emu = Emulator::start(EmulatorConfig {
            max_body_bytes: 1024,
            ..Default::default()
        })
        .unwrap();
        emu.add_fault(
            FaultRule::new(FaultAction::status(503))
                .path_prefix("/batch/events")
                .once(),
        );
        let body = json!({"events": [{"type": "$x", "email": "a@acme.io"}]});
        let failed = post(&emu, "/batch/events", body.clone()).send();
        assert_eq!(failed.status, 503);
        let ok = post(&emu, "/batch/events", body).send();
        assert_eq!(ok.status, 200);
        let (failed_id, ok_id) = (failed.request_id.unwrap(), ok.request_id.unwrap());
        assert_ne!(failed_id, ok_id);
        let (_, log) = admin(&emu, "GET", "/requests", None);
        let entry = log["requests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["request_id"] == failed_id.as_str())
            .unwrap_or_else(|| panic!("{failed_id} not in {log}"));
        assert_eq!(entry["status"], 503);
        assert_eq!(entry["faults"], json!(["status"]));
        assert_eq!(entry["path"], "/api/v1/batch/events");
        // A refused body and a dropped connection are logged under their ids too.
        let big = post(&emu, "/batch/events", json!({"x": "y".repeat(4096)})).send();
        assert_eq!(big.status, 413);
        let big_id = big.request_id.unwrap();
        emu.add_fault(
            FaultRule::new(FaultAction::DropConnection {
                after_handling: false,
            })
            .once(),
        );
        assert!(get(&emu, "/fetch/tags").try_send().is_err());
        let log = emu.requests();
        let e = log.iter().find(|e| e.request_id == big_id).unwrap();
        assert_eq!((e.status, e.body_truncated), (Some(413), true));
        let dropped = log.last().unwrap();
        assert_eq!(dropped.status, None);
        assert!(dropped.request_id.starts_with("req_"));
        let unique: HashSet<&str> = log.iter().map(|e| e.request_id.as_str()).collect();
        assert_eq!(unique.len(), log.len());
    }

    /// The emulator's stderr line for a request names its id, so a client's error can be
    /// matched with the emulator's log; `--log-requests` and `BENTO_EMULATOR_LOG` turn it on.
    #[test]
    fn the_request_log_line_on_stderr_names_the_request_id() {
        use std::io::BufRead;
        use std::process::{Command, Stdio};
        let cases = [
            (&["--log-requests"][..], None, true),
            (&[][..], Some("1"), true),
            (&[][..], None, false),
            (&[][..], Some("0"), false),
        ];
        for (args, env, logs) in cases {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_bento-emulator"));
            cmd.args(["--port", "0"])
                .args(args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .env_remove("BENTO_EMULATOR_LOG");
            if let Some(v) = env {
                cmd.env("BENTO_EMULATOR_LOG", v);
            }
            let mut child = cmd.spawn().expect("spawn");
            let mut line = String::new();
            std::io::BufReader::new(child.stdout.take().unwrap())
                .read_line(&mut line)
                .unwrap();
            let info: Value = serde_json::from_str(&line).unwrap();
            let res = agent()
                .get(&format!(
                    "{}/fetch/tags",
                    info["base_url"].as_str().unwrap()
                ))
                .header("User-Agent", "t")
                .call()
                .unwrap();
            assert_eq!(res.status().as_u16(), 401);
            let id = res.headers()["x-request-id"].to_str().unwrap().to_string();
            let _ = Command::new("kill")
                .args(["-TERM", &child.id().to_string()])
                .status();
            let deadline = Instant::now() + Duration::from_secs(10);
            while child.try_wait().unwrap().is_none() {
                assert!(Instant::now() < deadline, "did not exit");
                std::thread::sleep(Duration::from_millis(20));
            }
            let mut err = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            let line = err.lines().find(|l| l.contains(&id));
            if !logs {
                assert!(line.is_none(), "{args:?} {env:?}: {err}");
                continue;
            }
            let line = line.unwrap_or_else(|| panic!("{id} not in stderr: {err}"));
            assert!(line.contains("GET /api/v1/fetch/tags -> 401"), "{line}");
        }
    }
}
