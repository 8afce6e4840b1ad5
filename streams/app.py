"""The Faust application and its topic handles.

Messages travel as raw bytes (JSON encoded with orjson): the stages decode and
validate them themselves, so that a message that fails either step reaches the
dead-letter topic with its original bytes instead of crashing the agent.
"""

from __future__ import annotations

import math

import faust

from streams import connection, topics, transport
from streams.http_server import application_options
from streams.monitor import RebalanceMonitor, metrics_page
from streams.settings import settings
from streams.worker_gauges import sample_worker_gauges

app = faust.App(
    settings.app_id,
    **connection.faust_options(settings),
    store="rocksdb://",  # served by rocksdict (RocksDB 8) when python-rocksdb is absent
    datadir=settings.data_dir,
    autodiscover=False,
    topic_partitions=settings.partitions,
    topic_replication_factor=settings.replication,
    processing_guarantee=settings.processing_guarantee,
    producer_acks=-1,
    # Up to 5 ms to fill a batch: fewer produce requests, which cost the broker per request
    # (its request handling and metrics, seen with JFR). In paired runs of one worker flat
    # out: broker CPU -10 %, worker CPU -5 %, throughput +7 %; a few ms more per hop.
    producer_linger=0.005,
    # POST /ingest sends whole raw articles, up to the body limit (articles.raw allows as much).
    producer_max_request_size=settings.max_raw_message_bytes,
    consumer_auto_offset_reset="earliest",
    web_host="0.0.0.0",
    web_bind=settings.web_bind,
    web_port=settings.web_port,
    web_application_options=application_options(settings),
    web_in_thread=False,
    table_cleanup_interval=60.0,
    # Extraction can take a while on a long article: keep the consumer in the group.
    broker_max_poll_interval=600.0,
)
# Before any topic is declared: topics and tables reach the transport as they are made.
app.transport = transport.Transport(app.conf.broker_consumer, app)
app.monitor = RebalanceMonitor()
app.page("/metrics")(metrics_page)
app.task(sample_worker_gauges)


def topic(spec: topics.TopicSpec) -> faust.TopicT:
    return app.topic(
        settings.topic(spec.name),
        key_type=bytes,
        value_type=bytes,
        key_serializer="raw",
        value_serializer="raw",
        partitions=topics.partitions_of(spec, settings),
        internal=False,
    )


raw_topic = topic(topics.RAW)
clean_topic = topic(topics.CLEAN)
extracted_topic = topic(topics.EXTRACTED)
events_topic = topic(topics.EVENTS)
dlq_topic = topic(topics.DLQ)
article_index_topic = topic(topics.ARTICLE_INDEX)
extract_queue_topic = topic(topics.EXTRACT_QUEUE)
mentions_topic = topic(topics.MENTIONS)
stories_topic = topic(topics.STORIES)
story_queue_topic = topic(topics.STORY_QUEUE)


def per_article_table(name: str, partitions: int | None = None) -> faust.Table:
    """A table of one small entry per article id that nothing else deletes, kept for the dedup
    window after an entry's last write: RocksDB drops older entries as it compacts (so one
    may be read a little longer), and the changelog deletes its segments that much older,
    so neither the disk nor a recovery grows with every article ever seen. What it answers
    about an older article no longer matters: its events and its index entry are gone."""
    window_seconds = math.ceil(settings.dedup_window_days * 86400)
    return app.Table(
        name,
        default=None,
        partitions=partitions,
        options={"ttl": window_seconds},
        extra_topic_configs={"cleanup.policy": "compact,delete", "retention.ms": str(window_seconds * 1000)},
    )
