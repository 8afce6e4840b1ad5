"""The real-broker harness shared by integration tests and benchmarks.

`start_broker` runs the project's own scripts/kafka.sh (Apache Kafka jars from Maven
Central, KRaft, one node on a free port); a `Pipeline` is one isolated wirewatch
deployment on it (own topic prefix, application id and state), with real
`wirewatch` worker processes and plain Kafka clients to read and write its topics.

A broker started with security="sasl_ssl" has one SASL_SSL listener with ACLs enforced:
the harness's own clients connect as the super user, a pipeline's worker and commands as
the user `wirewatch`, granted what a worker needs on the names every test deployment
starts with (TEST_PREFIX). WIREWATCH_TEST_KAFKA_SECURITY (plaintext or sasl_ssl) picks
the security of the session's shared broker; KAFKA_VERSION its Kafka release.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.request import urlopen

import orjson
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from streams import connection, topics
from streams.settings import Settings
from streams.stats import Samples, parse, total

ROOT = Path(__file__).resolve().parents[1]
KAFKA_SCRIPT = ROOT / "scripts" / "kafka.sh"
WIREWATCH = [sys.executable, "-m", "streams"]
_counter = itertools.count(1)
# Every test deployment's topics, consumer group and transactional ids start with this.
TEST_PREFIX = "wirewatch-test-"
WORKER_USER = "wirewatch"


class HarnessError(RuntimeError):
    """The broker or a worker did not come up, or died."""


class Broker(str):
    """A running broker's bootstrap address (a str, as before security existed) that also knows
    how to connect to it: `env(user)` gives the WIREWATCH_* variables for a user, `settings(user)`
    the same as Settings; user None is the super user on a secure broker."""

    state_dir: Path
    security: str

    @property
    def version(self) -> str:
        """The Apache Kafka release it runs."""
        return (self.state_dir / "version").read_text().strip()

    def __new__(cls, bootstrap: str, state_dir: Path, security: str) -> Broker:
        broker = super().__new__(cls, bootstrap)
        broker.state_dir = state_dir
        broker.security = security
        return broker

    @property
    def secure(self) -> bool:
        return self.security == "sasl_ssl"

    def env(self, user: str | None = None) -> dict[str, str]:
        if not self.secure:
            return {"WIREWATCH_BROKER": str(self)}
        return {
            "WIREWATCH_BROKER": str(self),
            "WIREWATCH_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
            "WIREWATCH_KAFKA_CA_FILE": str(self.state_dir / "tls" / "ca.pem"),
            "WIREWATCH_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
            "WIREWATCH_KAFKA_USERNAME": user or "admin",
            "WIREWATCH_KAFKA_PASSWORD_FILE": str(self.state_dir / "users" / f"{user or 'admin'}.password"),
        }

    def settings(self, user: str | None = None, **overrides) -> Settings:
        given = {name.removeprefix("WIREWATCH_").lower(): value for name, value in self.env(user).items()}
        return Settings(**{**given, **overrides})

    def kafka_script(self, *args: str) -> str:
        """Run scripts/kafka.sh on this broker's state (grant-worker, acl...); its stdout."""
        env = {**os.environ, "KAFKA_STATE_DIR": str(self.state_dir)}
        done = subprocess.run([str(KAFKA_SCRIPT), *args], env=env, capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            raise HarnessError(f"kafka.sh {' '.join(args)} failed:\n{done.stderr}")
        return done.stdout


def start_broker(state_dir: Path, security: str | None = None, version: str | None = None) -> Broker:
    """Start a broker keeping its data in state_dir (security: plaintext or sasl_ssl, by default
    WIREWATCH_TEST_KAFKA_SECURITY or plaintext; version: an Apache Kafka release, by default
    KAFKA_VERSION or scripts/kafka.sh's; a restart keeps what it was made with)."""
    security = security or os.environ.get("WIREWATCH_TEST_KAFKA_SECURITY", "plaintext")
    if (state_dir / "security").exists():
        security = (state_dir / "security").read_text().strip()
    env = {**os.environ, "KAFKA_STATE_DIR": str(state_dir), "KAFKA_SECURITY": security}
    if version:
        env["KAFKA_VERSION"] = version
    fresh = not (state_dir / "data" / "meta.properties").exists()
    up = subprocess.run([str(KAFKA_SCRIPT), "up"], env=env, capture_output=True, text=True, timeout=300)
    if up.returncode != 0:
        raise HarnessError(f"the Kafka broker did not start:\n{up.stderr}")
    broker = Broker(up.stdout.strip().splitlines()[-1], state_dir, security)
    if broker.secure and fresh:
        broker.kafka_script("grant-worker", WORKER_USER, TEST_PREFIX)
        broker.kafka_script("grant-subscriber", "subscriber", TEST_PREFIX)
    return broker


def stop_broker(state_dir: Path) -> None:
    env = {**os.environ, "KAFKA_STATE_DIR": str(state_dir)}
    subprocess.run([str(KAFKA_SCRIPT), "down"], env=env, capture_output=True, timeout=120)


def admin_settings(bootstrap: str) -> Settings:
    """How the harness's own clients connect: as the super user on a secure broker."""
    return bootstrap.settings() if isinstance(bootstrap, Broker) else Settings(broker=bootstrap)


def process_tree_cpu(pid: int) -> float:
    """User + system CPU seconds of a process and its children so far; 0 once it is gone."""
    import psutil

    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Pipeline:
    """One isolated wirewatch deployment on the shared broker: its own topics, group and state."""

    def __init__(self, bootstrap: str, workdir: Path, partitions: int = 2, user: str = WORKER_USER):
        n = next(_counter)
        self.bootstrap = bootstrap
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        app_id = f"{TEST_PREFIX}{n}-{os.getpid()}"
        self.prefix = f"{app_id}."
        self.partitions = partitions
        self.admin = admin_settings(bootstrap)
        self.env = {
            **os.environ,
            **(bootstrap.env(user) if isinstance(bootstrap, Broker) else {"WIREWATCH_BROKER": bootstrap}),
            "WIREWATCH_APP_ID": app_id,
            "WIREWATCH_TOPIC_PREFIX": self.prefix,
            "WIREWATCH_PARTITIONS": str(partitions),
            "WIREWATCH_LOG_LEVEL": "info",
        }
        self.workers: list[subprocess.Popen] = []
        # CPU seconds each worker (its own process and its extraction child) used from being ready
        # (start-up, such as loading the spaCy model, left out) until it stopped.
        self.worker_cpu: dict[str, float] = {}

    def topic(self, name: str) -> str:
        return self.prefix + name

    def settings(self) -> Settings:
        """Settings of this deployment for in-process clients (as the super user on a secure broker)."""
        return dataclasses.replace(
            self.admin, topic_prefix=self.prefix, partitions=self.partitions, app_id=self.env["WIREWATCH_APP_ID"]
        )

    def partitions_of(self, topic: str) -> int:
        spec = next(s for s in topics.ALL if self.topic(s.name) == topic)
        return spec.partitions or self.partitions

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*WIREWATCH, *args], env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
        )

    def start_worker(self, name: str = "w1", stages: str | None = None, ready_timeout: float = 120) -> subprocess.Popen:
        log_path = self.workdir / f"{name}.log"
        env = {
            **self.env,
            "WIREWATCH_DATA_DIR": str(self.workdir / f"{name}-state"),
            "WIREWATCH_WEB_PORT": str(free_port()),
        }
        args = ["worker"] + (["--stages", stages] if stages else [])
        log = open(log_path, "wb")  # noqa: SIM115 - the worker writes to it until it stops
        proc = subprocess.Popen(
            [*WIREWATCH, *args], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        proc.log_path = log_path
        proc.name = name
        proc.web_port = int(env["WIREWATCH_WEB_PORT"])
        self.workers.append(proc)
        deadline = time.monotonic() + ready_timeout
        while time.monotonic() < deadline:
            text = log_path.read_text(errors="replace")
            if "[^Worker]: Ready" in text:
                proc.cpu_at_ready = process_tree_cpu(proc.pid)
                return proc
            if proc.poll() is not None:
                raise HarnessError(f"worker {name} exited with {proc.returncode}:\n{text[-4000:]}")
            time.sleep(0.2)
        raise HarnessError(f"worker {name} not ready in {ready_timeout}s:\n{log_path.read_text()[-4000:]}")

    def stop_worker(self, proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 60) -> None:
        if proc.poll() is None:
            used = process_tree_cpu(proc.pid) - getattr(proc, "cpu_at_ready", 0.0)
            self.worker_cpu[proc.name] = self.worker_cpu.get(proc.name, 0.0) + used
            os.killpg(proc.pid, sig)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)

    def stop_all(self) -> None:
        for proc in self.workers:
            self.stop_worker(proc)

    def topic_configs(self, topic: str) -> dict[str, str]:
        """What the broker says of a topic's configuration (every setting, defaults included)."""
        return asyncio.run(self._topic_configs(topic))

    async def _topic_configs(self, topic: str) -> dict[str, str]:
        admin = AIOKafkaAdminClient(**connection.client_kwargs(self.admin, "harness"))
        await admin.start()
        try:
            [response] = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, topic)])
        finally:
            await admin.close()
        [(error_code, error_message, _, _, entries)] = response.resources
        if error_code:
            raise HarnessError(f"describe_configs {topic}: {error_message}")
        return {entry[0]: entry[1] for entry in entries}

    def read(self, name: str, until=lambda messages: False, timeout: float = 60.0) -> list[tuple[bytes | None, bytes]]:
        """Every message on a topic from the beginning, until `until(messages)` holds or time runs out."""
        return asyncio.run(self._read(self.topic(name), until, timeout))

    def read_json(self, name: str, until=lambda values: False, timeout: float = 60.0) -> list[dict]:
        messages = self.read(name, lambda msgs: until([orjson.loads(v) for _, v in msgs]), timeout)
        return [orjson.loads(v) for _, v in messages]

    def read_with_timestamps(self, name: str, timeout: float = 60.0, idle: float = 3.0) -> list[tuple[int, dict]]:
        """(Kafka timestamp in ms, decoded value) of every message on a topic, read until `idle` quiet seconds."""
        records = asyncio.run(
            self._read(self.topic(name), lambda messages: False, timeout, with_timestamps=True, idle=idle)
        )
        return [(timestamp, orjson.loads(value)) for timestamp, value in records]

    def read_to_end(self, name: str, timeout: float = 30.0) -> list[tuple[bytes | None, bytes]]:
        """Every message on a topic from the beginning to its end as of now: all that acknowledged
        producers wrote, without waiting for more (to check that nothing was sent twice)."""
        return asyncio.run(self._read_to_end(self.topic(name), timeout))

    async def _read_to_end(self, topic: str, timeout: float) -> list[tuple[bytes | None, bytes]]:
        consumer = AIOKafkaConsumer(
            **connection.client_kwargs(self.admin, "harness"),
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            group_id=None,
            isolation_level="read_committed",  # what a subscriber sees
        )
        await consumer.start()
        messages: list[tuple[bytes | None, bytes]] = []
        try:
            partitions = [TopicPartition(topic, p) for p in range(self.partitions_of(topic))]
            consumer.assign(partitions)
            await consumer.seek_to_beginning()
            ends = await consumer.end_offsets(partitions)
            async with asyncio.timeout(timeout):
                for partition in partitions:
                    while await consumer.position(partition) < ends[partition]:
                        batch = await consumer.getmany(partition, timeout_ms=200)
                        messages.extend((r.key, r.value) for records in batch.values() for r in records)
        finally:
            await consumer.stop()
        return messages

    def read_records(self, name: str, timeout: float = 60.0, idle: float = 3.0) -> list:
        """Every record on a topic (aiokafka ConsumerRecords: partition, offset, timestamp, headers,
        value), read until `idle` quiet seconds."""
        return asyncio.run(self._read(self.topic(name), lambda records: False, timeout, idle=idle, whole=True))

    async def _read(
        self,
        topic: str,
        until,
        timeout: float,
        with_timestamps: bool = False,
        idle: float | None = None,
        whole: bool = False,
    ) -> list:
        consumer = AIOKafkaConsumer(
            **connection.client_kwargs(self.admin, "harness"),
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            group_id=None,
            isolation_level="read_committed",  # what a subscriber sees
        )
        await consumer.start()
        messages: list[tuple[bytes | None, bytes]] = []
        try:
            deadline = time.monotonic() + timeout
            consumer.assign([TopicPartition(topic, p) for p in range(self.partitions_of(topic))])
            await consumer.seek_to_beginning()
            last_message = time.monotonic()
            while time.monotonic() < deadline and not until(messages):
                if idle is not None and time.monotonic() - last_message > idle:
                    break
                batch = await consumer.getmany(timeout_ms=200)
                if batch:
                    last_message = time.monotonic()
                for records in batch.values():
                    if whole:
                        messages.extend(records)
                    else:
                        messages.extend(((r.timestamp if with_timestamps else r.key), r.value) for r in records)
        finally:
            await consumer.stop()
        return messages


async def _produce(settings: Settings, topic: str, messages: list[tuple[bytes | None, bytes]]) -> None:
    from aiokafka import AIOKafkaProducer

    producer = AIOKafkaProducer(**connection.client_kwargs(settings, "harness"), acks="all", enable_idempotence=True)
    await producer.start()
    try:
        # Queue them all, then wait: the idempotent producer keeps each partition in order.
        sent = [await producer.send(topic, value, key=key) for key, value in messages]
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


def produce(pipeline: Pipeline, name: str, messages: list[tuple[bytes | None, bytes]]) -> None:
    """Write bytes straight onto a topic, bypassing ingest's checks (to poison a stage)."""
    asyncio.run(_produce(pipeline.admin, pipeline.topic(name), messages))


def scrape(port: int) -> Samples:
    """A worker's /metrics."""
    return parse(urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode())


def metric_total(port: int, name: str, **labels: str) -> float:
    """A worker's counter summed over the samples with these labels; 0 while it does not answer
    (starting, or restarting after a kill)."""
    try:
        return total(scrape(port), name, **labels)
    except OSError:
        return 0.0


def latest_versions(events: list[dict]) -> dict[str, dict]:
    latest: dict[str, dict] = {}
    for event in events:
        if event["version"] >= latest.get(event["event_id"], {"version": 0})["version"]:
            latest[event["event_id"]] = event
    return latest
