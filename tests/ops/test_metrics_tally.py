"""ops.metrics.Tally: counts kept in memory and folded later read exactly as direct increments."""

from __future__ import annotations

import os
import time

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from chatmedia.ops.metrics import Tally

SECONDS = (0.001, 0.01, 0.1, 1)
SAMPLES = (0.0005, 0.001, 0.002, 0.05, 0.05, 0.9, 3.0, 0.0)


def _pair(name: str):
    registry = CollectorRegistry()
    counter = Counter(f"{name}_responses", "r", ["cache", "status"], registry=registry)
    histogram = Histogram(f"{name}_seconds", "s", buckets=SECONDS, registry=registry)
    return registry, counter, histogram


def _exposition(registry) -> str:
    text = generate_latest(registry).decode().replace("tallied_", "").replace("direct_", "")
    return "\n".join(line for line in text.splitlines() if "_created" not in line)  # when made


def test_a_fold_gives_what_direct_increments_give():
    direct, d_counter, d_histogram = _pair("direct")
    tallied, t_counter, t_histogram = _pair("tallied")
    tally = Tally()
    for index, seconds in enumerate(SAMPLES):
        labels = ("hit", "200") if index % 3 else ("miss", "404")
        d_counter.labels(*labels).inc()
        d_histogram.observe(seconds)
        tally.count(t_counter, *labels)
        tally.observe(t_histogram, seconds)
    assert _exposition(tallied) != _exposition(direct)  # nothing reaches the metric before a fold
    tally.fold()
    assert _exposition(tallied) == _exposition(direct)
    tally.fold()  # a second fold adds nothing
    assert _exposition(tallied) == _exposition(direct)


def test_the_timer_thread_folds_on_its_own(settings):
    settings.METRICS_FOLD_SECONDS = 0.05
    _, counter, _ = _pair("timer")
    tally = Tally()
    tally.count(counter, "hit", "200")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and counter.labels("hit", "200")._value.get() != 1:
        time.sleep(0.02)
    assert counter.labels("hit", "200")._value.get() == 1


def test_a_forked_child_starts_empty_and_folds_its_own():
    _, counter, _ = _pair("fork")
    tally = Tally()
    tally.count(counter, "hit", "200")
    pid = os.fork()
    if pid == 0:  # the child: the parent's pending count is not its to fold
        tally.fold()
        os._exit(0 if counter.labels("hit", "200")._value.get() == 0 else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    tally.fold()
    assert counter.labels("hit", "200")._value.get() == 1
