"""The Python layer (`bento/__init__.py`): nothing a user does crashes the process, records and
errors behave like Python values, enum parameters take strings, real defaults, from_env
overrides."""

import concurrent.futures
import json
import copy
import dataclasses
import inspect
import multiprocessing
import os
import pickle
import subprocess
import sys
import textwrap

import pytest

import bento

E = bento.BentoError


# ---- nothing crashes the process: each case in a child interpreter ------------------------

CRASH_CASES = {
    "copy": """
        copies = [copy.copy(client) for _ in range(200)]
        del client
        gc.collect()
        assert all(isinstance(c.get_tags(), list) for c in copies[:5])
        del copies[:-1]
        gc.collect()
        assert copies[0].site_uuid() == SITE
    """,
    "deepcopy": """
        holder = {"client": client, "n": [1, 2]}
        copies = [copy.deepcopy(holder) for _ in range(200)]
        del client, holder
        gc.collect()
        assert isinstance(copies[-1]["client"].get_tags(), list)
    """,
    "pickle": """
        for dump in (lambda: pickle.dumps(client),
                     lambda: pickle.dumps(client, protocol=0),
                     lambda: pickle.dumps({"c": [client]})):
            try:
                dump()
            except TypeError as e:
                assert "cannot be pickled" in str(e), e
            else:
                raise SystemExit("pickled a client")
        assert isinstance(client.get_tags(), list)
    """,
    "copy-then-pickle-config": """
        config2 = pickle.loads(pickle.dumps(config))
        assert config2 == config
        other = bento.BentoClient(config2)
        twin = copy.copy(other)
        del other
        gc.collect()
        assert isinstance(twin.get_tags(), list)
    """,
}


@pytest.mark.parametrize("case", sorted(CRASH_CASES))
def test_copy_deepcopy_pickle_never_crash(emulator, case):
    program = textwrap.dedent("""
        import copy, gc, pickle, sys
        import bento
        SITE = sys.argv[4]
        config = bento.BentoConfig(publishable_key=sys.argv[2], secret_key=sys.argv[3],
                                   site_uuid=SITE, base_url=sys.argv[1], timeout_secs=10.0)
        client = bento.BentoClient(config)
    """) + textwrap.dedent(CRASH_CASES[case]) + "\nprint('clean exit')\n"
    proc = subprocess.run(
        [sys.executable, "-c", program, emulator.base_url, emulator.publishable_key,
         emulator.secret_key, emulator.site_uuid],
        capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "clean exit"
    assert proc.stderr == ""


# One value of every variant (all fields set), for the pickle round trip.
EVERY_ERROR = [
    E.InvalidInput("events[0].email", "is not a valid email address"),
    E.NotAuthorized("Unauthorized", "req_1f_1"),
    E.AuthorNotAuthorized("use an author's address", None),
    E.RateLimited(15.0, "req_1f_2"),
    E.RateLimited(None, None),
    E.Api(422, "Validation failed", [bento.ApiFieldProblem(field="email", message="bad")], 2.5,
          "req_1f_3"),
    E.Transport(bento.TransportKind.CONNECT, "connection refused"),
    E.Transport(bento.TransportKind.DEADLINE, "the call's deadline of 1000 ms passed"),
    E.Timeout("operation timed out"),
    E.Decode(200, "missing field `data`", "req_1f_4"),
    E.Internal("bug"),
]


def _fields(err):
    return {k: v for k, v in vars(err).items()}


@pytest.mark.parametrize("err", EVERY_ERROR, ids=lambda e: type(e).__name__)
def test_every_error_survives_pickle(err):
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is type(err)
    assert isinstance(back, bento.BentoError)
    assert _fields(back) == _fields(err)
    assert str(back) == str(err)


def _raise_in_worker(email):
    # Runs in a child process: the error must cross back to the parent by pickle.
    bento.subscribe_event(email, "[1]")


def test_error_from_a_process_pool_worker():
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        future = pool.submit(_raise_in_worker, "a@example.com")
        with pytest.raises(E.InvalidInput) as info:
            future.result(timeout=60)
        assert info.value.field == "fields_json"
        # The pool survived: it still runs work.
        assert pool.submit(os.getpid).result(timeout=60) != os.getpid()


# ---- what users see -----------------------------------------------------------------------

@pytest.mark.parametrize("err", EVERY_ERROR, ids=lambda e: type(e).__name__)
def test_every_error_reads_as_a_sentence(err):
    text = str(err)
    assert text and text[0].isupper() and text.endswith("."), text
    assert "BentoError" in repr(err)
    for value in vars(err).values():
        if isinstance(value, str):
            assert value.rstrip(".") in text


def test_error_texts_carry_the_facts(emulator, client, no_retry_client):
    with pytest.raises(E.AuthorNotAuthorized) as info:
        client.send_emails([bento.EmailData(to="jane@example.com", from_email="x@example.com",
                                            subject="s", html_body="b")])
    assert "not an author" in str(info.value)
    emulator.fault({"kind": "status", "status": 429, "retry_after": 3600}, path="/fetch/tags")
    with pytest.raises(E.RateLimited) as info:
        no_retry_client.get_tags()
    assert "HTTP 429" in str(info.value) and "retry after 3600 seconds" in str(info.value)
    emulator.clear_faults()
    emulator.fault({"kind": "status", "status": 422,
                    "body": {"errors": [{"field": "email", "message": "is bad"}]}},
                   path="/fetch/tags")
    with pytest.raises(E.Api) as info:
        no_retry_client.get_tags()
    assert "HTTP 422" in str(info.value) and "`email` is bad" in str(info.value)


def test_timeout_reads_as_a_sentence(emulator):
    c = bento.BentoClient(emulator.config(timeout_secs=0.3, retry=bento.disabled_retry_settings()))
    emulator.fault({"kind": "latency", "ms": 2000}, path="/fetch/tags")
    with pytest.raises(E.Timeout) as info:
        c.get_tags()
    text = str(info.value)
    assert "timeout: global" not in text
    assert text.startswith("Bento did not answer in time") and "timeout_secs" in text


def test_records_show_compare_and_convert():
    event = bento.Event(event_type="$pageView", email="a@example.com", details_json='{"u": 1}')
    assert repr(event) == ("Event(event_type='$pageView', email='a@example.com', "
                           "fields_json=None, details_json='{\"u\": 1}', date=None, fields=None, "
                           "details=None)")
    assert str(event) == repr(event)
    assert event == bento.Event(event_type="$pageView", email="a@example.com",
                                details_json='{"u": 1}')
    assert event != bento.Event(event_type="$pageView", email="b@example.com")
    assert (event == 5) is False and event != 5
    assert dataclasses.asdict(event) == event.to_dict() == {
        "event_type": "$pageView", "email": "a@example.com", "fields_json": None,
        "details_json": '{"u": 1}', "date": None, "fields": None, "details": None}
    assert dataclasses.replace(event, email="c@example.com").email == "c@example.com"
    assert [f.name for f in dataclasses.fields(bento.Tag)] == [
        "id", "name", "created_at", "discarded_at", "site_id"]
    cmd = bento.Command.ADD_TAG(email="a@example.com", tag="vip")
    assert repr(cmd) == "Command.ADD_TAG(email='a@example.com', tag='vip')"
    assert cmd == bento.Command.ADD_TAG(email="a@example.com", tag="vip")
    assert cmd != bento.Command.REMOVE_TAG(email="a@example.com", tag="vip")
    assert dataclasses.asdict(cmd) == {"email": "a@example.com", "tag": "vip"}


def test_nested_records_convert(client):
    client.create_tag("nested-records")
    tags = client.get_tags()
    assert tags and all(repr(t).startswith("Tag(id=") for t in tags)
    assert all(set(t.to_dict()) == {"id", "name", "created_at", "discarded_at", "site_id"}
               for t in tags)
    report = client.import_subscribers_chunked([bento.ImportSubscriber(email="not-an-email")])
    as_dict = dataclasses.asdict(report)
    assert as_dict["failed_records"] == [dataclasses.asdict(report.failed_records[0])]
    assert "ImportSubscriber(email='not-an-email'" in repr(report)


def test_config_repr_still_hides_the_secret(emulator):
    config = emulator.config(secret_key="sk_hide_me_please")
    assert "sk_hide_me_please" not in repr(config) and "sk_hide_me_please" not in str(config)
    assert config == emulator.config(secret_key="sk_hide_me_please")


def _public_callables():
    for name in bento.__all__:
        obj = getattr(bento, name)
        if inspect.isfunction(obj):
            yield name, obj
        elif isinstance(obj, type):
            for attr, fn in vars(obj).items():
                if inspect.isfunction(fn) and (not attr.startswith("_") or attr == "__init__"):
                    yield f"{name}.{attr}", fn


def test_signatures_show_real_defaults():
    shown = {name: str(inspect.signature(fn)) for name, fn in _public_callables()}
    assert len(shown) > 80
    assert [n for n, s in shown.items() if "<object" in s] == []
    sig = inspect.signature(bento.BentoClient.list_broadcasts)
    assert sig.parameters["page"].default is None and sig.parameters["status"].default is None
    assert inspect.signature(bento.BentoClient.import_subscribers_chunked) \
        .parameters["chunk_size"].default is None
    assert "tags: 'typing.List[str]' = []" in shown["SearchQuery.__init__"]
    # The shown default is not shared: every query still gets its own list.
    a, b = bento.SearchQuery(), bento.SearchQuery()
    a.tags.append("x")
    assert b.tags == []


def test_enum_parameters_take_strings(emulator, client):
    assert isinstance(client.list_broadcasts(status="sent"), list)
    assert isinstance(client.all_broadcasts(status="Draft"), list)
    queries = [r["query"] for r in emulator.requests() if r["path"].endswith("/fetch/broadcasts")]
    assert any("sent" in (q or "") for q in queries), queries
    assert bento.BroadcastStatus("sent") is bento.BroadcastStatus.SENT
    data = bento.BroadcastData(name="n", subject="s", content="c", from_email="a@example.com",
                               broadcast_type="raw")
    assert client.create_broadcasts([data]) is not None
    with pytest.raises(ValueError) as info:
        client.list_broadcasts(status="bogus")
    assert "'sent'" in str(info.value) and "bogus" in str(info.value)
    assert [r for r in emulator.requests() if "bogus" in (r["query"] or "")] == []


def _broadcast(**kwargs):
    return bento.BroadcastData(name="n", subject="s", content="c",
                               from_email="sender@example.com", **kwargs)


def _sent_broadcast_types(emulator):
    return [b["type"] for r in emulator.requests() if r["path"].endswith("/batch/broadcasts")
            for b in json.loads(r["body"])["broadcasts"]]


def test_broadcast_type_is_a_str_enum_or_any_string(emulator, client):
    assert "BroadcastType" in bento.__all__
    assert isinstance(bento.BroadcastType.RAW, str) and bento.BroadcastType.RAW == "raw"
    assert bento.BroadcastType("raw") is bento.BroadcastType("RAW") is bento.BroadcastType.RAW
    assert str(bento.BroadcastType.PLAIN) == "plain"
    created = client.create_broadcasts([
        _broadcast(broadcast_type=bento.BroadcastType.RAW),
        _broadcast(broadcast_type="raw"),
        _broadcast(broadcast_type="markdown"),  # not documented: sent as given
        _broadcast(broadcast_type=bento.BroadcastType.PLAIN),
        _broadcast(),  # the default
        _broadcast(broadcast_type="Raw"),  # the documented names in any case
    ])
    assert created.results == 6
    assert _sent_broadcast_types(emulator) == ["raw", "raw", "markdown", "plain", "plain", "raw"]
    stored = [(b["attributes"]["input"] or {}).get("type")
              for b in emulator.state()["broadcasts"]]
    assert "markdown" in stored
    # The chunked helper takes the same values and hands back the caller's records.
    emulator.fault({"kind": "status", "status": 422}, path="/batch/broadcasts")
    report = client.create_broadcasts_chunked([_broadcast(broadcast_type="markdown")])
    assert [r.broadcast_type for r in report.failed_records] == ["markdown"]


def test_blank_broadcast_type_is_refused_before_sending(emulator, client):
    for blank in ("", "   "):
        with pytest.raises(bento.BentoError.InvalidInput) as info:
            client.create_broadcasts([_broadcast(), _broadcast(broadcast_type=blank)])
        assert info.value.field == "broadcasts[1].broadcast_type"
        assert "blank" in info.value.reason
        # The chunked helper reports the chunk, as it does any invalid record: not sent.
        report = client.create_broadcasts_chunked([_broadcast(broadcast_type=blank)])
        [chunk] = report.failed_chunks
        assert isinstance(chunk.error, bento.BentoError.InvalidInput), chunk.error
        assert chunk.error.field == "broadcasts[0].broadcast_type"
        assert chunk.delivery == bento.Delivery.NOT_SENT and chunk.safe_to_resend
        assert [r.broadcast_type for r in chunk.records] == [blank]
    with pytest.raises(TypeError):
        client.create_broadcasts([_broadcast(broadcast_type=5)])
    assert [r for r in emulator.requests() if r["path"].endswith("/batch/broadcasts")] == []


ENV = ("BENTO_PUBLISHABLE_KEY", "BENTO_SECRET_KEY", "BENTO_SITE_UUID", "BENTO_BASE_URL")


def test_from_env_with_overrides(emulator, monkeypatch):
    monkeypatch.setenv("BENTO_PUBLISHABLE_KEY", emulator.publishable_key)
    monkeypatch.setenv("BENTO_SECRET_KEY", emulator.secret_key)
    monkeypatch.setenv("BENTO_SITE_UUID", emulator.site_uuid)
    monkeypatch.setenv("BENTO_BASE_URL", "https://unused.example.com/api/v1")
    c = bento.BentoClient.from_env(base_url=emulator.base_url, timeout_secs=5.0,
                                   retry=bento.disabled_retry_settings())
    assert c.base_url() == emulator.base_url
    assert isinstance(c.get_tags(), list)
    with pytest.raises(TypeError):
        bento.BentoClient.from_env(no_such_option=1)


def test_from_env_overrides_replace_missing_variables(emulator, monkeypatch):
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    c = bento.BentoClient.from_env(publishable_key=emulator.publishable_key,
                                   secret_key=emulator.secret_key,
                                   site_uuid=emulator.site_uuid, base_url=emulator.base_url)
    assert isinstance(c.get_tags(), list)
    with pytest.raises(E.InvalidInput) as info:
        bento.BentoClient.from_env(publishable_key="pk", site_uuid="s")
    assert info.value.field == "BENTO_SECRET_KEY"


# ---- native JSON values -------------------------------------------------------------------

def test_json_fields_are_python_values(emulator, client):
    details = {"url": "/", "n": 2 ** 64 - 1, "neg": -(2 ** 63), "f": 1.5, "ok": True,
               "none": None, "list": [1, "two", {"three": 3}], "text": "ünï 😀"}
    client.track(bento.Event(event_type="x", email="a@example.com", details=details))
    sent = json.loads(emulator.requests()[-1]["body"])["events"][0]["details"]
    assert sent == details
    assert type(sent["n"]) is int and sent["n"] == 2 ** 64 - 1


def test_integers_beyond_64_bits_are_refused_not_rounded(emulator, client):
    with pytest.raises(E.InvalidInput) as info:
        client.track_events([bento.Event(event_type="x", email="a@example.com"),
                             bento.Event(event_type="x", email="b@example.com",
                                         details={"big": [2 ** 70]})])
    assert info.value.field == "events[1].details"
    assert str(2 ** 70) in info.value.reason
    with pytest.raises(E.InvalidInput) as info:
        client.import_subscribers_chunked([{"email": "a@example.com"},
                                           {"email": "b@example.com", "n": -(2 ** 64)}])
    assert info.value.field == "subscribers[1].n"
    # A long run of digits inside a string is just text.
    client.track(bento.Event(event_type="x", email="a@example.com",
                             details={"id": "1" * 40}))
    assert len(emulator.requests()) == 1


@pytest.mark.parametrize("value", [{1, 2}, float("nan"), object(), {"k": float("inf")}],
                         ids=["set", "nan", "object", "inf"])
def test_values_that_are_not_json_name_the_field(emulator, client, value):
    with pytest.raises(E.InvalidInput) as info:
        client.subscriber_command([bento.Command.SET_FIELD(email="a@example.com", key="k",
                                                           value=value)])
    assert info.value.field == "command[0].value"
    assert emulator.requests() == []


def test_a_report_prints_short(emulator, no_retry_client):
    rows = [{"email": f"r{i}@example.com"} for i in range(1000)]
    emulator.fault({"kind": "status", "status": 503}, path="/batch/subscribers", remaining=1)
    report = no_retry_client.import_subscribers_chunked(rows)
    text = repr(report)
    assert len(report.failed_records) == 1000
    assert "... (997 more)" in text and len(text) < 3000, text[:500]
    assert "ImportSubscriber(email='r0@example.com'" in text
    assert "HTTP 503" in str(report.failed_chunks[0].error)
    # Short lists are shown whole.
    q = bento.SearchQuery(tags=["a", "b", "c", "d"])
    assert "tags=['a', 'b', 'c', 'd']" in repr(q)
