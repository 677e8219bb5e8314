"""The fault matrix, invalid input and garbage, secret redaction."""

import json
import pickle
import socket

import pytest

import bento

E = bento.BentoError


def track(client):
    return client.track(bento.Event(event_type="x", email="f@example.com"))


@pytest.mark.parametrize(
    "action, expected, check",
    [
        ({"kind": "status", "status": 401}, E.NotAuthorized, lambda e: "Unauthorized" in e.message),
        ({"kind": "status", "status": 429, "retry_after": 2}, E.RateLimited,
         lambda e: e.retry_after_secs == 2.0),
        ({"kind": "status", "status": 503}, E.Api, lambda e: e.status == 503),
        ({"kind": "status", "status": 422,
          "body": {"errors": [{"field": "email", "message": "is bad"}]}}, E.Api,
         lambda e: e.status == 422 and e.field_errors[0].field == "email"),
        ({"kind": "malformed_json"}, E.Decode, lambda e: e.status == 200),
        ({"kind": "html"}, E.Api, lambda e: e.status == 503),
        ({"kind": "html", "status": 403}, E.Api, lambda e: e.status == 403),
        ({"kind": "drop_connection"}, E.Transport, lambda e: e.kind == bento.TransportKind.IO),
        ({"kind": "truncated_body"}, E.Transport, lambda e: e.kind == bento.TransportKind.IO),
    ],
    ids=["401", "429-retry-after", "503", "422", "malformed-json", "html-503", "html-403",
         "dropped", "truncated"],
)
def test_fault_matrix(emulator, no_retry_client, action, expected, check):
    emulator.fault(action, path="/batch/events")
    with pytest.raises(expected) as info:
        track(no_retry_client)
    assert isinstance(info.value, bento.BentoError)
    assert check(info.value), repr(info.value)


@pytest.mark.parametrize("action, expected", [
    ({"kind": "status", "status": 401}, E.NotAuthorized),
    ({"kind": "status", "status": 429, "retry_after": 2}, E.RateLimited),
    ({"kind": "status", "status": 503}, E.Api),
    ({"kind": "html", "status": 403}, E.Api),
    ({"kind": "malformed_json"}, E.Decode),
], ids=["401", "429", "503", "html-403", "decode"])
def test_errors_after_a_response_carry_its_request_id(emulator, no_retry_client, action,
                                                      expected):
    emulator.fault(action, path="/batch/events")
    with pytest.raises(expected) as info:
        track(no_retry_client)
    sent = [r for r in emulator.requests() if r["path"].endswith("/batch/events")]
    assert len(sent) == 1
    # The id the emulator logged beside the request is the one in the error and its sentence.
    assert info.value.request_id == sent[0]["request_id"]
    assert info.value.request_id.startswith("req_")
    assert str(info.value).endswith(f" (request id {info.value.request_id}).")
    assert pickle.loads(pickle.dumps(info.value)).request_id == info.value.request_id


def test_author_not_authorized_names_its_request_id(emulator, client):
    email = bento.EmailData(to="jane@example.com", from_email="stranger@example.com",
                            subject="Hi", html_body="<p>Hi</p>")
    with pytest.raises(E.AuthorNotAuthorized) as info:
        client.send_emails([email])
    assert info.value.request_id == emulator.requests()[-1]["request_id"]
    assert f"(request id {info.value.request_id})" in str(info.value)


def test_author_not_authorized(client):
    email = bento.EmailData(to="jane@example.com", from_email="stranger@example.com",
                            subject="Hi", html_body="<p>Hi</p>")
    with pytest.raises(E.AuthorNotAuthorized):
        client.send_emails([email])


def test_retries_hide_one_transient_503(emulator, client):
    emulator.fault({"kind": "status", "status": 503}, path="/fetch/tags", remaining=1)
    assert isinstance(client.get_tags(), list)
    assert [r.get("status") for r in emulator.requests() if "/fetch/tags" in r.get("path", "")][:2]


def test_long_retry_after_is_returned_not_waited(emulator, client):
    emulator.fault({"kind": "status", "status": 429, "retry_after": 3600}, path="/fetch/tags")
    with pytest.raises(E.RateLimited) as info:
        client.get_tags()
    assert info.value.retry_after_secs == 3600.0


def test_timeout(emulator):
    c = bento.BentoClient(emulator.config(timeout_secs=0.3, retry=bento.disabled_retry_settings()))
    emulator.fault({"kind": "latency", "ms": 2000}, path="/fetch/tags")
    with pytest.raises(E.Timeout) as info:
        c.get_tags()
    # reqwest's words, not the ureq-era phase names.
    assert "timed out" in info.value.message, info.value.message


def test_connection_refused():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    c = bento.BentoClient(bento.BentoConfig(
        publishable_key="pk", secret_key="sk", site_uuid="site",
        base_url=f"http://127.0.0.1:{port}/api/v1", retry=bento.disabled_retry_settings()))
    with pytest.raises(E.Transport) as info:
        c.get_tags()
    assert info.value.kind == bento.TransportKind.CONNECT


def test_wrong_secret_is_not_authorized_and_not_leaked(emulator):
    secret = "sk_live_TOPSECRET_123"
    c = bento.BentoClient(emulator.config(secret_key=secret))
    with pytest.raises(E.NotAuthorized) as info:
        c.get_tags()
    for text in (str(info.value), repr(info.value), repr(c), str(c)):
        assert secret not in text


# ---- invalid input and garbage: always a BentoError (or a Python-side TypeError/encode error),
# ---- never a crash; nothing is sent.

GARBAGE_JSON = ["{", "[1, 2]", "null", "\"str\"", "{\"a\": }", "{" * 10000 + "}" * 10000,
                "\x00", "{\"a\": NaN}", "{'single': 'quotes'}"]


@pytest.mark.parametrize("text", GARBAGE_JSON, ids=range(len(GARBAGE_JSON)))
def test_bad_json_names_the_field(emulator, client, text):
    with pytest.raises(E.InvalidInput) as info:
        client.track_events([bento.Event(event_type="x", email="a@example.com"),
                             bento.Event(event_type="x", email="b@example.com", details_json=text)])
    assert info.value.field == "events[1].details_json"
    assert emulator.requests() == []


def test_bad_json_in_every_json_input(client):
    cases = [
        (lambda: client.import_subscribers([bento.ImportSubscriber(email="a@example.com",
                                                                   custom_fields_json="[")]),
         "subscribers[0].custom_fields_json"),
        (lambda: client.subscriber_command([bento.Command.ADD_FIELD(
            email="a@example.com", key="k", value_json="{oops")]), "command[0].value_json"),
        (lambda: client.send_emails([bento.EmailData(
            to="a@example.com", from_email="sender@example.com", subject="s", html_body="b",
            personalizations_json="1")]), "emails[0].personalizations_json"),
        (lambda: client.track(bento.Event(event_type="x", email="a@example.com",
                                          fields_json="{")), "events[0].fields_json"),
        (lambda: bento.purchase_event("a@example.com", "k", 1, "USD", "{"), "cart_json"),
        (lambda: bento.subscribe_event("a@example.com", "[]"), "fields_json"),
    ]
    for call, field in cases:
        with pytest.raises(E.InvalidInput) as info:
            call()
        assert info.value.field == field


@pytest.mark.parametrize("call", [
    lambda c: c.track(bento.Event(event_type="x", email="not-an-email")),
    lambda c: c.track(bento.Event(event_type="", email="a@example.com")),
    lambda c: c.track_events([]),
    lambda c: c.track_events([bento.Event(event_type="x", email="a@example.com")] * 1001),
    lambda c: c.import_subscribers([]),
    lambda c: c.send_emails([]),
    lambda c: c.subscriber_command([]),
    lambda c: c.create_broadcasts([]),
    lambda c: c.find_subscriber("x" * 5_000_000),
    lambda c: c.find_subscriber("a@" + "b" * 100_000 + ".com"),
    lambda c: c.create_subscriber("nul\x00@example.com"),
    lambda c: c.create_tag(""),
    lambda c: c.create_tag("   "),
    lambda c: c.find_subscriber_by_uuid(""),
    lambda c: c.import_subscribers_chunked([bento.ImportSubscriber(email="a@example.com")],
                                           chunk_size=0),
    lambda c: c.track(bento.Event(event_type="x", email="a@example.com", date="yesterday")),
    lambda c: c.track(bento.Event(event_type="x", email="a@example.com",
                                  details_json="{\"k\": \"" + "v" * 9_000_000 + "\"}")),
    lambda c: c.import_subscribers([bento.ImportSubscriber(
        email="a@example.com", custom_fields_json='{"email": "b@example.com"}')]),
    lambda c: c.track(bento.purchase_event("a@example.com", "k", 1, "not-a-currency", None)),
], ids=lambda f: None)
def test_invalid_input_is_an_error_not_a_crash(emulator, client, call):
    with pytest.raises(E.InvalidInput):
        call(client)
    assert emulator.requests() == []


@pytest.mark.parametrize("text", ["\ud800", "a\udfffb@example.com", "\udc80" * 1000])
def test_lone_surrogates_are_rejected_in_python(client, text):
    # Python refuses to encode lone surrogates as UTF-8 before anything reaches Rust.
    with pytest.raises((UnicodeEncodeError, bento.BentoError)):
        client.find_subscriber(text)
    with pytest.raises((UnicodeEncodeError, bento.BentoError)):
        client.track(bento.Event(event_type="x", email="a@example.com", details_json=text))


def test_negative_numbers_are_invalid_input(emulator, client):
    # Integers are signed in the API (Kotlin has no usable unsigned types): checked in Rust.
    for call, field in ((lambda: client.get_sequences_page(-1), "page"),
                        (lambda: client.list_broadcasts(page=-1), "page"),
                        (lambda: client.track_events_chunked([], chunk_size=-5), "chunk_size")):
        with pytest.raises(E.InvalidInput) as info:
            call()
        assert info.value.field == field
    assert emulator.requests() == []


def test_wrong_python_types_are_type_errors(client):
    for call in (lambda: client.track("not an event"),
                 lambda: client.track_events([1, 2]),
                 lambda: client.get_sequences_page(2 ** 40),
                 lambda: client.find_subscriber(None)):
        # Python-side checks of the generated bindings, before anything reaches Rust.
        with pytest.raises((TypeError, ValueError, OverflowError, AttributeError)):
            call()


@pytest.mark.parametrize("overrides, field", [
    ({"publishable_key": ""}, "publishable_key"),
    ({"secret_key": "  "}, "secret_key"),
    ({"site_uuid": "bad\nuuid"}, "site_uuid"),
    ({"base_url": "http://bento.example.com/api/v1"}, None),
    ({"base_url": "not a url"}, None),
    ({"timeout_secs": -1.0}, "timeout_secs"),
    ({"timeout_secs": float("nan")}, "timeout_secs"),
    ({"timeout_secs": float("inf")}, "timeout_secs"),
    ({"timeout_secs": 0.0}, "timeout"),
    ({"connect_timeout_secs": -0.5}, "connect_timeout_secs"),
    ({"max_response_bytes": 0}, "max_response_bytes"),
    ({"retry": bento.RetrySettings(base_delay_secs=10.0, max_delay_secs=1.0)}, None),
    ({"retry": bento.RetrySettings(base_delay_secs=-1.0)}, "retry.base_delay_secs"),
])
def test_invalid_config(emulator, overrides, field):
    config = emulator.config(**overrides)
    with pytest.raises(E.InvalidInput) as info:
        bento.BentoClient(config)
    if field:
        assert info.value.field == field
    assert emulator.secret_key not in str(info.value)


def test_from_env_without_variables(monkeypatch):
    for name in ("BENTO_PUBLISHABLE_KEY", "BENTO_SECRET_KEY", "BENTO_SITE_UUID", "BENTO_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(E.InvalidInput) as info:
        bento.BentoClient.from_env()
    assert info.value.field == "BENTO_PUBLISHABLE_KEY"


def test_from_env(emulator, monkeypatch):
    monkeypatch.setenv("BENTO_PUBLISHABLE_KEY", emulator.publishable_key)
    monkeypatch.setenv("BENTO_SECRET_KEY", emulator.secret_key)
    monkeypatch.setenv("BENTO_SITE_UUID", emulator.site_uuid)
    monkeypatch.setenv("BENTO_BASE_URL", emulator.base_url)
    assert isinstance(bento.BentoClient.from_env().get_tags(), list)


def test_secret_never_in_repr_or_str(emulator):
    secret = "sk_live_NEVER_PRINT_ME"
    config = emulator.config(secret_key=secret)
    client = bento.BentoClient(config)
    texts = [repr(config), str(config), repr(client), str(client), f"{config!r}", f"{config}"]
    try:
        bento.BentoClient(emulator.config(secret_key=secret, timeout_secs=-1.0))
    except bento.BentoError as e:
        texts += [repr(e), str(e), repr(e.args)]
    try:
        client.get_tags()
    except bento.BentoError as e:
        texts += [repr(e), str(e)]
    for text in texts:
        assert secret not in text, text
    assert "<redacted>" in repr(config)
    assert config.secret_key == secret  # the value itself is still there to use


# ---- the call's deadline (real sockets: the emulator's latency fault, a 429) ----------------

def test_a_stalled_server_fails_at_the_deadline_not_the_timeout(emulator):
    import time
    c = bento.BentoClient(emulator.config(timeout_secs=10.0, deadline_secs=1.0))
    emulator.fault({"kind": "latency", "ms": 5000}, path="/fetch/tags")
    started = time.monotonic()
    with pytest.raises((E.Timeout, E.Transport)) as info:
        c.get_tags()
    elapsed = time.monotonic() - started
    assert 0.9 <= elapsed < 1.5, elapsed
    assert isinstance(info.value, E.Timeout) or info.value.kind == bento.TransportKind.DEADLINE


def test_with_deadline_gives_one_call_site_a_shorter_deadline(emulator, client):
    import time
    emulator.fault({"kind": "latency", "ms": 5000}, path="/fetch/tags")
    started = time.monotonic()
    with pytest.raises((E.Timeout, E.Transport)):
        client.with_deadline(0.5).get_tags()
    assert time.monotonic() - started < 1.0


def test_a_retry_after_past_the_deadline_returns_at_once(emulator):
    import time
    c = bento.BentoClient(emulator.config(deadline_secs=1.0))
    emulator.fault({"kind": "status", "status": 429, "retry_after": 5}, path="/fetch/tags")
    started = time.monotonic()
    with pytest.raises(E.RateLimited) as info:
        c.get_tags()
    assert time.monotonic() - started < 0.5
    assert info.value.retry_after_secs == 5.0
    # Without the short deadline the same answer is waited out (5 s < the policy's 60 s):
    # one request here, not a retry.
    assert len([r for r in emulator.requests() if r["path"].endswith("/fetch/tags")]) == 1


@pytest.mark.parametrize("secs", [0.0, -1.0, float("nan")])
def test_a_bad_deadline_is_invalid_input(emulator, secs):
    with pytest.raises(E.InvalidInput) as info:
        bento.BentoClient(emulator.config(deadline_secs=secs))
    assert info.value.field == "deadline" if secs == 0.0 else info.value.field == "deadline_secs"
