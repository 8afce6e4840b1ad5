"""How an enriched event reads in a terminal: one block per event version."""

from __future__ import annotations

from rich.console import Group
from rich.panel import Panel
from rich.text import Text


def _place(location: dict | None) -> str:
    if not location:
        return "place unknown"
    name = location.get("canonical") or location["reported"]
    parts = [name]
    if location.get("admin1") and location["admin1"] != name:
        parts.append(location["admin1"])
    if location.get("country_code"):
        parts.append(location["country_code"])
    where = ", ".join(parts)
    if location.get("lat") is not None:
        where += f" ({location['lat']:.3f}, {location['lon']:.3f})"
    return where


def _time(time: dict | None) -> str:
    if not time:
        return "time unknown"
    span = time["start"] if time["start"] == time["end"] else f"{time['start']} .. {time['end']}"
    return f"{span} ({time['precision']}, from {time['text']!r})"


def _actor(actor: dict) -> str:
    others = [v for v in actor["variants"] if v != actor["name"]]
    return f"{actor['name']} [{actor['role']}]" + (f" aka {', '.join(others)}" if others else "")


def event_panel(event: dict, *, update: bool = False) -> Panel:
    actors = ", ".join(_actor(a) for a in event["actors"]) or "none named"
    lines = [
        Text(event["summary"], style="bold"),
        Text(f"who:   {actors}"),
        Text(f"where: {_place(event['location'])}"),
        Text(f"when:  {_time(event['time'])}"),
        Text(
            f"how sure: {event['certainty']}"
            + (f" (per {'; '.join(event['attributed_to'])})" if event["attributed_to"] else "")
        ),
        Text(
            f"sources: {event['num_articles']} articles from {event['num_sources']} outlets: "
            + ", ".join(sorted({s["outlet"] or s["article_id"] for s in event["sources"]}))
        ),
    ]
    if event.get("casualties"):
        lines.append(Text("casualties: " + ", ".join(f"{k} {v}" for k, v in event["casualties"].items() if v)))
    for conflict in event["conflicts"]:
        values = " vs ".join(f"{v['value']} ({len(v['article_ids'])})" for v in conflict["values"])
        lines.append(Text(f"conflict on {conflict['field']}: {values}", style="yellow"))
    kind = "update" if update else "new"
    title = f"[b]{event['type']}[/b] {event['event_id']} v{event['version']} ({kind})"
    return Panel(Group(*lines), title=title, title_align="left", border_style="cyan" if not update else "green")
