"""Makes one hostile case's call in a process of its own (run by test_hostile.py).

Reads {"served": <bento-hostile serve's first line>, "constants": {...}} on stdin, builds a
`bento.BentoClient` with the case's settings, makes the call, and prints one JSON line: what
came of it (the exception's variant and fields, str and repr), how long it took, how much the
peak RSS grew, and every logging record emitted. A crash of the native library kills only this
process; the parent sees the exit status.
"""

import io
import json
import logging
import resource
import sys
import time

import bento

VARIANTS = ("InvalidInput", "NotAuthorized", "AuthorNotAuthorized", "RateLimited", "Api",
            "Transport", "Timeout", "Decode", "Internal")


def _ids(items):
    return [item.id for item in items]


def _call(client, name, arg, email):
    if name == "track":
        return client.track(bento.Event(event_type="$tag", email=email, details={"tag": "vip"}))
    if name == "get_tags":
        return client.get_tags()
    if name == "send_email":
        return client.send_emails([bento.EmailData(
            to=email, from_email="sender@example.com", subject="Reset", html_body="<p>hi</p>",
            transactional=True)])
    if name == "find_subscriber":
        return client.find_subscriber(email)
    if name == "import_subscribers":
        return client.import_subscribers(
            [bento.ImportSubscriber(email=f"user{i}@example.com") for i in range(int(arg))])
    if name == "import_big_rows":
        return client.import_subscribers(
            [bento.ImportSubscriber(email=f"user{i}@example.com", first_name="n" * 900)
             for i in range(1000)])
    if name in ("commands", "commands_via_event"):
        commands = [bento.Command.ADD_TAG(email=email, tag="vip")]
        if name == "commands_via_event":
            commands.append(bento.Command.ADD_TAG_VIA_EVENT(email=email, tag="vip"))
        return client.subscriber_command(commands)
    if name == "all_sequences":
        return _ids(client.all_sequences())
    if name == "upsert_subscriber":
        return client.upsert_subscriber(bento.ImportSubscriber(email=email))
    if name == "delete_tag":
        return client.delete_tag(arg, "vip")
    if name == "get_segment":
        return client.get_segment(arg)
    if name == "get_email_template":
        return client.get_email_template(arg)
    if name == "create_sequence_email":
        return client.create_sequence_email(arg, bento.SequenceEmail(subject="s", html="<p>h</p>"))
    if name == "update_email_template":
        return client.update_email_template(arg, subject="s")
    raise SystemExit(f"no Python call for {name!r}: add it to _hostile_call.py")


def _peak_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def main():
    job = json.load(sys.stdin)
    served, k = job["served"], job["constants"]
    case, s = served["case"], served["case"]["setup"]

    records = io.StringIO()
    handler = logging.StreamHandler(records)
    handler.setLevel(logging.DEBUG)
    logging.getLogger().addHandler(handler)
    logging.getLogger().setLevel(logging.DEBUG)

    client = bento.BentoClient(bento.BentoConfig(
        publishable_key=k["publishable_key"], secret_key=k["secret_key"],
        site_uuid=k["site_uuid"], base_url=served["base_url"],
        timeout_secs=s["timeout_ms"] / 1000, connect_timeout_secs=s["connect_timeout_ms"] / 1000,
        deadline_secs=s["deadline_ms"] / 1000, max_response_bytes=s["max_response_bytes"],
        retry=bento.RetrySettings(
            max_retries=s["max_retries"], base_delay_secs=s["base_delay_ms"] / 1000,
            max_delay_secs=s["max_delay_ms"] / 1000,
            max_retry_after_secs=s["max_retry_after_ms"] / 1000)))

    before = _peak_rss_bytes()
    started = time.monotonic()
    value, error = None, None
    try:
        value = _call(client, case["call"], case["arg"], k["email"])
    except Exception as e:  # noqa: BLE001 (every exception is reported, classified by the parent)
        error = e
    took = time.monotonic() - started
    result = {"took_secs": took, "rss_growth_bytes": _peak_rss_bytes() - before}
    del client
    if error is None:
        result["value"] = value if isinstance(value, list) and all(
            isinstance(v, str) for v in value) else None
    else:
        variant = next((v for v in VARIANTS if isinstance(error, getattr(bento.BentoError, v))),
                       None)
        fields = {}
        for name in ("status", "message", "retry_after_secs", "field", "reason"):
            if hasattr(error, name):
                fields[name] = getattr(error, name)
        if hasattr(error, "kind"):
            fields["kind"] = error.kind.name.lower()
        result["error"] = {
            "type": type(error).__qualname__, "bento": isinstance(error, bento.BentoError),
            "variant": variant, "fields": fields, "str": str(error), "repr": repr(error)}
    handler.flush()
    result["log"] = records.getvalue()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
