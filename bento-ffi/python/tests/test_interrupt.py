"""Ctrl-C (SIGINT) ends a blocking call promptly: during a slow response and during a
Retry-After wait. Each case runs in a child interpreter that gets a real SIGINT."""

import re
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

PROGRAM = textwrap.dedent("""
    import sys, time
    import bento
    client = bento.BentoClient(bento.BentoConfig(
        publishable_key=sys.argv[2], secret_key=sys.argv[3], site_uuid=sys.argv[4],
        base_url=sys.argv[1], timeout_secs=30.0,
        retry=bento.RetrySettings(max_retries=3, max_retry_after_secs=60.0)))
    print("calling", flush=True)
    try:
        client.get_tags()
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        sys.exit(130)
    print("returned", flush=True)
""")


def _interrupt(emulator, program, settle=0.0):
    """Runs `program` in a child interpreter, waits until its call reached /fetch/tags (and
    `settle` seconds more), sends SIGINT; returns (stdout, stderr, exit code, seconds from the
    signal to the child's exit)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", program, emulator.base_url, emulator.publishable_key,
         emulator.secret_key, emulator.site_uuid],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "calling"
        deadline = time.monotonic() + 10
        while not any(r["path"].endswith("/fetch/tags") for r in emulator.requests()):
            assert time.monotonic() < deadline, "the call never reached the emulator"
            time.sleep(0.02)
        time.sleep(settle)
        sent = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
        return out, err, proc.returncode, time.monotonic() - sent
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("fault", [
    {"kind": "latency", "ms": 20_000},
    {"kind": "status", "status": 429, "retry_after": 15},
], ids=["slow-server", "retry-after-15s"])
def test_sigint_ends_a_blocking_call(emulator, fault):
    emulator.fault(fault, path="/fetch/tags")
    # Settle: let the 429 start waiting out its Retry-After.
    out, err, code, latency = _interrupt(emulator, PROGRAM, settle=0.3)
    print(f"SIGINT -> exit in {latency * 1000:.0f} ms ({fault['kind']})")
    assert out.strip() == "interrupted", (out, err)
    assert code == 130, err
    assert "Fatal" not in err and "Segmentation" not in err, err
    assert latency < 0.5, f"took {latency:.2f} s"


AFTER = textwrap.dedent("""
    import sys, threading, time
    import bento
    client = bento.BentoClient(bento.BentoConfig(
        publishable_key=sys.argv[2], secret_key=sys.argv[3], site_uuid=sys.argv[4],
        base_url=sys.argv[1], timeout_secs=30.0))
    print("calling", flush=True)
    try:
        client.get_tags()
    except KeyboardInterrupt:
        pass
    # The abandoned call still holds its worker; the next call takes another one at once.
    started = time.monotonic()
    client.get_fields()
    took = time.monotonic() - started
    workers = sum(t.name == "bento.call" for t in threading.enumerate())
    print(f"next call {took:.3f} s, {workers} workers", flush=True)
""")


def test_the_call_after_an_interrupted_one_does_not_wait_for_it(emulator):
    emulator.fault({"kind": "latency", "ms": 20_000}, path="/fetch/tags")
    out, err, code, _ = _interrupt(emulator, AFTER)
    took, workers = re.match(r"next call ([\d.]+) s, (\d+) workers", out.strip()).groups()
    assert float(took) < 1.0, out
    assert workers == "2", out  # the abandoned call's and the one that made the next call
    assert code == 0, err


def test_calls_on_the_main_thread_reuse_one_worker_thread(client):
    def workers():
        return sum(t.name == "bento.call" for t in threading.enumerate())

    client.get_tags()
    before = workers()
    assert before >= 1
    for _ in range(20):
        client.get_tags()
    assert workers() == before
