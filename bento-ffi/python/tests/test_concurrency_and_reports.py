"""One client shared by 8 threads; chunked reports return exactly the records not accepted."""

import json
import os
import signal
import threading
import time

import pytest

import bento

E = bento.BentoError


def test_eight_threads_share_one_client(emulator, client):
    errors = []
    results = []
    per_thread = 10

    def work(n):
        try:
            for i in range(per_thread):
                email = f"t{n}-{i}@example.com"
                r = client.track(bento.Event(event_type="thread", email=email))
                results.append(r.results)
                client.get_tags()
                client.import_subscribers([bento.ImportSubscriber(email=email)])
                found = client.find_subscriber(email)
                assert found is None or found.email == email
        except Exception as e:  # noqa: BLE001 - collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert sum(results) == 8 * per_thread
    assert len(emulator.requests()) >= 8 * per_thread * 4


def test_import_report_returns_exactly_the_failed_chunk(emulator, no_retry_client):
    rows = [bento.ImportSubscriber(email=f"row{i}@example.com", first_name=f"R{i}")
            for i in range(25)]
    # The first import request fails (no retries): chunk 0, rows 0..9.
    emulator.fault({"kind": "status", "status": 503}, path="/batch/subscribers",
                   method="POST", remaining=1)
    report = no_retry_client.import_subscribers_chunked(rows, chunk_size=10)
    assert (report.records, report.chunks, report.accepted) == (25, 3, 15)
    assert not report.is_complete
    assert len(report.failed_chunks) == 1
    chunk = report.failed_chunks[0]
    assert (chunk.index, chunk.offset) == (0, 0)
    assert isinstance(chunk.error, E.Api) and chunk.error.status == 503
    assert chunk.records == rows[:10]
    assert report.failed_records == rows[:10]
    assert report.partial_chunks == []


def test_email_report_returns_the_middle_chunk(client):
    def email(i, sender):
        return bento.EmailData(to=f"to{i}@example.com", from_email=sender,
                               subject=f"S{i}", html_body="<p>x</p>")

    # Chunk 1 (emails 5..9) has a sender that is not an author. No later chunk could be
    # trusted to succeed, so the run stops there: chunk 2 is reported (not sent) with the
    # same cause, and every record is accounted for.
    emails = [email(i, "stranger@example.com" if 5 <= i < 10 else "sender@example.com")
              for i in range(12)]
    report = client.send_emails_chunked(emails, chunk_size=5)
    assert (report.chunks, report.accepted) == (3, 5)
    assert [c.index for c in report.failed_chunks] == [1, 2]
    assert [c.offset for c in report.failed_chunks] == [5, 10]
    assert all(isinstance(c.error, E.AuthorNotAuthorized) for c in report.failed_chunks)
    assert isinstance(report.stopped, E.AuthorNotAuthorized)
    # The chunk after the stop was never sent.
    assert report.failed_chunks[1].delivery == bento.Delivery.NOT_SENT
    assert report.failed_chunks[1].safe_to_resend
    assert report.failed_records == emails[5:12]


def test_chunked_bad_record_is_rejected_before_sending(emulator, client):
    rows = [bento.ImportSubscriber(email=f"ok{i}@example.com") for i in range(5)]
    rows[3] = bento.ImportSubscriber(email="ok3@example.com", custom_fields_json="{broken")
    try:
        client.import_subscribers_chunked(rows, chunk_size=2)
        raise AssertionError("expected InvalidInput")
    except E.InvalidInput as e:
        assert e.field == "subscribers[3].custom_fields_json"
    assert emulator.requests() == []


def test_bulk_import_from_one_json_text(emulator, client):
    rows = [{"email": f"bulk{i}@example.com", "first_name": f"B{i}", "tags": "imported,vip",
             "plan": "pro", "score": i} for i in range(2500)]
    report = client.import_subscribers_chunked_json(json.dumps(rows))
    assert (report.records, report.chunks, report.accepted) == (2500, 3, 2500)
    assert report.is_complete
    stored = {s["attributes"]["email"]: s["attributes"] for s in emulator.state()["subscribers"]}
    assert stored["bulk7@example.com"]["fields"]["plan"] == "pro"
    assert stored["bulk7@example.com"]["fields"]["score"] == 7


def test_bulk_json_failed_chunk_comes_back_as_records(emulator, no_retry_client):
    rows = [{"email": f"j{i}@example.com", "plan": "pro"} for i in range(25)]
    emulator.fault({"kind": "status", "status": 503}, path="/batch/subscribers",
                   method="POST", remaining=1)
    report = no_retry_client.import_subscribers_chunked_json(json.dumps(rows), chunk_size=10)
    assert report.accepted == 15
    assert [r.email for r in report.failed_records] == [f"j{i}@example.com" for i in range(10)]
    assert report.failed_records[0].custom_fields == {"plan": "pro"}


@pytest.mark.parametrize("text, field", [
    ("not json", "rows_json"),
    ('{"email": "a@example.com"}', "rows_json"),
    ('[{"first_name": "no email"}]', "rows_json[0].email"),
    ('[{"email": "a@example.com"}, {"email": 7}]', "rows_json[1].email"),
])
def test_bulk_json_bad_input_is_refused_before_sending(emulator, client, text, field):
    before = len(emulator.requests())
    with pytest.raises(E.InvalidInput) as err:
        client.import_subscribers_chunked_json(text)
    assert err.value.field == field
    assert len(emulator.requests()) == before


def test_bulk_json_bad_address_fails_its_chunk_without_sending(emulator, client):
    before = len(emulator.requests())
    report = client.import_subscribers_chunked_json('[{"email": "not-an-email"}]')
    assert isinstance(report.failed_chunks[0].error, E.InvalidInput)
    assert report.failed_chunks[0].error.field == "subscribers[0].email"
    assert [r.email for r in report.failed_records] == ["not-an-email"]
    assert len(emulator.requests()) == before


def test_a_wrong_key_stops_after_one_request_and_reports_everything_not_sent(emulator):
    c = bento.BentoClient(emulator.config(secret_key="sk_wrong_key_value"))
    rows = [bento.ImportSubscriber(email=f"w{i}@example.com") for i in range(25)]
    report = c.import_subscribers_chunked(rows, chunk_size=10)
    assert len([r for r in emulator.requests() if r["path"].endswith("/batch/subscribers")]) == 1
    assert isinstance(report.stopped, E.NotAuthorized)
    assert report.stopped.request_id.startswith("req_")
    assert report.accepted == 0 and report.failed_records == rows
    first, *rest = report.failed_chunks
    assert (first.delivery, first.safe_to_resend) == (bento.Delivery.REJECTED, True)
    assert [c.index for c in rest] == [1, 2]
    assert all(c.delivery == bento.Delivery.NOT_SENT and c.safe_to_resend for c in rest)
    assert all(isinstance(c.error, E.NotAuthorized) for c in rest)


def test_a_drop_after_handling_may_have_been_received(emulator, no_retry_client):
    emulator.fault({"kind": "drop_connection", "after_handling": True}, path="/batch/events",
                   remaining=1)
    events = [bento.Event(event_type="x", email=f"d{i}@example.com") for i in range(4)]
    report = no_retry_client.track_events_chunked(events, chunk_size=2)
    assert report.stopped is None
    assert report.accepted == 2
    (chunk,) = report.failed_chunks
    assert chunk.delivery == bento.Delivery.MAYBE_RECEIVED
    assert chunk.safe_to_resend is False  # events are not idempotent: a resend counts twice
    # Imports are upserts: the same delivery is safe to resend.
    emulator.fault({"kind": "drop_connection", "after_handling": True},
                   path="/batch/subscribers", remaining=1)
    rows = [bento.ImportSubscriber(email=f"d{i}@example.com") for i in range(2)]
    (chunk,) = no_retry_client.import_subscribers_chunked(rows).failed_chunks
    assert (chunk.delivery, chunk.safe_to_resend) == (bento.Delivery.MAYBE_RECEIVED, True)


def test_a_complete_run_has_no_stop(client):
    report = client.import_subscribers_chunked(
        [bento.ImportSubscriber(email=f"c{i}@example.com") for i in range(3)])
    assert report.is_complete and report.stopped is None and report.failed_chunks == []


def _wait_child(pid, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.02)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    pytest.fail(f"the forked child did not finish within {timeout} s (a call hung)")


def test_a_forked_child_uses_the_parents_client(emulator, client):
    """`multiprocessing` forks on Linux: a child has none of the parent's threads, so the
    client's I/O thread (and the Python layer's worker) must be started again there instead
    of a call waiting for them forever."""
    client.get_tags()  # the parent's I/O thread and worker exist and are in use
    short = client.with_deadline(5.0)
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            tags = client.get_tags()
            client.track(bento.Event(event_type="$forked", email="child@example.com"))
            short.get_fields()
            code = 0 if isinstance(tags, list) else 2
        finally:
            os._exit(code)
    assert _wait_child(pid, 20) == 0
    # The parent's client still works, on its own I/O thread.
    assert isinstance(client.get_tags(), list)
    # The child's event reached the emulator (from the child's own connection pool).
    assert any(r["path"].endswith("/batch/events") for r in emulator.requests())


def test_on_progress_is_called_after_every_chunk(emulator, client):
    seen = []
    report = client.import_subscribers_chunked(
        ({"email": f"p{i}@example.com"} for i in range(25)), 10, on_progress=seen.append)
    assert report.accepted == 25
    assert [(p.chunks_done, p.records_done, p.accepted) for p in seen] == [
        (1, 10, 10), (2, 20, 20), (3, 25, 25)]
    assert all(isinstance(p, bento.Progress) and p.failed == 0 for p in seen)

    events = []
    client.track_events_chunked(
        [bento.Event(event_type="$x", email=f"e{i}@example.com") for i in range(5)], 2,
        on_progress=lambda p: events.append(p.records_done))
    assert events == [2, 4, 5]

    class Listener:
        def __init__(self):
            self.chunks = 0

        def on_progress(self, progress):
            self.chunks = progress.chunks_done

    listener = Listener()
    client.subscriber_commands_chunked(
        [bento.Command.ADD_TAG(email=f"c{i}@example.com", tag="t") for i in range(3)], 1,
        on_progress=listener)
    assert listener.chunks == 3


def test_an_exception_in_on_progress_is_raised_after_the_run_with_its_report(emulator, client):
    calls = []

    def fail(progress):
        calls.append(progress.chunks_done)
        raise ValueError("stop showing progress")

    with pytest.raises(ValueError, match="stop showing progress") as info:
        client.import_subscribers_chunked(
            [{"email": f"x{i}@example.com"} for i in range(30)], 10, on_progress=fail)
    assert calls == [1]  # later chunks are not reported to a callback that failed
    report = info.value.report
    assert (report.records, report.accepted, report.failed) == (30, 30, 0)
    with pytest.raises(TypeError, match="on_progress"):
        client.import_subscribers_chunked([{"email": "y@example.com"}], on_progress=5)
