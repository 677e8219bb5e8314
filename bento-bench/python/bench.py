"""The Python package (bento-ffi) doing the same work as bench-client; prints one JSON line.

    python bench.py import <base_url> [N]   # N typed ImportSubscriber records, chunks of 1000, 4 threads
    python bench.py import-dicts <base_url> [N]  # the same rows as dicts (the natural API), 4 threads
    python bench.py import-json <base_url> [N]  # the same rows as one JSON text per thread
    python bench.py import-async <base_url> [N]  # dicts through AsyncBentoClient: one call, 4 chunks in flight
    python bench.py small <base_url> [N]    # one event, N times sequentially
"""

import asyncio
import json
import resource
import sys
import threading
import time

import bento

CHUNK, CONCURRENCY = 1000, 4


def cpu_ms():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return (r.ru_utime + r.ru_stime) * 1000


def report(loop_cpu, loop_wall, **extra):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"loop_cpu_ms": loop_cpu, "loop_wall_ms": loop_wall, "peak_rss_kib": peak, **extra}))


def row_dict(i):
    return {"email": f"user{i:07d}@example.com", "first_name": f"First{i}", "last_name": f"Last{i}",
            "tags": "imported,newsletter", "plan": ["free", "pro", "team"][i % 3], "company": f"Company {i % 997}",
            "signup_date": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}", "score": i % 100, "vip": i % 10 == 0}


def subscriber(i):
    fields = {"plan": ["free", "pro", "team"][i % 3], "company": f"Company {i % 997}",
              "signup_date": f"2026-{1 + i % 12:02d}-{1 + i % 28:02d}", "score": i % 100, "vip": i % 10 == 0}
    return bento.ImportSubscriber(email=f"user{i:07d}@example.com", first_name=f"First{i}", last_name=f"Last{i}",
                                  tags="imported,newsletter", custom_fields=fields)


def main():
    workload, base_url = sys.argv[1], sys.argv[2]
    config = bento.BentoConfig(publishable_key="pk_bench", secret_key="sk_bench", site_uuid="bench-site",
                               base_url=base_url, retry=bento.disabled_retry_settings())
    client = bento.BentoClient(config)
    if workload == "import-async":
        n = int(sys.argv[3]) if len(sys.argv) > 3 else 100_000
        rows = [row_dict(i) for i in range(n)]
        aclient = bento.AsyncBentoClient(config)
        cpu0, t0 = cpu_ms(), time.perf_counter()
        result = asyncio.run(aclient.import_subscribers_chunked(rows, CHUNK))
        report(cpu_ms() - cpu0, (time.perf_counter() - t0) * 1000, accepted=result.accepted)
    elif workload in ("import", "import-dicts", "import-json"):
        n = int(sys.argv[3]) if len(sys.argv) > 3 else 100_000
        if workload == "import":
            rows = [subscriber(i) for i in range(n)]
            send = lambda part: client.import_subscribers_chunked(part, CHUNK)
        elif workload == "import-dicts":
            rows = [row_dict(i) for i in range(n)]
            send = lambda part: client.import_subscribers_chunked(part, CHUNK)
        else:
            # The same rows as one JSON text per thread; json.dumps is part of the loop.
            rows = [row_dict(i) for i in range(n)]
            send = lambda part: client.import_subscribers_chunked_json(json.dumps(part, separators=(",", ":")), CHUNK)
        per = -(-n // CONCURRENCY)
        parts = [rows[k * per:(k + 1) * per] for k in range(CONCURRENCY)]
        accepted = [0] * CONCURRENCY

        def work(k):
            accepted[k] = send(parts[k]).accepted

        cpu0, t0 = cpu_ms(), time.perf_counter()
        threads = [threading.Thread(target=work, args=(k,)) for k in range(CONCURRENCY)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        report(cpu_ms() - cpu0, (time.perf_counter() - t0) * 1000, accepted=sum(accepted))
    elif workload == "small":
        n = int(sys.argv[3]) if len(sys.argv) > 3 else 10_000
        lat = []
        cpu0, t0 = cpu_ms(), time.perf_counter()
        details = json.dumps({"url": "/pricing"})
        for i in range(n):
            t = time.perf_counter()
            client.track(bento.Event(event_type="$pageView", email=f"user{i:07d}@example.com", details_json=details))
            lat.append((time.perf_counter() - t) * 1e6)
        loop_cpu = cpu_ms() - cpu0
        lat.sort()
        at = lambda q: lat[round((len(lat) - 1) * q)]
        report(loop_cpu, (time.perf_counter() - t0) * 1000, p50_us=at(0.5), p99_us=at(0.99), cpu_us_per_call=loop_cpu * 1000 / n)
    else:
        sys.exit("usage: bench.py <import|small> <base_url> [N]")


if __name__ == "__main__":
    main()
