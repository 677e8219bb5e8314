"""Logs (issue 13, item 3): the Rust core's records through the standard `logging` logger
`bento`: silent by default, DEBUG shows every attempt, a retry is a WARNING with its delay, the
native level follows the logger's without a call, and no record holds a key or an email."""

import base64
import json
import logging
import subprocess
import sys
import threading

import pytest

import bento
from bento import _logging

LOGGER = logging.getLogger("bento")
RATE_LIMITED = {"kind": "status", "status": 429, "retry_after": 0}


@pytest.fixture
def crossings(monkeypatch):
    """The records that crossed from Rust into Python (the bridge's listener, counted)."""
    seen = []
    forward = type(_logging._FORWARD).log

    def counting(record):
        seen.append(record)
        forward(_logging._FORWARD, record)

    monkeypatch.setattr(_logging._FORWARD, "log", counting)
    return seen


@pytest.fixture
def level_calls(monkeypatch):
    """The levels `sync_level` handed to Rust."""
    calls = []
    native = _logging._ffi.set_log_level

    def recording(level):
        calls.append(level)
        native(level)

    monkeypatch.setattr(_logging._ffi, "set_log_level", recording)
    return calls


@pytest.fixture(autouse=True)
def logger_level():
    """Every test leaves the `bento` logger as it found it."""
    level = LOGGER.level
    yield
    LOGGER.setLevel(level)


def bento_records(caplog, name="bento.attempt"):
    return [r for r in caplog.records if r.name == "bento" and r.bento_name == name]


def event(email):
    return bento.Event(event_type="logged", email=email)


def test_silent_by_default_in_a_fresh_interpreter(emulator):
    # A retry is a WARNING, which Python's last-resort handler would print to stderr if the
    # `bento` logger had no handler of its own; with its NullHandler nothing is printed.
    emulator.fault(RATE_LIMITED, path="/batch/events", remaining=1)
    program = """
import json, logging, sys
import bento
e = json.loads(sys.argv[1])
handlers = [type(h).__name__ for h in logging.getLogger("bento").handlers]
assert handlers == ["NullHandler"], handlers
client = bento.BentoClient(bento.BentoConfig(
    publishable_key=e["pk"], secret_key=e["sk"], site_uuid=e["site"], base_url=e["url"],
    retry=bento.RetrySettings(base_delay_secs=0.01, max_delay_secs=0.05)))
client.track(bento.Event(event_type="logged", email="quiet@example.com"))
print("ok")
"""
    args = json.dumps({"pk": emulator.publishable_key, "sk": emulator.secret_key,
                       "site": emulator.site_uuid, "url": emulator.base_url})
    out = subprocess.run([sys.executable, "-c", program, args], capture_output=True, text=True,
                         timeout=60)
    assert (out.returncode, out.stdout, out.stderr) == (0, "ok\n", "")
    # The retry did happen (two requests), it just was not printed.
    assert len([r for r in emulator.requests() if r["path"].endswith("/batch/events")]) == 2


def test_at_warning_a_plain_call_crosses_nothing(client, caplog, crossings, level_calls):
    LOGGER.setLevel(logging.WARNING)
    client.get_tags()  # the level changed to WARNING (if it was not already): synced here
    assert _logging._cached == logging.WARNING
    del level_calls[:]
    client.get_tags()
    client.track(event("warn@example.com"))
    # The DEBUG attempts were not even built on the Rust side: nothing crossed, no level set.
    assert crossings == []
    assert level_calls == []
    assert [r for r in caplog.records if r.name == "bento"] == []


def test_debug_shows_one_attempt_record_per_attempt(client, caplog):
    caplog.set_level(logging.DEBUG, logger="bento")
    client.get_tags()
    client.track(event("debug@example.com"))
    records = bento_records(caplog)
    assert len(records) == 2, [r.getMessage() for r in records]
    tags, track = records
    for r in records:
        assert r.levelno == logging.DEBUG
        assert r.bento_fields["attempt"] == "1"
        assert r.bento_fields["done"] == "ok"
        assert r.bento_fields["status"] == "200"
        assert r.getMessage().startswith("bento.attempt: done attempt=1 status=200 ")
    assert tags.bento_fields["operation"] == "GetTags"
    assert tags.bento_fields["method"] == "GET"
    assert "operation=GetTags method=GET path=/api/v1/fetch/tags" in tags.getMessage()
    assert track.bento_fields["operation"] == "TrackEvents"
    assert "operation=TrackEvents method=POST" in track.getMessage()


def test_the_async_client_logs_and_follows_the_level_too(emulator, caplog, level_calls):
    import asyncio
    client = bento.AsyncBentoClient(emulator.config())
    LOGGER.setLevel(logging.WARNING)
    asyncio.run(client.get_tags())
    caplog.set_level(logging.DEBUG, logger="bento")
    asyncio.run(client.get_tags())
    records = bento_records(caplog)
    assert len(records) == 1, [r.getMessage() for r in records]
    assert records[0].bento_fields["operation"] == "GetTags"
    # logging's DEBUG is the native TRACE (see _logging.sync_level); WARNING first, then that.
    assert level_calls == [bento.LogLevel.WARN, bento.LogLevel.TRACE]


def test_a_retry_is_a_warning_with_its_delay(emulator, client, caplog):
    caplog.set_level(logging.DEBUG, logger="bento")
    emulator.fault(RATE_LIMITED, path="/fetch/tags", remaining=1)
    client.get_tags()
    retry, done = bento_records(caplog)
    assert retry.levelno == logging.WARNING
    assert retry.getMessage().startswith("bento.attempt: retrying attempt=1 status=429 ")
    assert retry.bento_fields["retry_after"] == "0"
    assert int(retry.bento_fields["retry_in_ms"]) >= 0
    assert "retry_in_ms=" in retry.getMessage()
    assert retry.bento_fields["operation"] == "GetTags"
    assert (done.levelno, done.bento_fields["attempt"], done.bento_fields["done"]) == \
        (logging.DEBUG, "2", "ok")


def test_at_warning_only_the_retry_arrives(emulator, client, caplog):
    caplog.set_level(logging.WARNING, logger="bento")
    emulator.fault(RATE_LIMITED, path="/fetch/tags", remaining=1)
    client.get_tags()
    assert [(r.levelname, r.bento_fields["attempt"]) for r in bento_records(caplog)] == \
        [("WARNING", "1")]


def test_the_native_level_follows_the_logger_once_per_change(client, caplog, level_calls):
    LOGGER.setLevel(logging.ERROR)
    client.get_tags()
    LOGGER.setLevel(logging.INFO)
    client.get_tags()
    client.get_tags()
    LOGGER.setLevel(logging.DEBUG)
    client.get_tags()
    client.get_tags()
    assert level_calls[-3:] == [bento.LogLevel.ERROR, bento.LogLevel.INFO,
                                bento.LogLevel.TRACE]
    assert len(bento_records(caplog)) == 2
    # Above ERROR: nothing at all on the Rust side.
    assert _logging.native_level(logging.CRITICAL) is None
    assert _logging.native_level(logging.WARNING) == bento.LogLevel.WARN


def test_a_call_off_the_main_thread_syncs_the_level_too(client, caplog):
    caplog.set_level(logging.DEBUG, logger="bento")
    errors = []

    def run():
        try:
            client.get_tags()
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    assert errors == []
    assert len(bento_records(caplog)) == 1


def test_chunks_are_logged(client, caplog):
    caplog.set_level(logging.DEBUG, logger="bento")
    client.import_subscribers_chunked([{"email": f"chunk{i}@example.com"} for i in range(5)],
                                      chunk_size=2)
    chunks = bento_records(caplog, "bento.chunk")
    assert [r.bento_fields["index"] for r in chunks] == ["0", "1", "2"]
    assert chunks[-1].bento_fields["accepted"] == "5"
    assert chunks[-1].bento_fields["records"] == "1"
    assert chunks[-1].getMessage().startswith("bento.chunk index=2 records=1 outcome=sent ")
    attempts = bento_records(caplog)
    assert [r.bento_fields["operation"] for r in attempts] == ["ImportSubscribers"] * 3


def test_a_failing_filter_does_not_break_the_call(client, caplog, capfd):
    class Broken(logging.Filter):
        def filter(self, record):
            raise RuntimeError("a broken filter")

    caplog.set_level(logging.DEBUG, logger="bento")
    broken = Broken()
    LOGGER.addFilter(broken)
    try:
        assert isinstance(client.get_tags(), list)
    finally:
        LOGGER.removeFilter(broken)
    # Swallowed in Python: nothing reached the native side as an error (a panic message there).
    err = capfd.readouterr().err
    assert "panicked" not in err and "a broken filter" not in err, err


def test_no_key_and_no_email_in_any_record(emulator, client, caplog):
    caplog.set_level(logging.DEBUG)  # the root logger: everything, from every logger
    used = [f"secret.person{i}@example.com" for i in range(6)]
    emulator.fault(RATE_LIMITED, path="/batch/events", remaining=1)
    client.track(event(used[0]))
    client.find_subscriber(used[0])
    client.import_subscribers_chunked([{"email": e, "first_name": "Ann"} for e in used[1:5]],
                                      chunk_size=2)
    emulator.fault({"kind": "status", "status": 503}, path="/fetch/subscribers", remaining=1)
    client.find_subscriber(used[5])
    wrong_key = "sk_wrong_0123456789abcdef"
    wrong = bento.BentoClient(emulator.config(secret_key=wrong_key))
    with pytest.raises(bento.BentoError.NotAuthorized):
        wrong.find_subscriber(used[5])

    records = [r for r in caplog.records if r.name == "bento"]
    # Not vacuous: every attempt and chunk was logged (3 events: 2 track attempts, 1 find, 2
    # chunks' attempts + 2 chunks, 2 find attempts after the 503, 1 refused).
    assert len(bento_records(caplog)) == 8, [r.getMessage() for r in records]
    assert len(bento_records(caplog, "bento.chunk")) == 2
    assert any(r.bento_fields.get("status") == "401" for r in records)
    basic = base64.b64encode(
        f"{emulator.publishable_key}:{emulator.secret_key}".encode()).decode()
    secrets = [emulator.secret_key, wrong_key, basic, basic.rstrip("=")]
    secrets += used + [e.replace("@", "%40") for e in used] + ["secret.person"]
    for r in caplog.records:
        text = r.getMessage() + repr(vars(r))
        for secret in secrets:
            assert secret not in text, f"{secret!r} in {text}"
