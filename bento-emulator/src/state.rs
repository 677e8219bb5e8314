//! The in-memory database and the write semantics shared by imports, events and commands.
//!
//! Writes apply synchronously (the live API queues them; §1.9). The one concession to the live
//! API's asynchrony is `visible_at`: subscribers created by `/batch/subscribers` can be hidden from
//! reads for a configured delay.

use crate::fixture::{Fixture, SegmentFixture};
use crate::util::{as_string, display_name, iso, norm_email, parse_iso, uuid, valid_email};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap, HashSet};

/// A subscriber ("visitor").
#[derive(Debug, Clone)]
pub struct Subscriber {
    pub id: u64,
    pub uuid: String,
    pub email: String,
    pub fields: Map<String, Value>,
    pub tag_ids: Vec<u64>,
    pub unsubscribed_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_event_at: Option<i64>,
    /// Reads ignore the subscriber before this instant (epoch ms).
    pub visible_at: i64,
    /// Lifetime value in cents from counted `$purchase` events.
    pub ltv_cents: i64,
}

/// A tag; deleting only sets `discarded_at`.
#[derive(Debug, Clone)]
pub struct Tag {
    pub id: u64,
    pub name: String,
    pub created_at: i64,
    pub discarded_at: Option<i64>,
}

/// A custom-field definition.
#[derive(Debug, Clone)]
pub struct Field {
    pub id: u64,
    pub key: String,
    pub name: String,
    pub created_at: i64,
}

/// An email template.
#[derive(Debug, Clone)]
pub struct Template {
    pub id: u64,
    pub name: String,
    pub subject: String,
    pub html: String,
    pub created_at: String,
    pub stats: Value,
    /// Extra create/update attributes (inbox_snippet, delay_interval, …), kept for the admin view.
    pub extra: Map<String, Value>,
}

/// A sequence or a workflow.
#[derive(Debug, Clone)]
pub struct Flow {
    pub id: u64,
    pub prefix_id: String,
    pub name: String,
    pub status: String,
    pub created_at: String,
    pub template_ids: Vec<u64>,
}

/// A broadcast.
#[derive(Debug, Clone)]
pub struct Broadcast {
    pub id: u64,
    pub template_id: u64,
    pub name: String,
    pub status: String,
    pub created_at: String,
    pub send_at: Option<String>,
    pub sent_final_batch_at: Option<String>,
    pub open_rate: Option<f64>,
    /// The create request item as sent (admin view).
    pub input: Value,
}

/// The whole emulated site.
#[derive(Debug)]
pub struct Db {
    pub site_id: u64,
    pub subscribers: BTreeMap<u64, Subscriber>,
    pub by_email: HashMap<String, u64>,
    pub tags: BTreeMap<u64, Tag>,
    pub fields: BTreeMap<u64, Field>,
    /// Accepted events, in arrival order (admin view).
    pub events: Vec<Value>,
    /// Queued transactional emails (admin view).
    pub outbox: Vec<Value>,
    pub templates: BTreeMap<u64, Template>,
    pub sequences: Vec<Flow>,
    pub workflows: Vec<Flow>,
    pub broadcasts: Vec<Broadcast>,
    pub fixture: Fixture,
    /// `$purchase` `details.unique.key`s already counted, per site (§4).
    pub purchase_keys: HashSet<String>,
    /// Processed data-deletion requests (admin view).
    pub deletions: Vec<Value>,
    next_subscriber: u64,
    next_tag: u64,
    next_field: u64,
    next_event: u64,
    next_email: u64,
    next_template: u64,
    next_broadcast: u64,
    next_deletion: u64,
}

fn ts(s: &Option<String>) -> String {
    s.clone()
        .unwrap_or_else(|| "2026-01-01T00:00:00.000Z".to_string())
}

/// Splits a `tags` / `remove_tags` value: a comma-separated string (documented) or, leniently, an
/// array (G sends arrays).
pub fn tag_list(v: Option<&Value>) -> Vec<String> {
    let raw: Vec<String> = match v {
        Some(Value::String(s)) => s.split(',').map(str::to_string).collect(),
        Some(Value::Array(a)) => a.iter().filter_map(as_string).collect(),
        _ => Vec::new(),
    };
    raw.into_iter()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

impl Db {
    /// A fresh database seeded from the fixture.
    pub fn new(fixture: Fixture, now: i64) -> Db {
        let max =
            |it: &mut dyn Iterator<Item = u64>, floor: u64| it.max().unwrap_or(0).max(floor) + 1;
        let mut db = Db {
            site_id: fixture.site.id,
            subscribers: BTreeMap::new(),
            by_email: HashMap::new(),
            tags: BTreeMap::new(),
            fields: BTreeMap::new(),
            events: Vec::new(),
            outbox: Vec::new(),
            templates: BTreeMap::new(),
            sequences: Vec::new(),
            workflows: Vec::new(),
            broadcasts: Vec::new(),
            purchase_keys: HashSet::new(),
            deletions: Vec::new(),
            next_subscriber: 804_211_377,
            next_tag: 5510,
            next_field: 9031,
            next_event: 1,
            next_email: 1,
            next_template: max(&mut fixture.templates.iter().map(|t| t.id), 12_399),
            next_broadcast: max(&mut fixture.broadcasts.iter().map(|b| b.id), 7781),
            next_deletion: 1,
            fixture: Fixture::default(),
        };
        for t in &fixture.templates {
            db.templates.insert(
                t.id,
                Template {
                    id: t.id,
                    name: t.name.clone(),
                    subject: t.subject.clone(),
                    html: t.html.clone(),
                    created_at: ts(&t.created_at),
                    stats: t.stats.clone(),
                    extra: Map::new(),
                },
            );
        }
        for s in &fixture.sequences {
            db.sequences.push(Flow {
                id: s.id,
                prefix_id: s.prefix_id.clone(),
                name: s.name.clone(),
                status: String::new(),
                created_at: ts(&s.created_at),
                template_ids: s.email_template_ids.clone(),
            });
        }
        for w in &fixture.workflows {
            db.workflows.push(Flow {
                id: w.id,
                prefix_id: String::new(),
                name: w.name.clone(),
                status: w.status.clone(),
                created_at: ts(&w.created_at),
                template_ids: w.email_template_ids.clone(),
            });
        }
        for b in &fixture.broadcasts {
            db.broadcasts.push(Broadcast {
                id: b.id,
                template_id: b.template_id,
                name: b.name.clone(),
                status: b.status.clone(),
                created_at: ts(&b.created_at),
                send_at: b.send_at.clone(),
                sent_final_batch_at: b.sent_final_batch_at.clone(),
                open_rate: b.open_rate,
                input: Value::Null,
            });
        }
        for t in &fixture.tags {
            db.tag_id(t, now);
        }
        for f in &fixture.fields {
            db.ensure_field(f, now);
        }
        for s in &fixture.subscribers {
            let _ = db.import(s, now, now);
        }
        db.fixture = fixture;
        db
    }

    // ---- lookups -------------------------------------------------------------------------

    /// Subscriber id by email, including not-yet-visible ones (writes see everything).
    pub fn id_by_email(&self, email: &str) -> Option<u64> {
        self.by_email.get(&norm_email(email)).copied()
    }

    /// A subscriber that reads may see at `now`.
    pub fn visible(&self, id: u64, now: i64) -> Option<&Subscriber> {
        self.subscribers.get(&id).filter(|s| s.visible_at <= now)
    }

    /// Every subscriber visible at `now`.
    pub fn visible_subscribers(&self, now: i64) -> impl Iterator<Item = &Subscriber> {
        self.subscribers
            .values()
            .filter(move |s| s.visible_at <= now)
    }

    /// Tag id by name (case-insensitive), discarded or not.
    pub fn find_tag(&self, name: &str) -> Option<u64> {
        let name = name.trim();
        self.tags
            .values()
            .find(|t| t.name.eq_ignore_ascii_case(name))
            .map(|t| t.id)
    }

    /// Flow lookup by numeric id or prefix id (§2.2: the emulator accepts both).
    pub fn sequence_index(&self, ident: &str) -> Option<usize> {
        let ident = ident.trim();
        self.sequences.iter().position(|s| {
            s.id.to_string() == ident || (!s.prefix_id.is_empty() && s.prefix_id == ident)
        })
    }

    // ---- creation ------------------------------------------------------------------------

    /// Existing subscriber id, or a new one (created visible at `visible_at`). Returns (id, created).
    pub fn get_or_create(&mut self, email: &str, now: i64, visible_at: i64) -> (u64, bool) {
        let key = norm_email(email);
        if let Some(id) = self.by_email.get(&key) {
            return (*id, false);
        }
        let id = self.next_subscriber;
        self.next_subscriber += 1;
        let sub = Subscriber {
            id,
            uuid: uuid("visitor", id, &key),
            email: key.clone(),
            fields: Map::new(),
            tag_ids: Vec::new(),
            unsubscribed_at: None,
            created_at: now,
            updated_at: now,
            last_event_at: None,
            visible_at,
            ltv_cents: 0,
        };
        self.subscribers.insert(id, sub);
        self.by_email.insert(key, id);
        (id, true)
    }

    /// Tag id for a name, creating it (or restoring a discarded one) on demand.
    pub fn tag_id(&mut self, name: &str, now: i64) -> u64 {
        if let Some(id) = self.find_tag(name) {
            if let Some(t) = self.tags.get_mut(&id) {
                t.discarded_at = None;
            }
            return id;
        }
        let id = self.next_tag;
        self.next_tag += 1;
        self.tags.insert(
            id,
            Tag {
                id,
                name: name.trim().to_string(),
                created_at: now,
                discarded_at: None,
            },
        );
        id
    }

    /// Field definition for a key, created on demand. Returns its id.
    pub fn ensure_field(&mut self, key: &str, now: i64) -> u64 {
        if let Some(f) = self.fields.values().find(|f| f.key == key) {
            return f.id;
        }
        let id = self.next_field;
        self.next_field += 1;
        self.fields.insert(
            id,
            Field {
                id,
                key: key.to_string(),
                name: display_name(key),
                created_at: now,
            },
        );
        id
    }

    /// New template id.
    pub fn next_template_id(&mut self) -> u64 {
        let id = self.next_template;
        self.next_template += 1;
        id
    }

    /// New broadcast id.
    pub fn next_broadcast_id(&mut self) -> u64 {
        let id = self.next_broadcast;
        self.next_broadcast += 1;
        id
    }

    // ---- subscriber mutations ------------------------------------------------------------

    fn set_field(&mut self, id: u64, key: &str, value: Value, now: i64) {
        if key.trim().is_empty() {
            return;
        }
        self.ensure_field(key, now);
        if let Some(s) = self.subscribers.get_mut(&id) {
            s.fields.insert(key.to_string(), value);
            s.updated_at = now;
        }
    }

    fn merge_fields(&mut self, id: u64, fields: Option<&Value>, now: i64) {
        if let Some(Value::Object(map)) = fields {
            for (k, v) in map {
                self.set_field(id, k, v.clone(), now);
            }
        }
    }

    fn add_tag(&mut self, id: u64, name: &str, now: i64) {
        if name.trim().is_empty() {
            return;
        }
        let tag = self.tag_id(name, now);
        if let Some(s) = self.subscribers.get_mut(&id) {
            if !s.tag_ids.contains(&tag) {
                s.tag_ids.push(tag);
            }
            s.updated_at = now;
        }
    }

    fn remove_tag(&mut self, id: u64, name: &str, now: i64) {
        let Some(tag) = self.find_tag(name) else {
            return;
        };
        if let Some(s) = self.subscribers.get_mut(&id) {
            s.tag_ids.retain(|t| *t != tag);
            s.updated_at = now;
        }
    }

    fn set_unsubscribed(&mut self, id: u64, unsubscribed: bool, now: i64) {
        if let Some(s) = self.subscribers.get_mut(&id) {
            s.unsubscribed_at = if unsubscribed { Some(now) } else { None };
            s.updated_at = now;
        }
    }

    /// One `/batch/subscribers` item (§2.2): upsert; `first_name`/`last_name` and every other
    /// non-reserved key become fields; `tags`/`remove_tags` are comma-separated names.
    pub fn import(&mut self, item: &Value, now: i64, visible_at: i64) -> Result<u64, String> {
        let obj = item.as_object().ok_or("subscriber must be an object")?;
        let email = obj.get("email").and_then(Value::as_str).unwrap_or_default();
        if !valid_email(email) {
            return Err(format!("invalid email: {email:?}"));
        }
        let (id, _) = self.get_or_create(email, now, visible_at);
        for (k, v) in obj {
            match k.as_str() {
                "email" | "tags" | "remove_tags" | "site_uuid" => {}
                // G nests custom fields under `fields`; flatten them leniently.
                "fields" if v.is_object() => self.merge_fields(id, Some(v), now),
                _ => self.set_field(id, k, v.clone(), now),
            }
        }
        for t in tag_list(obj.get("tags")) {
            self.add_tag(id, &t, now);
        }
        for t in tag_list(obj.get("remove_tags")) {
            self.remove_tag(id, &t, now);
        }
        if let Some(s) = self.subscribers.get_mut(&id) {
            s.updated_at = now;
        }
        Ok(id)
    }

    /// One `/batch/events` item (§4). Creates the subscriber, merges `fields`, and applies the
    /// special `$…` types.
    pub fn apply_event(&mut self, ev: &Value, now: i64) -> Result<(), String> {
        let obj = ev.as_object().ok_or("event must be an object")?;
        let kind = obj
            .get("type")
            .and_then(Value::as_str)
            .map(str::trim)
            .unwrap_or_default()
            .to_string();
        if kind.is_empty() {
            return Err("type is required".into());
        }
        let email = obj.get("email").and_then(Value::as_str).unwrap_or_default();
        if !valid_email(email) {
            return Err(format!("invalid email: {email:?}"));
        }
        let date = obj
            .get("date")
            .and_then(Value::as_str)
            .and_then(parse_iso)
            .unwrap_or(now);
        let (id, _) = self.get_or_create(email, now, now);
        let details = obj.get("details").cloned().unwrap_or(Value::Null);
        let fields = obj.get("fields").cloned().unwrap_or(Value::Null);
        self.merge_fields(id, Some(&fields), now);
        let detail_tag = details.get("tag").and_then(as_string);
        let mut counted = Value::Null;
        match kind.as_str() {
            "$subscribe" => self.set_unsubscribed(id, false, now),
            "$unsubscribe" => self.set_unsubscribed(id, true, now),
            "$tag" => {
                if let Some(t) = &detail_tag {
                    self.add_tag(id, t, now);
                }
            }
            "$remove_tag" => {
                if let Some(t) = &detail_tag {
                    self.remove_tag(id, t, now);
                }
            }
            "$purchase" => {
                let key = details
                    .get("unique")
                    .and_then(|u| u.get("key"))
                    .and_then(as_string);
                let amount = details
                    .get("value")
                    .and_then(|v| v.get("amount"))
                    .and_then(Value::as_f64)
                    .unwrap_or(0.0);
                // A repeated unique key is recorded but not counted again toward LTV (§4).
                let fresh = key
                    .as_ref()
                    .is_none_or(|k| self.purchase_keys.insert(k.clone()));
                if fresh && let Some(s) = self.subscribers.get_mut(&id) {
                    s.ltv_cents = s.ltv_cents.saturating_add(amount.round() as i64);
                }
                counted = Value::Bool(fresh);
            }
            _ => {}
        }
        if let Some(s) = self.subscribers.get_mut(&id) {
            s.last_event_at = Some(s.last_event_at.map_or(date, |d| d.max(date)));
            s.updated_at = now;
        }
        let eid = self.next_event;
        self.next_event += 1;
        let mut rec = json!({
            "id": eid.to_string(), "type": kind, "email": norm_email(email), "subscriber_id": id.to_string(),
            "fields": fields, "details": details, "date": iso(date), "received_at": iso(now),
        });
        if !counted.is_null() {
            rec["counted_toward_ltv"] = counted;
        }
        self.events.push(rec);
        Ok(())
    }

    /// One `/fetch/commands` item (§3). Structural problems are errors (counted as failed);
    /// semantic no-ops (renaming onto an existing email) are silently skipped, as the live
    /// queue would.
    pub fn apply_command(&mut self, cmd: &Value, now: i64) -> Result<(), String> {
        let obj = cmd.as_object().ok_or("command must be an object")?;
        let name = obj
            .get("command")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let email = obj.get("email").and_then(Value::as_str).unwrap_or_default();
        if !valid_email(email) {
            return Err(format!("invalid email: {email:?}"));
        }
        let query = obj.get("query").unwrap_or(&Value::Null);
        let query_str = as_string(query)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        match name {
            "add_tag" | "add_tag_via_event" | "remove_tag" | "remove_field" | "change_email"
                if query_str.is_none() =>
            {
                Err(format!("{name} needs a query"))
            }
            "add_tag" | "add_tag_via_event" => {
                let tag = query_str.unwrap_or_default();
                let (id, _) = self.get_or_create(email, now, now);
                self.add_tag(id, &tag, now);
                if name == "add_tag_via_event" {
                    // The only command that goes through the event pipeline (triggers automations).
                    let eid = self.next_event;
                    self.next_event += 1;
                    self.events.push(json!({
                        "id": eid.to_string(), "type": "$tag", "email": norm_email(email), "subscriber_id": id.to_string(),
                        "fields": null, "details": {"tag": tag}, "date": iso(now), "received_at": iso(now), "source": "add_tag_via_event",
                    }));
                    if let Some(s) = self.subscribers.get_mut(&id) {
                        s.last_event_at = Some(now);
                    }
                }
                Ok(())
            }
            "remove_tag" => {
                if let Some(id) = self.id_by_email(email) {
                    self.remove_tag(id, &query_str.unwrap_or_default(), now);
                }
                Ok(())
            }
            "add_field" => {
                let key = query
                    .get("key")
                    .and_then(as_string)
                    .map(|k| k.trim().to_string())
                    .filter(|k| !k.is_empty());
                let Some(key) = key else {
                    return Err("add_field needs query {key, value}".into());
                };
                let value = query.get("value").cloned().unwrap_or(Value::Null);
                let (id, _) = self.get_or_create(email, now, now);
                self.set_field(id, &key, value, now);
                Ok(())
            }
            "remove_field" => {
                if let Some(id) = self.id_by_email(email)
                    && let Some(s) = self.subscribers.get_mut(&id)
                {
                    s.fields.remove(query_str.as_deref().unwrap_or_default());
                    s.updated_at = now;
                }
                Ok(())
            }
            "subscribe" => {
                let (id, _) = self.get_or_create(email, now, now);
                self.set_unsubscribed(id, false, now);
                Ok(())
            }
            "unsubscribe" => {
                let (id, _) = self.get_or_create(email, now, now);
                self.set_unsubscribed(id, true, now);
                Ok(())
            }
            "change_email" => {
                let new = query_str.unwrap_or_default();
                if !valid_email(&new) {
                    return Err(format!("invalid new email: {new:?}"));
                }
                let new_key = norm_email(&new);
                if let Some(id) = self.id_by_email(email)
                    && !self.by_email.contains_key(&new_key)
                {
                    self.by_email.remove(&norm_email(email));
                    self.by_email.insert(new_key.clone(), id);
                    if let Some(s) = self.subscribers.get_mut(&id) {
                        s.email = new_key;
                        s.updated_at = now;
                    }
                }
                Ok(())
            }
            other => Err(format!("unknown command: {other:?}")),
        }
    }

    /// Removes a subscriber and their events (data deletion).
    pub fn delete_subscriber(&mut self, id: u64, now: i64) -> Value {
        let email = self
            .subscribers
            .remove(&id)
            .map(|s| s.email)
            .unwrap_or_default();
        self.by_email.remove(&email);
        let sid = id.to_string();
        self.events
            .retain(|e| e.get("subscriber_id").and_then(Value::as_str) != Some(sid.as_str()));
        let did = self.next_deletion;
        self.next_deletion += 1;
        let rec = json!({"id": did.to_string(), "email": email, "status": "completed", "created_at": iso(now)});
        self.deletions.push(rec.clone());
        rec
    }

    /// Queues one transactional email (§5); the recipient becomes a subscriber if new.
    pub fn queue_email(&mut self, item: &Value, now: i64) {
        let to = item
            .get("to")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        // "Jane <jane@x.io>": the display name is ignored (N).
        let addr = to
            .rsplit_once('<')
            .map_or(to.as_str(), |(_, r)| r.trim_end_matches('>'))
            .trim()
            .to_string();
        for one in addr.split(',').map(str::trim).filter(|a| valid_email(a)) {
            self.get_or_create(one, now, now);
        }
        let id = self.next_email;
        self.next_email += 1;
        let mut rec = item.clone();
        if let Some(o) = rec.as_object_mut() {
            o.insert("id".into(), json!(id.to_string()));
            o.insert("queued_at".into(), json!(iso(now)));
        }
        self.outbox.push(rec);
    }

    // ---- views ---------------------------------------------------------------------------

    /// Live (non-discarded) tag ids of a subscriber, as strings.
    fn tag_ids_json(&self, s: &Subscriber) -> Vec<String> {
        s.tag_ids
            .iter()
            .filter(|t| self.tags.get(t).is_some_and(|t| t.discarded_at.is_none()))
            .map(u64::to_string)
            .collect()
    }

    /// §6.1 subscriber resource.
    pub fn subscriber_json(&self, s: &Subscriber) -> Value {
        json!({
            "id": s.id.to_string(),
            "type": "visitors",
            "attributes": {
                "uuid": s.uuid,
                "email": s.email,
                "fields": s.fields,
                "cached_tag_ids": self.tag_ids_json(s),
                "unsubscribed_at": s.unsubscribed_at.map(iso),
            }
        })
    }

    /// §6.3 tag resource.
    pub fn tag_json(&self, t: &Tag) -> Value {
        json!({"id": t.id.to_string(), "type": "tags", "attributes": {
            "name": t.name, "created_at": iso(t.created_at), "discarded_at": t.discarded_at.map(iso), "site_id": self.site_id }})
    }

    /// §6.4 field resource.
    pub fn field_json(f: &Field) -> Value {
        json!({"id": f.id.to_string(), "type": "visitors-fields", "attributes": {
            "name": f.name, "key": f.key, "whitelisted": null, "created_at": iso(f.created_at) }})
    }

    /// §6.7 template resource.
    pub fn template_json(t: &Template) -> Value {
        json!({"id": t.id.to_string(), "type": "email_templates", "attributes": {
            "name": t.name, "subject": t.subject, "html": t.html, "created_at": t.created_at, "stats": t.stats }})
    }

    /// `email_templates[]` entries of a flow: integer ids (§6.8).
    fn flow_templates(&self, f: &Flow) -> Vec<Value> {
        f.template_ids
            .iter()
            .filter_map(|id| self.templates.get(id))
            .map(|t| json!({"id": t.id, "subject": t.subject, "stats": t.stats}))
            .collect()
    }

    /// §6.8 sequence resource.
    pub fn sequence_json(&self, f: &Flow) -> Value {
        json!({"id": f.id.to_string(), "type": "sequences", "attributes": {
            "name": f.name, "created_at": f.created_at, "prefix_id": f.prefix_id, "email_templates": self.flow_templates(f) }})
    }

    /// §6.8 workflow resource.
    pub fn workflow_json(&self, f: &Flow) -> Value {
        json!({"id": f.id.to_string(), "type": "workflows", "attributes": {
            "name": f.name, "created_at": f.created_at, "status": f.status, "email_templates": self.flow_templates(f) }})
    }

    /// §6.5 broadcast resource (drafts expose only `template.template_id`).
    pub fn broadcast_json(&self, b: &Broadcast) -> Value {
        let template = match (b.status.as_str(), self.templates.get(&b.template_id)) {
            ("draft", _) | (_, None) => json!({"template_id": b.template_id}),
            (_, Some(t)) => {
                json!({"subject": t.subject, "to": "{{ visitor.email }}", "html": t.html})
            }
        };
        json!({"id": b.id.to_string(), "type": "broadcasts", "attributes": {
            "name": b.name,
            "share_url": format!("https://app.bentonow.com/broadcasts/{}/share", crate::util::uuid("broadcast", b.id, &b.name)),
            "template": template,
            "created_at": b.created_at,
            "sent_final_batch_at": b.sent_final_batch_at,
            "send_at": b.send_at,
            "stats": {"open_rate": b.open_rate},
        }})
    }

    /// A kept (not discarded) segment of the fixture by id.
    pub fn kept_segment(&self, id: &str) -> Option<&SegmentFixture> {
        self.fixture
            .segments
            .iter()
            .find(|s| s.id == id && s.discarded_at.is_none())
    }

    /// Does a subscriber belong to a segment (emulator-only rule)?
    pub fn segment_matches(&self, seg: &SegmentFixture, s: &Subscriber) -> bool {
        let r = &seg.rule;
        if let Some(tag) = &r.tag {
            let Some(tid) = self.find_tag(tag) else {
                return false;
            };
            if !s.tag_ids.contains(&tid) {
                return false;
            }
        }
        if let Some(key) = &r.field {
            match (s.fields.get(key), &r.equals) {
                (None | Some(Value::Null), _) => return false,
                (Some(v), Some(want)) if v != want && as_string(v) != as_string(want) => {
                    return false;
                }
                _ => {}
            }
        }
        if let Some(sub) = r.subscribed
            && sub != s.unsubscribed_at.is_none()
        {
            return false;
        }
        true
    }

    /// (user_count, subscriber_count, unsubscriber_count) over visible subscribers matching `f`.
    pub fn counts(&self, now: i64, f: impl Fn(&Subscriber) -> bool) -> (u64, u64, u64) {
        let (mut all, mut subbed) = (0, 0);
        for s in self.visible_subscribers(now).filter(|s| f(s)) {
            all += 1;
            if s.unsubscribed_at.is_none() {
                subbed += 1;
            }
        }
        (all, subbed, all - subbed)
    }

    /// The admin snapshot (`GET /__emulator/state`).
    pub fn snapshot(&self, now: i64) -> Value {
        let subs: Vec<Value> = self
            .subscribers
            .values()
            .map(|s| {
                let mut v = self.subscriber_json(s);
                v["attributes"]["tag_names"] = json!(
                    s.tag_ids
                        .iter()
                        .filter_map(|t| self.tags.get(t))
                        .map(|t| t.name.clone())
                        .collect::<Vec<_>>()
                );
                v["attributes"]["ltv_cents"] = json!(s.ltv_cents);
                v["attributes"]["created_at"] = json!(iso(s.created_at));
                v["attributes"]["updated_at"] = json!(iso(s.updated_at));
                v["attributes"]["last_event_at"] = json!(s.last_event_at.map(iso));
                v["attributes"]["visible"] = json!(s.visible_at <= now);
                v
            })
            .collect();
        let templates: Vec<Value> = self
            .templates
            .values()
            .map(|t| {
                let mut v = Db::template_json(t);
                v["attributes"]["extra"] = Value::Object(t.extra.clone());
                v
            })
            .collect();
        let broadcasts: Vec<Value> = self
            .broadcasts
            .iter()
            .map(|b| {
                let mut v = self.broadcast_json(b);
                v["attributes"]["status"] = json!(b.status);
                v["attributes"]["template_id"] = json!(b.template_id);
                v["attributes"]["input"] = b.input.clone();
                v
            })
            .collect();
        let (users, subscribed, unsubscribed) = self.counts(i64::MAX, |_| true);
        json!({
            "subscribers": subs,
            "tags": self.tags.values().map(|t| self.tag_json(t)).collect::<Vec<_>>(),
            "fields": self.fields.values().map(Db::field_json).collect::<Vec<_>>(),
            "events": self.events,
            "outbox": self.outbox,
            "broadcasts": broadcasts,
            "templates": templates,
            "sequences": self.sequences.iter().map(|f| self.sequence_json(f)).collect::<Vec<_>>(),
            "data_deletion_requests": self.deletions,
            "counts": {
                "subscribers": users, "subscribed": subscribed, "unsubscribed": unsubscribed,
                "tags": self.tags.len(), "fields": self.fields.len(), "events": self.events.len(),
                "outbox": self.outbox.len(), "broadcasts": self.broadcasts.len(), "templates": self.templates.len(),
            }
        })
    }
}
