"""The `wirewatch` command: ingest, feeds, worker, process, subscribe."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import sys
from pathlib import Path

import click
import orjson
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from streams.settings import settings

STAGE_MODULES = {
    "clean": "agents.clean",
    "extract": "agents.extract",
    "stories": "agents.stories",
    "dedup": "agents.dedup",
}
# Served by every worker, whichever stages it runs.
WEB_MODULES = ("agents.http_ingest", "streams.web")

err_console = Console(stderr=True)


@click.group()
def main() -> None:
    """wirewatch: raw news articles in, deduplicated enriched events out."""


def _paths_or_urls(ctx: click.Context, param: click.Parameter, sources: tuple[str, ...]) -> tuple[str, ...]:
    from agents.ingest import is_url

    missing = [s for s in sources if not is_url(s) and not Path(s).exists()]
    if missing:
        raise click.BadParameter(f"no such file, folder or http(s) URL: {', '.join(missing)}", ctx, param)
    return sources


@contextlib.contextmanager
def _reaching_the_broker():
    """One clear line instead of a traceback when Kafka cannot be reached or refuses us
    (no broker, TLS, login, a missing ACL); never the password."""
    from aiokafka.errors import KafkaError

    from streams.connection import KafkaAccessError, explain

    try:
        yield
    except (KafkaAccessError, KafkaError) as exc:
        raise click.ClickException(explain(exc, settings)) from None


@main.command()
@click.argument("sources", metavar="PATH|URL...", nargs=-1, required=True, callback=_paths_or_urls)
def ingest(sources: tuple[str, ...]) -> None:
    """Send articles to articles.raw from files, folders and http(s) URLs.

    JSON lines, plain text, HTML, RSS/Atom feeds, IPTC ninjs and NewsML-G2. A URL is
    read by what it serves: a feed as its items, a page as one article, a wire
    document as its items.
    """
    from agents.ingest import ingest as run_ingest

    with _reaching_the_broker():
        summary = asyncio.run(run_ingest(sources, settings, err_console))
    table = Table(title="ingest summary", show_header=True)
    table.add_column("outcome")
    table.add_column("count", justify="right")
    table.add_column("example")
    table.add_row("sent", str(summary.sent), settings.topic("articles.raw"))
    for reason, count in sorted(summary.rejected.items()):
        table.add_row(f"rejected: {reason}", str(count), summary.examples[reason])
    err_console.print(table)
    if summary.total_rejected:
        err_console.print(
            f"{summary.total_rejected} rejected, sent to {settings.topic('articles.dlq')} with the reason"
        )


@main.command()
@click.option(
    "--feeds-file",
    type=click.Path(dir_okay=False),
    default=None,
    help="YAML or TOML file listing the feeds [default: WIREWATCH_FEEDS_FILE]",
)
@click.option("--once", is_flag=True, help="Poll every feed once, print what happened and exit (1 if a feed failed).")
def feeds(feeds_file: str | None, once: bool) -> None:
    """Poll RSS/Atom feeds and wire endpoints on their intervals; send each new item once."""
    from agents.feeds import poll_once, run_feeds
    from agents.logic.feed_state import StateLocked
    from agents.logic.feeds import FeedsFileError, load_feeds

    try:
        configured = load_feeds(feeds_file or settings.feeds_file)
    except FeedsFileError as exc:
        raise click.ClickException(str(exc)) from exc
    logging.basicConfig(level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request; the poller logs one per feed
    try:
        with _reaching_the_broker():
            if not once:
                asyncio.run(run_feeds(configured, settings))
                return
            results = asyncio.run(poll_once(configured, settings))
    except StateLocked as exc:
        raise click.ClickException(str(exc)) from exc
    table = Table(title="feeds polled", show_header=True)
    table.add_column("feed")
    for column in ("sent", "refused", "already sent"):
        table.add_column(column, justify="right")
    table.add_column("outcome", overflow="fold")
    for result in results:
        counts = (str(result.sent), str(result.refused), str(result.already_sent))
        table.add_row(escape(result.feed.name or result.feed.url), *counts, escape(result.outcome))
    err_console.print(table)
    if any(result.error for result in results):
        sys.exit(1)


@main.command()
@click.option(
    "--stages",
    default=",".join(STAGE_MODULES),
    show_default=True,
    help="Comma-separated stages this worker runs.",
)
@click.option("--loglevel", default=settings.log_level, show_default=True)
def worker(stages: str, loglevel: str) -> None:
    """Run the Faust worker with all agents, or a chosen subset."""
    from streams.connection import check_group
    from streams.topics import declare_all

    chosen = [s.strip() for s in stages.split(",") if s.strip()]
    unknown = sorted(set(chosen) - set(STAGE_MODULES))
    if unknown:
        raise click.BadParameter(f"unknown stage(s) {', '.join(unknown)}; choose from {', '.join(STAGE_MODULES)}")
    with _reaching_the_broker():
        asyncio.run(declare_all(settings))
        asyncio.run(check_group(settings))
    for module in [*(STAGE_MODULES[name] for name in chosen), *WEB_MODULES]:
        importlib.import_module(module)
    from faust import Worker

    from streams.app import app

    Worker(app, loglevel=loglevel).execute_from_commandline()


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option(
    "--published-at",
    "published_at",
    default=None,
    help="Publication time for articles that carry none (relative dates resolve against it).",
)
@click.option("--json", "as_json", is_flag=True, help="JSON lines of enriched events on stdout.")
@click.option(
    "--articles",
    "show_articles",
    is_flag=True,
    help="Instead of events, one record per article: its clean text and metadata, the article it copies, its events.",
)
def process(paths: tuple[str, ...], published_at: str | None, as_json: bool, show_articles: bool) -> None:
    """Clean, extract and deduplicate files in one process, no broker: the events a subscriber would end with."""
    from agents.logic.pipeline import process_paths
    from streams.render import article_panel, event_panel

    result = process_paths(paths, settings, published_at=published_at)
    records, panel = (result.article_records, article_panel) if show_articles else (result.events, event_panel)
    if as_json:
        out = sys.stdout.buffer
        for record in records:
            out.write(orjson.dumps(record) + b"\n")
        out.flush()
    else:
        console = Console()
        for record in records:
            console.print(panel(record))
    for refusal in result.refused:
        err_console.print(f"[red]rejected[/] {refusal.origin}: {refusal.reason}: {refusal.error}")
    err_console.print(
        f"{result.articles} articles, {len(result.refused)} rejected, {result.duplicates} duplicates, "
        f"{len(result.events)} events, {len(result.stories)} stories"
    )


@main.command()
@click.option("--type", "types", multiple=True, metavar="T", help="Event type, e.g. killed (repeatable).")
@click.option(
    "--entity", "entities", multiple=True, metavar="NAME", help="Actor id, name or variant, any spelling (repeatable)."
)
@click.option("--country", "countries", multiple=True, metavar="CC", help="Country code, e.g. RU (repeatable).")
@click.option("--place", "places", multiple=True, metavar="NAME", help="Place, town or region name (repeatable).")
@click.option(
    "--certainty",
    "certainties",
    multiple=True,
    metavar="C",
    help="confirmed, reported, alleged, claimed or denied (repeatable).",
)
@click.option(
    "--min-sources", type=int, default=1, show_default=True, metavar="N", help="At least this many distinct outlets."
)
@click.option(
    "--since",
    metavar="WHEN",
    default=None,
    help="Events updated since WHEN: ISO date or date-time, or a duration back such as 2h or 7d. "
    "Starts reading there (wins over --from-beginning).",
)
@click.option(
    "--from-beginning/--from-now",
    default=True,
    show_default=True,
    help="Replay every kept version first, or only show what comes next.",
)
@click.option("--json", "as_json", is_flag=True, help="JSON lines on stdout, for piping.")
@click.option(
    "--idle-exit", type=float, default=None, metavar="S", help="Stop after this many seconds without a new version."
)
@click.option("--stories", is_flag=True, help="Follow the stories (stories.enriched) instead of the events.")
def subscribe(
    types: tuple[str, ...],
    entities: tuple[str, ...],
    countries: tuple[str, ...],
    places: tuple[str, ...],
    certainties: tuple[str, ...],
    min_sources: int,
    since: str | None,
    from_beginning: bool,
    as_json: bool,
    idle_exit: float | None,
    stories: bool,
) -> None:
    """Follow the enriched events: one block per event version, updates showing what changed.

    Each version is shown once; once an event matched the filters, its later versions
    follow even if they no longer match, so what is shown last is each event's latest state.
    With --stories, the stories instead: one block per story version (no filters).
    """
    if stories:
        if types or entities or countries or places or certainties or min_sources != 1 or since:
            raise click.UsageError("--stories takes no event filters (only --from-now, --json, --idle-exit)")
        _follow_stories(from_beginning, as_json, idle_exit)
        return
    from streams.client import EventStream
    from streams.filters import EventFilter, EventGate, FilterError
    from streams.render import event_panel

    try:
        event_filter = EventFilter.build(
            types=types,
            entities=entities,
            countries=countries,
            places=places,
            certainties=certainties,
            min_sources=min_sources,
            since=since,
        )
    except FilterError as exc:
        raise click.UsageError(str(exc)) from exc
    gate = EventGate(event_filter)
    console = Console()
    shown: dict[str, dict] = {}  # event id -> the version shown last, to say what an update changed
    if event_filter.since is not None:
        start = f"since {event_filter.since.isoformat()}"
    else:
        start = "from the beginning" if from_beginning else "from now"

    async def run() -> None:
        stream = EventStream(settings, from_beginning=from_beginning, since=event_filter.since, idle_timeout=idle_exit)
        async with stream:
            err_console.print(f"following {stream.topic} {start}", highlight=False)
            async for event in stream:
                if not gate.admit(event):
                    continue
                if as_json:
                    sys.stdout.buffer.write(orjson.dumps(event) + b"\n")
                    sys.stdout.buffer.flush()
                else:
                    console.print(event_panel(event, shown.get(event["event_id"])))
                    shown[event["event_id"]] = event

    with contextlib.suppress(KeyboardInterrupt, BrokenPipeError), _reaching_the_broker():
        asyncio.run(run())


def _follow_stories(from_beginning: bool, as_json: bool, idle_exit: float | None) -> None:
    from streams.client import subscribe_stories
    from streams.render import story_panel

    console = Console()
    shown: dict[str, dict] = {}

    async def run() -> None:
        err_console.print(f"following {settings.topic('stories.enriched')}", highlight=False)
        async for story in subscribe_stories(settings, from_beginning=from_beginning, idle_timeout=idle_exit):
            if as_json:
                sys.stdout.buffer.write(orjson.dumps(story) + b"\n")
                sys.stdout.buffer.flush()
            else:
                console.print(story_panel(story, shown.get(story["story_id"])))
                shown[story["story_id"]] = story

    with contextlib.suppress(KeyboardInterrupt, BrokenPipeError):
        asyncio.run(run())


@main.command()
@click.option(
    "--url",
    "urls",
    multiple=True,
    metavar="URL",
    help="A worker's metrics endpoint, e.g. http://host:6066 (repeatable) "
    "[default: http://127.0.0.1:WIREWATCH_WEB_PORT/metrics].",
)
@click.option("--json", "as_json", is_flag=True, help="The figures as one JSON object on stdout.")
def stats(urls: tuple[str, ...], as_json: bool) -> None:
    """The pipeline's health at a glance, from the workers' /metrics.

    Per stage messages in, out and dead-lettered with processing p50/p99, end-to-end
    latency, dead letters by reason, deduplication rates, consumer lag, table sizes and
    each worker's heartbeat age. Exits 1 when a worker does not answer.
    """
    from streams.stats import gather, render

    health = gather(list(urls) or [f"http://127.0.0.1:{settings.web_port}/metrics"])
    if as_json:
        sys.stdout.buffer.write(orjson.dumps(health.as_dict()) + b"\n")
    else:
        Console().print(render(health))
    if health.unreachable:
        sys.exit(1)
