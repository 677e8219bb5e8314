"""Every BentoClient operation, called from Python against the emulator."""

import json

import pytest

import bento

CALLED = set()


class Recording:
    """Wraps a client and records which methods the tests call."""

    def __init__(self, inner):
        self._inner = inner

    def __getattr__(self, name):
        CALLED.add(name)
        return getattr(self._inner, name)


@pytest.fixture
def c(client):
    return Recording(client)


def public_methods():
    return {
        name
        for name in dir(bento.BentoClient)
        if not name.startswith("_") and callable(getattr(bento.BentoClient, name))
    } - {"from_env"}


def test_module_imports_as_bento_with_docstrings():
    assert bento.__name__ == "bento"
    assert "share" in bento.BentoClient.__doc__
    assert "POST /batch/events" in bento.BentoClient.track_events.__doc__
    assert "event" in bento.Event.__doc__.lower()


def test_events(c, emulator):
    r = c.track(bento.Event(event_type="$pageView", email="ev@example.com",
                            details={"url": "/home"}))
    assert (r.results, r.failed) == (1, 0)
    events = [
        bento.Event(event_type="signed_up", email=f"ev{i}@example.com",
                    fields={"plan": "pro"}, date="2026-01-31")
        for i in range(3)
    ]
    assert c.track_events(events).results == 3
    purchase = bento.purchase_event("buyer@example.com", "order-1", 1999, "USD",
                                    cart={"items": [{"sku": "a"}]})
    assert purchase.details["value"] == {"amount": 1999, "currency": "USD"}
    assert purchase.details["cart"] == {"items": [{"sku": "a"}]}
    # The deprecated text form is still filled, with the same value.
    assert json.loads(purchase.details_json) == purchase.details
    tag = bento.tag_event("ev@example.com", "vip")
    sub = bento.subscribe_event("ev@example.com", fields={"first_name": "Ev"})
    assert c.track_events([purchase, tag, sub]).results == 3
    report = c.track_events_chunked(
        [bento.Event(event_type="bulk", email=f"b{i}@example.com") for i in range(5)],
        chunk_size=2,
    )
    assert (report.records, report.chunks, report.accepted) == (5, 3, 5)
    assert report.is_complete and report.failed_records == []


def test_subscribers(c):
    rows = [
        bento.ImportSubscriber(email="jane@example.com", first_name="Jane", tags="customer,vip",
                               custom_fields={"plan": "pro", "seats": 3}),
        bento.ImportSubscriber(email="joe@example.com"),
    ]
    assert c.import_subscribers(rows).results == 2
    jane = c.find_subscriber("jane@example.com")
    assert jane is not None and jane.email == "jane@example.com"
    assert jane.fields["plan"] == "pro"
    assert jane.is_subscribed
    assert c.find_subscriber_by_uuid(jane.uuid).email == "jane@example.com"
    assert c.find_subscriber("nobody@example.com") is None
    created = c.create_subscriber("new@example.com")
    assert created.email == "new@example.com"
    up = c.upsert_subscriber(bento.ImportSubscriber(email="up@example.com", last_name="Up"))
    assert up is None or up.email == "up@example.com"
    report = c.import_subscribers_chunked(
        [bento.ImportSubscriber(email=f"row{i}@example.com") for i in range(7)], chunk_size=3)
    assert (report.chunks, report.accepted, report.is_complete) == (3, 7, True)
    report = c.import_subscribers_chunked_json('[{"email": "json@example.com", "plan": "pro"}]')
    assert (report.chunks, report.accepted) == (1, 1)
    result = c.search_subscribers(bento.SearchQuery(tags=[]))
    assert isinstance(result.data, list)


def test_commands(c):
    c.create_subscriber("cmd@example.com")
    commands = [
        bento.Command.ADD_TAG(email="cmd@example.com", tag="vip"),
        bento.Command.ADD_TAG_VIA_EVENT(email="cmd@example.com", tag="lead"),
        bento.Command.REMOVE_TAG(email="cmd@example.com", tag="vip"),
        bento.Command.SET_FIELD(email="cmd@example.com", key="plan", value="pro"),
        bento.Command.SET_FIELD(email="cmd@example.com", key="seats", value=3),
        bento.Command.ADD_FIELD(email="cmd@example.com", key="tier", value_json='"gold"'),
        bento.Command.REMOVE_FIELD(email="cmd@example.com", key="old"),
        bento.Command.UNSUBSCRIBE(email="cmd@example.com"),
        bento.Command.SUBSCRIBE(email="cmd@example.com"),
    ]
    assert c.subscriber_command(commands).results == len(commands)
    change = bento.Command.CHANGE_EMAIL(email="cmd@example.com", new_email="cmd2@example.com")
    report = c.subscriber_commands_chunked([change], chunk_size=None)
    assert report.accepted == 1 and report.is_complete


def test_tags_and_fields(c):
    tag = c.create_tag("newsletter")
    assert tag.name == "newsletter"
    assert isinstance(tag.site_id, int)  # the API's site id, as the JSON value it sent
    assert any(t.id == tag.id for t in c.get_tags())
    assert c.delete_tag(tag.id, "newsletter").message
    field = c.create_field("company_size")
    assert field.key == "company_size"
    assert any(f.key == "company_size" for f in c.get_fields())


def test_broadcasts(c):
    sent = c.get_broadcasts()
    assert [b.id for b in sent] == ["7781"]
    assert c.list_broadcasts(page=1, status=bento.BroadcastStatus.SENT)[0].name == "June newsletter"
    draft = bento.BroadcastData(name="July", subject="Hi", content="<p>Hi</p>",
                                from_email="sender@example.com",
                                broadcast_type=bento.BroadcastType.RAW)
    created = c.create_broadcasts([draft])
    assert created.results == 1
    report = c.create_broadcasts_chunked([draft, draft, draft], chunk_size=2)
    assert (report.chunks, report.accepted) == (2, 3)
    assert len(c.all_broadcasts()) >= 1
    assert all(b.id for b in c.all_broadcasts(status=bento.BroadcastStatus.DRAFT))


def test_emails(c):
    email = bento.EmailData(to="jane@example.com", from_email="sender@example.com",
                            subject="Reset", html_body="<p>{{ name }}</p>",
                            transactional=True, personalizations={"name": "Jane"})
    assert c.send_emails([email]).results == 1
    report = c.send_emails_chunked([email] * 3, chunk_size=2)
    assert (report.chunks, report.accepted, report.is_complete) == (2, 3, True)


def test_sequences_templates_workflows_forms(c):
    seqs = c.get_sequences()
    assert {s.id for s in seqs} >= {"321", "322"}
    assert isinstance(c.get_sequences_page(2), list)
    assert {s.id for s in c.all_sequences()} >= {"321", "322"}
    tpl = c.create_sequence_email("sequence_8fk2onboard", bento.SequenceEmail(
        subject="Day 3", html="<p>3</p>", delay_interval=bento.DelayInterval.DAYS,
        delay_interval_count=3))
    assert tpl.subject == "Day 3"
    got = c.get_email_template("12345")
    assert got is not None and got.subject == "Welcome aboard"
    assert got.stats["opened"] == 100
    with pytest.raises(bento.BentoError.Api) as info:
        c.get_email_template("999999")
    assert info.value.status == 404
    updated = c.update_email_template("12345", subject="Welcome!")
    assert updated.subject == "Welcome!"
    assert {w.id for w in c.get_workflows()} >= {"401", "402"}
    assert isinstance(c.get_workflows_page(2), list)
    assert len(c.all_workflows()) >= 2
    responses = c.get_form_responses("form-123")
    assert len(responses) == 2 and responses[0].uuid


def test_segments_authors_stats(c):
    segments = c.get_segments()
    assert "1201" in {s.id for s in segments}
    seg = c.get_segment("1201")
    assert seg is not None and seg.name == "Customers"
    assert seg.visitor_event_query == {"tags": ["customer"]}
    with pytest.raises(bento.BentoError.Api) as info:
        c.get_segment("999999")
    assert info.value.status == 404
    assert {a.email for a in c.get_authors()} >= {"sender@example.com"}
    stats = c.get_site_stats()
    assert stats.subscriber_count >= 0
    assert c.get_segment_stats("1202").user_count >= 0
    report = c.get_report_stats("501")
    assert report.data == 42
    ads = c.get_ads_stats(bento.AdsStatsQuery())
    assert isinstance(ads.chart_data, list)


def test_experimental(c):
    v = c.validate_email(bento.ValidationData(email="jane@example.com", name="Jane"))
    assert isinstance(v.valid, bool)
    j = c.jesses_ruleset(bento.JessesRulesetCheck(email="info@example.com", wiggleroom=True))
    assert isinstance(j.reasons, list)
    m = c.moderate_content("hello world")
    assert isinstance(m.valid, bool)
    g = c.get_gender("Jane")
    assert g.gender is None or isinstance(g.gender, str)
    loc = c.geolocate_ip("203.0.113.7")
    assert loc is None or isinstance(loc, bento.Location)
    bl = c.get_blacklist_status(bento.BlacklistData(domain="spammy.example"))
    assert isinstance(bl.listed_on, list)


def test_data_deletion(c):
    c.create_subscriber("gone@example.com")
    answer = c.request_data_deletion("gone@example.com")
    assert isinstance(answer, dict)


def test_accessors(c, emulator):
    assert c.site_uuid() == emulator.site_uuid
    assert c.base_url() == emulator.base_url
    short = c.with_deadline(5.0)
    assert isinstance(short, bento.BentoClient) and isinstance(short.get_tags(), list)


def test_zz_every_method_was_called():
    """Runs last in this file: every exported method was exercised above."""
    missing = public_methods() - CALLED
    assert not missing, f"not exercised from Python: {sorted(missing)}"
