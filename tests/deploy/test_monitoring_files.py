"""deploy/prometheus and deploy/grafana stay true to the code: every metric the alert rules
and the dashboard name is one the services export, and Prometheus's own file loads the
rules and scrapes the three services.

What the services export is read from the code itself: the counters and histograms the
shared runtime registers, and the gauges each service's state reader returns over its own
freshly migrated (empty) database.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import REGISTRY

import services.connection.store.state_gauges as connection_gauges
import services.drawing.store.state_gauges as drawing_gauges
import services.notification.store.state_gauges as notification_gauges
import shared.runtime.metrics  # noqa: F401 (registers the runtime's counters and histograms)
from shared.runtime.config import SERVICE_NAMES
from tests.persistence.service_databases import migrated_sessions

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "deploy" / "prometheus" / "prometheus.yml"
ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "connectability.json"
METRIC_NAME = re.compile(r"\bconnectability_[a-z0-9_]+")
READERS = {
    "connection": connection_gauges.ConnectionStateGauges,
    "drawing": drawing_gauges.DrawingStateGauges,
    "notification": notification_gauges.NotificationStateGauges,
}
# The series names a family of each type exposes.
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    names = {
        family.name + suffix
        for family in REGISTRY.collect()
        if family.name.startswith("connectability_")
        for suffix in SUFFIXES.get(family.type, ("",))
    }
    folder = tmp_path_factory.mktemp("gauges")
    for service in SERVICE_NAMES:
        with migrated_sessions(f"sqlite:///{folder / service}.db", service) as sessions:
            names |= {gauge.name for gauge in READERS[service](sessions)()}
    return names


def alert_rules() -> list[dict[str, Any]]:
    document = yaml.safe_load(ALERTS.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def dashboard_expressions() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def test_the_runtime_and_the_state_readers_export_what_operators_watch(exported: set[str]) -> None:
    assert {
        "connectability_rpc_server_duration_seconds_count",
        "connectability_rate_limit_refusals_total",
        "connectability_sync_lag_seconds",
        "connectability_outbox_pending",
        "connectability_deliveries",
        "connectability_drawing_uploads",
    } <= exported


def test_every_metric_the_alerts_name_is_exported(exported: set[str]) -> None:
    rules = alert_rules()
    named = {name for rule in rules for name in METRIC_NAME.findall(rule["expr"])}
    assert named and named <= exported, sorted(named - exported)


def test_the_alerts_cover_lag_deliveries_outbox_and_stuck_copies() -> None:
    watched = " ".join(rule["expr"] for rule in alert_rules())
    for metric in (
        "connectability_sync_lag_seconds",
        'connectability_deliveries{status="failed"}',
        "connectability_outbox_pending",
        "connectability_outbox_oldest_pending_seconds",
        "connectability_initial_copy_oldest_running_seconds",
    ):
        assert metric in watched
    for rule in alert_rules():
        assert rule["alert"].startswith("Connectability")
        assert rule["labels"]["severity"] in {"warning", "critical"}
        assert rule["annotations"]["summary"]


def test_every_metric_the_dashboard_shows_is_exported(exported: set[str]) -> None:
    named = {name for expr in dashboard_expressions() for name in METRIC_NAME.findall(expr)}
    assert named and named <= exported, sorted(named - exported)
    # And it shows every state gauge: none is exported without a panel.
    state_gauges = {name for name in exported if not name.endswith(("_total", "_bucket", "_sum"))}
    shown = named | {"connectability_rpc_server_duration_seconds_count"}
    assert state_gauges <= shown, sorted(state_gauges - shown)


def test_prometheus_loads_the_rules_and_scrapes_each_service() -> None:
    config = yaml.safe_load(PROMETHEUS.read_text())
    assert [PROMETHEUS.parent / path for path in config["rule_files"]] == [ALERTS]
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    for service in SERVICE_NAMES:
        targets = jobs[f"connectability-{service}"]["static_configs"][0]["targets"]
        assert [target.split(":")[0] for target in targets] == [service]
