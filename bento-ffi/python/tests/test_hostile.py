"""The shared hostile-server list against the Python package (issue 11).

The cases are not written here: `bento-hostile list` prints the list the Rust suites iterate
(`bento_emulator::hostile::cases`), and `bento-hostile serve NAME` serves one case on a loopback
port. For every case this test makes the case's call through a `bento.BentoClient` in a child
process (`_hostile_call.py`: a crash of the native library fails the case instead of killing
pytest) and asserts:

- the typed exception (a `bento.BentoError` subclass, never `Internal`) for the case's outcome
  class, with its status / kind / `retry_after_secs` / message where the case names them;
- the wall time of the call below the case's bound (and the child process ends at all);
- neither the secret key, the base64 Authorization value nor the subscriber's email (plain or
  percent-encoded) in `str(exc)`, `repr(exc)` or any logging record; no 10-character piece of a
  secret where the case asks for it; a short message where it asks for it;
- the peak RSS growth below the case's bound (the endless bodies end with the size-limit error,
  not in memory);
- the server side, judged by the list itself (`problems`): request and connection counts, the
  redirect target never reached, bytes written, only TLS on the wire for the TLS case.

Outcome classes map to Python as: `api` -> `BentoError.Api`, `decode` -> `Decode`,
`not_authorized` -> `NotAuthorized`, `rate_limit` -> `RateLimited`, `invalid_input` ->
`InvalidInput`; transport kinds `timeout` -> `BentoError.Timeout`, `deadline`/`io`/`connect`/
`response_too_large` -> `Transport` of that kind (`TransportKind.DEADLINE` for the call's
deadline, `BentoConfig.deadline_secs`). The check `never_sent` has no Python counterpart and is
not made.

Cases not run here (each also says why in the list, and FUZZING.md shows it): none.
"""

import json
import os
import re
import subprocess
import sys

import pytest

HOSTILE_BIN = os.environ.get("BENTO_HOSTILE_BIN", "")
CHILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_hostile_call.py")


def _load():
    if not HOSTILE_BIN or not os.path.exists(HOSTILE_BIN):
        return None
    out = subprocess.run([HOSTILE_BIN, "list"], capture_output=True, text=True, timeout=120,
                         check=True)
    return json.loads(out.stdout)


LIST = _load()
CASES = LIST["cases"] if LIST else []
BY_NAME = {c["name"]: c for c in CASES}


@pytest.fixture(autouse=True)
def fresh():
    """Overrides conftest's emulator reset: these tests talk only to bento-hostile."""
    yield


@pytest.fixture(scope="module")
def shared():
    if LIST is None:
        pytest.fail("set BENTO_HOSTILE_BIN to a built bento-hostile binary (run-tests.sh does)")
    return LIST


def test_the_list_is_there_and_the_skips_are_the_ones_this_file_names(shared):
    assert len(shared["cases"]) > 100
    skipped = {c["name"]: c["python_skip"] for c in shared["cases"] if c["python_skip"]}
    named = dict(re.findall(r"^- (\S+): (.+)$", __doc__, re.MULTILINE))
    assert named == skipped, "update the module docstring's list of cases not run here"


def _transport_matches(error, kinds):
    for kind in kinds:
        if kind == "timeout" and error["variant"] == "Timeout":
            return True
        if error["variant"] == "Transport" and error["fields"].get("kind") == kind:
            return True
    return False


def _retry_after_matches(want, got):
    if want["is"] == "any":
        return True
    if want["is"] == "absent":
        return got is None
    if want["is"] == "present":
        return got is not None
    if got is None:
        return False
    if want["is"] == "exactly":
        return abs(got - want["secs"]) <= 1e-9 * max(1.0, want["secs"])
    return got >= want["secs"] * (1 - 1e-12)


def _outcome_problems(case, served, result):
    expect = case["expect"]
    error = result.get("error")
    cls = expect["class"]
    if cls == "ok":
        if error is not None:
            return [f"expected Ok, got {error['repr']}"]
        items = expect.get("items")
        if items is not None:
            ids = result.get("value") or []
            if (len(ids), len(set(ids))) != (items, items):
                return [f"{len(ids)} items, {len(set(ids))} distinct, expected {items}"]
        return []
    if error is None:
        return [f"expected {cls}, the call succeeded"]
    if not error["bento"]:
        return [f"a {error['type']} escaped, not a bento.BentoError: {error['repr']}"]
    if error["variant"] == "Internal":
        return [f"an internal error (a bug caught at the boundary): {error['str']}"]
    f, variant = error["fields"], error["variant"]
    ok = {
        "any_error": lambda: True,
        "invalid_input": lambda: variant == "InvalidInput",
        "not_authorized": lambda: variant == "NotAuthorized",
        "rate_limit": lambda: variant == "RateLimited"
        and _retry_after_matches(expect["retry_after"], f.get("retry_after_secs")),
        "api": lambda: variant == "Api" and f.get("status") == expect["status"]
        and _retry_after_matches(expect["retry_after"], f.get("retry_after_secs"))
        and (served["message"] is None or served["message"] in f.get("message", "")),
        "decode": lambda: variant == "Decode" and f.get("status") == expect["status"],
        "transport": lambda: _transport_matches(error, expect["kinds"]),
    }[cls]()
    return [] if ok else [f"expected {expect}, got {error['repr']}"]


def _leak_problems(shared, case, text):
    problems = [f"{needle!r} leaked" for needle in shared["constants"]["needles"] if needle in text]
    if any(c["check"] == "no_piece_of_a_secret" for c in case["checks"]):
        for secret in shared["constants"]["secrets"]:
            pieces = [secret[i:i + 10] for i in range(len(secret) - 9)]
            survived = [p for p in pieces if p in text]
            if survived:
                problems.append(f"a piece of a secret ({survived[0]}) survived")
    return problems


def _check_problems(case, result):
    problems = []
    error = result.get("error")
    for check in case["checks"]:
        kind = check["check"]
        if kind == "message_under" and error and len(error["str"]) >= check["chars"]:
            problems.append(f"a message of {len(error['str'])} chars")
        elif kind == "max_rss_growth" and result["rss_growth_bytes"] >= check["bytes"]:
            problems.append(f"peak RSS grew by {result['rss_growth_bytes']} bytes")
        elif kind == "at_least" and result["took_secs"] * 1000 < check["ms"]:
            problems.append(f"took only {result['took_secs']:.3f} s")
    return problems


def _run(name):
    """Serves case `name`, makes its call in a child; returns (served, result, stats, the
    child's stderr)."""
    server = subprocess.Popen([HOSTILE_BIN, "serve", name], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = server.stdout.readline()
        assert line, f"bento-hostile exited: {server.stderr.read()}"
        served = json.loads(line)
        bound = served["case"]["bound_ms"] / 1000
        job = json.dumps({"served": served, "constants": LIST["constants"]})
        try:
            child = subprocess.run([sys.executable, CHILD], input=job, capture_output=True,
                                   text=True, timeout=bound + 30)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{name}: the call did not return within {bound + 30} s")
        server.stdin.close()
        stats = json.loads(server.stdout.readline())
        server.wait(timeout=10)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert child.returncode == 0, (
        f"{name}: the child process died (exit {child.returncode}): {child.stderr[-2000:]}")
    return served, json.loads(child.stdout.strip().splitlines()[-1]), stats, child.stderr


@pytest.mark.parametrize("name", [c["name"] for c in CASES])
def test_hostile_case(shared, name):
    case = BY_NAME[name]
    if case["python_skip"]:
        pytest.skip(case["python_skip"])
    served, result, stats, stderr = _run(name)
    problems = _outcome_problems(case, served, result)
    if result["took_secs"] * 1000 >= case["bound_ms"]:
        problems.append(f"took {result['took_secs']:.3f} s, bound {case['bound_ms']} ms")
    error = result.get("error")
    seen = result["log"] + stderr + ((error["str"] + " " + error["repr"]) if error else "")
    problems += _leak_problems(shared, case, seen)
    problems += _check_problems(case, result)
    problems += stats["problems"]
    assert not problems, f"{name}: " + "; ".join(problems)
