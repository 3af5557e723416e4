"""deploy/prometheus/chatmedia-alerts.yml: valid YAML, the seed's three alerts, and only metric names
that /metrics really exports (a renamed metric would silently disable an alert)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from django.test import Client

RULES = Path(__file__).resolve().parents[2] / "deploy" / "prometheus" / "chatmedia-alerts.yml"


def test_alert_rules_use_exported_metrics(db):
    rules = [rule for group in yaml.safe_load(RULES.read_text())["groups"] for rule in group["rules"]]
    by_name = {rule["alert"]: rule["expr"] for rule in rules}
    # the seed's thresholds: upload failures > 10 %, storage > 80 %, cache > 90 %
    assert "> 0.10" in by_name["ChatmediaUploadFailuresHigh"]
    assert "> 0.80" in by_name["ChatmediaTenantStorageHigh"]
    assert "> 0.90" in by_name["ChatmediaCacheAlmostFull"]
    exported = Client().get("/metrics").content.decode()
    families = set(re.findall(r"^# TYPE (\w+) ", exported, re.MULTILINE))
    # exported once something happened / only with Redis (names fixed in chatmedia/ops/metrics.py)
    families |= {"chatmedia_cache_used_bytes", "chatmedia_cache_max_bytes", "chatmedia_uploads"}
    for rule in rules:
        used = set(re.findall(r"\b(chatmedia_\w+)", rule["expr"]))
        assert used, rule["alert"]
        for metric in used:
            assert metric.removesuffix("_total") in families or metric in families, (rule["alert"], metric)
