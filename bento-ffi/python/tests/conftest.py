"""pytest fixtures: bento-emulator as a separate process, a client, and admin helpers."""

import json
import os
import subprocess
import urllib.request

import pytest

import bento


class Emulator:
    """A running bento-emulator process and its admin API (`/__emulator/...`)."""

    def __init__(self, proc, info):
        self.proc = proc
        self.base_url = info["base_url"]
        self.admin_url = info["admin_url"]
        self.publishable_key = info["publishable_key"]
        self.secret_key = info["secret_key"]
        self.site_uuid = info["site_uuid"]

    def _admin(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.admin_url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=10) as resp:
            return json.loads(resp.read() or b"null")

    def fault(self, action, path="", method=None, match="prefix", remaining=None):
        rule = {"path": path, "match": match, "action": action}
        if method:
            rule["method"] = method
        if remaining is not None:
            rule["remaining"] = remaining
        return self._admin("POST", "/faults", rule)

    def clear_faults(self):
        self._admin("DELETE", "/faults")

    def requests(self):
        return self._admin("GET", "/requests")["requests"]

    def state(self):
        return self._admin("GET", "/state")

    def reset(self):
        self._admin("POST", "/reset")

    def config(self, **overrides):
        args = dict(
            publishable_key=self.publishable_key,
            secret_key=self.secret_key,
            site_uuid=self.site_uuid,
            base_url=self.base_url,
            timeout_secs=10.0,
            retry=bento.RetrySettings(base_delay_secs=0.01, max_delay_secs=0.05),
        )
        args.update(overrides)
        return bento.BentoConfig(**args)


@pytest.fixture(scope="session")
def emulator():
    binary = os.environ.get("BENTO_EMULATOR_BIN")
    if not binary or not os.path.exists(binary):
        pytest.fail("set BENTO_EMULATOR_BIN to a built bento-emulator binary (run-tests.sh does)")
    proc = subprocess.Popen(
        [binary, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        line = proc.stdout.readline()
        if not line:
            pytest.fail("bento-emulator exited without printing its address")
        yield Emulator(proc, json.loads(line))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(autouse=True)
def fresh(emulator):
    """Every test starts from the fixture state with no faults."""
    emulator.reset()
    emulator.clear_faults()
    yield
    emulator.clear_faults()


@pytest.fixture
def client(emulator):
    return bento.BentoClient(emulator.config())


@pytest.fixture
def no_retry_client(emulator):
    return bento.BentoClient(emulator.config(retry=bento.disabled_retry_settings()))
