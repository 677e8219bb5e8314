"""One client shared by 8 threads; chunked reports return exactly the records not accepted."""

import threading

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

    # Chunk 1 (emails 5..9) has a sender that is not an author: only that chunk fails.
    emails = [email(i, "stranger@example.com" if 5 <= i < 10 else "sender@example.com")
              for i in range(12)]
    report = client.send_emails_chunked(emails, chunk_size=5)
    assert (report.chunks, report.accepted) == (3, 7)
    assert [c.index for c in report.failed_chunks] == [1]
    assert report.failed_chunks[0].offset == 5
    assert isinstance(report.failed_chunks[0].error, E.AuthorNotAuthorized)
    assert report.failed_records == emails[5:10]


def test_chunked_bad_record_is_rejected_before_sending(emulator, client):
    rows = [bento.ImportSubscriber(email=f"ok{i}@example.com") for i in range(5)]
    rows[3] = bento.ImportSubscriber(email="ok3@example.com", custom_fields_json="{broken")
    try:
        client.import_subscribers_chunked(rows, chunk_size=2)
        raise AssertionError("expected InvalidInput")
    except E.InvalidInput as e:
        assert e.field == "subscribers[3].custom_fields_json"
    assert emulator.requests() == []
