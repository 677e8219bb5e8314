"""`bento.AsyncBentoClient`: the same API, awaitable from asyncio.

The event loop keeps running while a call waits, many calls can be awaited at once, and
cancelling the awaiting task stops the request (its connection is closed)."""

import asyncio
import copy
import inspect
import pickle
import socket
import threading
import time

import pytest

import bento


@pytest.fixture
def aclient(emulator):
    return bento.AsyncBentoClient(emulator.config())


def run(coro):
    return asyncio.run(coro)


def test_every_api_method_is_a_coroutine_function_with_the_blocking_signature():
    blocking = {n: f for n, f in vars(bento.BentoClient).items()
                if inspect.isfunction(f) and not n.startswith("_")}
    asynchronous = {n: f for n, f in vars(bento.AsyncBentoClient).items()
                    if inspect.isfunction(f) and not n.startswith("_")}
    assert set(blocking) == set(asynchronous)
    sync_only = {"with_deadline", "site_uuid", "base_url"}
    for name, fn in asynchronous.items():
        assert inspect.iscoroutinefunction(fn) == (name not in sync_only), name
        sig_a, sig_b = inspect.signature(fn), inspect.signature(blocking[name])
        assert list(sig_a.parameters) == list(sig_b.parameters), name
        assert [repr(p.default) for p in sig_a.parameters.values()] == \
            [repr(p.default) for p in sig_b.parameters.values()], name


def test_calls_answer_like_the_blocking_client(aclient, client):
    async def main():
        tracked = await aclient.track(bento.Event(event_type="signed_up", email="a@example.com"))
        assert tracked.results == 1
        assert await aclient.get_tags() == client.get_tags()
        assert await aclient.find_subscriber("a@example.com") == \
            client.find_subscriber("a@example.com")
        broadcasts = await aclient.list_broadcasts(status="sent")
        assert broadcasts == client.list_broadcasts(status="sent")
    run(main())


def test_bad_input_raises_and_sends_nothing(aclient, emulator):
    async def main():
        with pytest.raises(bento.BentoError.InvalidInput) as err:
            await aclient.track(bento.Event(event_type="x", email="not an email"))
        assert err.value.field == "events[0].email"
        with pytest.raises(bento.BentoError.InvalidInput) as err:
            await aclient.import_subscribers_chunked([{"email": "a@example.com", "n": 2**70}])
        assert err.value.field == "subscribers[0].n"
    run(main())
    assert emulator.requests() == []


def test_chunked_helpers_take_generators_dicts_and_a_progress_callable(aclient, emulator):
    seen = []

    async def main():
        rows = ({"email": f"g{i}@example.com", "plan": "pro"} for i in range(25))
        report = await aclient.import_subscribers_chunked(rows, chunk_size=10,
                                                          on_progress=seen.append)
        assert (report.accepted, report.chunks, report.is_complete) == (25, 3, True)
        events = await aclient.track_events_chunked(
            {"event_type": "x", "email": f"e{i}@example.com"} for i in range(3))
        assert events.accepted == 3
    run(main())
    # The async client sends chunks concurrently after the first, so they may finish in any
    # order: every chunk is reported, the counts only grow.
    assert [p.chunks_done for p in seen] == [1, 2, 3]
    done = [p.records_done for p in seen]
    assert done == sorted(done) and done[0] == 10 and done[-1] == 25 and seen[-1].accepted == 25


def test_the_loop_keeps_ticking_during_a_one_second_call(aclient, emulator):
    emulator.fault({"kind": "latency", "ms": 1000}, path="/fetch/tags")

    async def main():
        ticks = 0
        done = False

        async def ticker():
            nonlocal ticks
            while not done:
                ticks += 1
                await asyncio.sleep(0.01)

        task = asyncio.create_task(ticker())
        started = time.monotonic()
        await aclient.get_tags()
        took = time.monotonic() - started
        done = True
        await task
        return ticks, took

    ticks, took = run(main())
    assert took >= 0.9
    # ~100 ticks of 10 ms in a 1 s call; a blocked loop ticks once.
    assert ticks >= 50, ticks


def test_a_hundred_concurrent_calls_take_about_one_calls_time(aclient, emulator):
    emulator.fault({"kind": "latency", "ms": 1000}, path="/fetch/tags")

    async def main():
        started = time.monotonic()
        results = await asyncio.gather(*(aclient.get_tags() for _ in range(100)))
        return results, time.monotonic() - started

    results, took = run(main())
    assert len(results) == 100 and all(r == [] or isinstance(r, list) for r in results)
    assert took < 3.0, took  # one after another: 100 s


class _SilentServer:
    """A TCP server that reads one request, never answers, and notes when the client hangs up."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1)
        self.base_url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.accepted = threading.Event()
        self.closed_after = None
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        conn, _ = self.sock.accept()
        self.accepted.set()
        started = time.monotonic()
        conn.settimeout(10)
        try:
            while conn.recv(4096):
                pass
            self.closed_after = time.monotonic() - started
        except OSError:
            pass
        finally:
            conn.close()
            self.sock.close()


def test_cancelling_the_task_stops_the_request(emulator):
    server = _SilentServer()
    client = bento.AsyncBentoClient(emulator.config(base_url=server.base_url, timeout_secs=30.0))

    async def main():
        task = asyncio.create_task(client.get_tags())
        await asyncio.get_running_loop().run_in_executor(None, server.accepted.wait, 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    run(main())
    server.thread.join(5)
    # Without the cancellation the request would have waited out the 30 s timeout.
    assert server.closed_after is not None and server.closed_after < 3, server.closed_after


def test_a_timeout_around_a_call_cancels_it(emulator):
    server = _SilentServer()
    client = bento.AsyncBentoClient(emulator.config(base_url=server.base_url, timeout_secs=30.0))

    async def main():
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(client.get_tags(), 0.3)

    run(main())
    server.thread.join(5)
    assert server.closed_after is not None and server.closed_after < 3, server.closed_after


def test_errors_and_deadlines_are_the_blocking_clients(aclient, emulator):
    emulator.fault({"kind": "status", "status": 401}, path="/fetch/tags", remaining=1)
    emulator.fault({"kind": "latency", "ms": 2000}, path="/fetch/fields")

    async def main():
        with pytest.raises(bento.BentoError.NotAuthorized):
            await aclient.get_tags()
        short = aclient.with_deadline(0.5)
        assert isinstance(short, bento.AsyncBentoClient)
        started = time.monotonic()
        with pytest.raises(bento.BentoError):
            await short.get_fields()
        return time.monotonic() - started

    assert run(main()) < 1.5


def test_copies_share_the_client_and_pickling_is_refused(aclient):
    for other in (copy.copy(aclient), copy.deepcopy(aclient)):
        assert run(other.get_tags()) == run(aclient.get_tags())
    with pytest.raises(TypeError, match="AsyncBentoClient cannot be pickled"):
        pickle.dumps(aclient)


def test_from_env_takes_overrides(emulator, monkeypatch):
    monkeypatch.setenv("BENTO_PUBLISHABLE_KEY", emulator.publishable_key)
    monkeypatch.setenv("BENTO_SECRET_KEY", emulator.secret_key)
    monkeypatch.setenv("BENTO_SITE_UUID", emulator.site_uuid)
    monkeypatch.setenv("BENTO_BASE_URL", emulator.base_url)
    client = bento.AsyncBentoClient.from_env(timeout_secs=5.0)
    assert isinstance(client, bento.AsyncBentoClient)
    assert run(client.get_tags()) == []
    assert bento.AsyncBentoClient.from_env().site_uuid() == emulator.site_uuid


def test_one_client_serves_several_event_loops(aclient):
    # The runtime is the library's, not the loop's: a client outlives asyncio.run().
    for _ in range(3):
        assert run(aclient.get_tags()) == []
    results = []
    threads = [threading.Thread(target=lambda: results.append(run(aclient.get_tags())))
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [[]] * 4


def test_a_forked_child_gets_its_own_runtime_and_client(aclient):
    """A child forked after the shared runtime started (multiprocessing's default on Linux) has
    none of its threads: the client and runtime are rebuilt there, not awaited forever."""
    import os
    run(aclient.get_tags())  # the runtime and the client's pool exist in the parent
    pid = os.fork()
    if pid == 0:  # the child: exit code 0 only if the call answered
        code = 1
        try:
            code = 0 if isinstance(run(asyncio.wait_for(aclient.get_tags(), 10)), list) else 2
        finally:
            os._exit(code)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            assert os.waitstatus_to_exitcode(status) == 0
            break
        time.sleep(0.05)
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        pytest.fail("the forked child's call never answered")
    assert isinstance(run(aclient.get_tags()), list)  # and the parent's still works
