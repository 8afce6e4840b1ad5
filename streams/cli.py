"""The `wirewatch` command: ingest, worker, process (and, as they land, subscribe, stats)."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import sys

import click
import orjson
from rich.console import Console
from rich.table import Table

from streams.settings import settings

STAGE_MODULES = {"clean": "agents.clean", "extract": "agents.extract", "dedup": "agents.dedup"}

err_console = Console(stderr=True)


@click.group()
def main() -> None:
    """wirewatch: raw news articles in, deduplicated enriched events out."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
def ingest(paths: tuple[str, ...]) -> None:
    """Send articles from files or folders (JSON lines, plain text, HTML) to articles.raw."""
    from agents.ingest import ingest as run_ingest

    summary = asyncio.run(run_ingest(paths, settings, err_console))
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
    "--stages",
    default=",".join(STAGE_MODULES),
    show_default=True,
    help="Comma-separated stages this worker runs.",
)
@click.option("--loglevel", default=settings.log_level, show_default=True)
def worker(stages: str, loglevel: str) -> None:
    """Run the Faust worker with all agents, or a chosen subset."""
    from streams.topics import declare_all

    chosen = [s.strip() for s in stages.split(",") if s.strip()]
    unknown = sorted(set(chosen) - set(STAGE_MODULES))
    if unknown:
        raise click.BadParameter(f"unknown stage(s) {', '.join(unknown)}; choose from {', '.join(STAGE_MODULES)}")
    asyncio.run(declare_all(settings))
    for name in chosen:
        importlib.import_module(STAGE_MODULES[name])
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
def process(paths: tuple[str, ...], published_at: str | None, as_json: bool) -> None:
    """Clean, extract and deduplicate files in one process, no broker: the events a subscriber would end with."""
    from agents.logic.pipeline import process_paths
    from streams.render import event_panel

    result = process_paths(paths, settings, published_at=published_at)
    if as_json:
        out = sys.stdout.buffer
        for event in result.events:
            out.write(orjson.dumps(event) + b"\n")
        out.flush()
    else:
        console = Console()
        for event in result.events:
            console.print(event_panel(event))
    for refusal in result.refused:
        err_console.print(f"[red]rejected[/] {refusal.origin}: {refusal.reason}: {refusal.error}")
    err_console.print(
        f"{result.articles} articles, {len(result.refused)} rejected, {result.duplicates} duplicates, "
        f"{len(result.events)} events"
    )


@main.command()
@click.option("--json", "as_json", is_flag=True, help="JSON lines on stdout, for piping.")
@click.option(
    "--from-beginning/--from-now",
    default=True,
    show_default=True,
    help="Replay every kept version first, or only show what comes next.",
)
@click.option("--idle-exit", type=float, default=None, help="Stop after this many seconds without a new version.")
def subscribe(as_json: bool, from_beginning: bool, idle_exit: float | None) -> None:
    """Follow the enriched events: one block per event version, updates marked as such."""
    from streams.client import subscribe as follow
    from streams.render import event_panel

    console = Console()
    seen: set[str] = set()

    async def run() -> None:
        async for event in follow(settings, from_beginning=from_beginning, idle_timeout=idle_exit):
            if as_json:
                sys.stdout.buffer.write(orjson.dumps(event) + b"\n")
                sys.stdout.buffer.flush()
            else:
                console.print(event_panel(event, update=event["event_id"] in seen))
            seen.add(event["event_id"])

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run())
