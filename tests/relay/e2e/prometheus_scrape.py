"""A real Prometheus (Debian's prometheus, started here on a free port in a temporary
directory) scrapes a relay running the demo source, and its query API returns the series the
relay promises, with live values; `promtool check metrics` passes on the relay's /metrics."""
import asyncio
import json
import os
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

import websockets

from relay_harness import Relay, check, free_port, get, run, stop_process

CONFIG = """
[[topic]]
match = "demo"
metrics = true
"""

PROMETHEUS = "/usr/bin/prometheus"
PROMTOOL = "/usr/bin/promtool"


def promtool_check(exposition):
    r = subprocess.run([PROMTOOL, "check", "metrics"], input=exposition.encode(), capture_output=True, timeout=30)
    return r.returncode, (r.stdout + r.stderr).decode()


class Prometheus:
    def __init__(self, target_port):
        self.dir = tempfile.mkdtemp(prefix="sluice-prometheus-")
        self.port = free_port()
        config = os.path.join(self.dir, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                    "scrape_configs:\n  - job_name: sluice\n    static_configs:\n"
                    f"      - targets: ['127.0.0.1:{target_port}']\n")
        self.log = open(os.path.join(self.dir, "prometheus.log"), "w")
        self.proc = subprocess.Popen(
            [PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={os.path.join(self.dir, 'data')}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--log.level=warn"],
            stdout=self.log, stderr=subprocess.STDOUT, cwd=self.dir)

    def query(self, expr):
        url = f"http://127.0.0.1:{self.port}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                answer = json.load(r)
        except OSError:
            return None
        check(answer["status"] == "success", f"query {expr}: {answer}")
        return answer["data"]["result"]

    def wait_for(self, expr, predicate, timeout):
        deadline = time.time() + timeout
        result = None
        while time.time() < deadline:
            result = self.query(expr)
            if result and predicate(result):
                return result
            time.sleep(0.5)
        raise AssertionError(f"Prometheus never answered {expr} as expected; last answer {result}")

    def stop(self):
        stop_process(self.proc)
        self.log.close()


def value(result):
    return float(result[0]["value"][1])


async def main(binary):
    relay = Relay(binary, CONFIG, args=("--demo",))
    prometheus = None
    try:
        async with websockets.connect(relay.url("/topics/demo", "ws")) as subscriber:
            for _ in range(20):
                await asyncio.wait_for(subscriber.recv(), 10)
            status, body = get(relay, "/metrics")
            check(status == 200, f"/metrics answered {status}")
            code, problems = promtool_check(body)
            check(code == 0 and problems.strip() == "", f"promtool check metrics: {code} {problems}")

            prometheus = Prometheus(relay.port)
            # Prometheus takes half a minute to start on a busy two-core machine.
            up = await asyncio.to_thread(prometheus.wait_for, 'up{job="sluice"}', lambda r: value(r) == 1, 90)
            check(up[0]["metric"]["instance"] == f"127.0.0.1:{relay.port}", f"the target is the relay: {up}")
            expected = [
                ('sluice_source_messages_total{source="demo"}', lambda v: v > 0),
                ('sluice_topic_messages_published_total{topic="demo"}', lambda v: v > 0),
                ('sluice_messages_received_total{via="source"}', lambda v: v > 0),
                ("sluice_messages_delivered_total", lambda v: v >= 20),
                ('sluice_connections{state="open"}', lambda v: v >= 1),
                ("sluice_delivery_latency_seconds_count", lambda v: v >= 20),
                ("histogram_quantile(0.99, sluice_delivery_latency_seconds_bucket)", lambda v: 0 < v < 10),
                ("sluice_memory_limit_bytes", lambda v: v > 0),
                ('sluice_resource_pressure{resource="memory",state="ok"}', lambda v: v == 1),
                ("sluice_ready", lambda v: v == 1),
                ('sluice_http_requests_total{route="metrics",code="200"}', lambda v: v >= 2),
                ("process_resident_memory_bytes", lambda v: v > 1 << 20),
                ("process_open_fds", lambda v: v > 0),
            ]
            for expr, ok in expected:
                await asyncio.to_thread(prometheus.wait_for, expr, lambda r, ok=ok: ok(value(r)), 20)
            # Counters Prometheus can take a rate of: the demo source's 200 messages a second.
            await asyncio.to_thread(prometheus.wait_for, 'rate(sluice_source_messages_total{source="demo"}[5s])',
                                    lambda r: 100 < value(r) < 400, 20)
    finally:
        if prometheus:
            prometheus.stop()
        relay.stop()


run(main, deadline=150)
