"""docker-compose.yml cannot run here (no Docker engine): check it agrees with the code."""

import json
from pathlib import Path

import yaml

from streams.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def test_services_of_the_stack():
    assert set(SERVICES) == {"kafka", "worker", "prometheus", "grafana"}
    assert SERVICES["kafka"]["image"].startswith("apache/kafka:3.9")
    assert SERVICES["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"


def test_worker_environment_names_only_settings_the_code_reads():
    env = SERVICES["worker"]["environment"]
    assert set(env) <= set(Settings.env_names())
    broker_host, broker_port = env["WIREWATCH_BROKER"].split(":")
    assert broker_host == "kafka"
    assert f"PLAINTEXT://{broker_host}:{broker_port}" in SERVICES["kafka"]["environment"]["KAFKA_ADVERTISED_LISTENERS"]
    assert env["WIREWATCH_WEB_PORT"] == str(Settings().web_port)
    assert f"{env['WIREWATCH_WEB_PORT']}:{env['WIREWATCH_WEB_PORT']}" in SERVICES["worker"]["ports"]


def test_prometheus_scrapes_the_worker_metrics_port():
    volume = SERVICES["prometheus"]["volumes"][0].split(":")[0]
    config = yaml.safe_load((ROOT / volume).read_text())
    (job,) = config["scrape_configs"]
    assert job["metrics_path"] == "/metrics"
    assert job["static_configs"][0]["targets"] == [f"worker:{SERVICES['worker']['environment']['WIREWATCH_WEB_PORT']}"]


def test_grafana_provisions_the_datasource_and_the_dashboard():
    mounts = dict(v.split(":")[:2] for v in SERVICES["grafana"]["volumes"])
    provisioning = ROOT / next(src for src, dst in mounts.items() if dst == "/etc/grafana/provisioning")
    datasource = yaml.safe_load((provisioning / "datasources" / "prometheus.yml").read_text())["datasources"][0]
    assert datasource["url"] == "http://prometheus:9090"
    provider = yaml.safe_load((provisioning / "dashboards" / "wirewatch.yml").read_text())["providers"][0]
    dashboards = ROOT / next(src for src, dst in mounts.items() if dst == provider["options"]["path"])
    dashboard = json.loads((dashboards / "wirewatch.json").read_text())
    uids = {t["datasource"]["uid"] for p in dashboard["panels"] for t in p["targets"]}
    assert uids == {datasource["uid"]}
    assert all(t["expr"].count("wirewatch_") >= 1 for p in dashboard["panels"] for t in p["targets"])
