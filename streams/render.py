"""How enriched events and cleaned articles read in a terminal: one block each."""

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


def _casualties(casualties: dict | None) -> str:
    return ", ".join(f"{kind} {count}" for kind, count in (casualties or {}).items() if count) or "none stated"


def what_changed(previous: dict, event: dict) -> list[str]:
    """What a version changed against an earlier one of the same event, one line per change."""
    changes = []
    for label, show in (
        ("type", lambda e: e["type"]),
        ("where", lambda e: _place(e["location"])),
        ("when", lambda e: _time(e["time"])),
        ("how sure", lambda e: e["certainty"]),
        ("casualties", lambda e: _casualties(e["casualties"])),
    ):
        before, after = show(previous), show(event)
        if before != after:
            changes.append(f"{label}: {before} -> {after}")
    known_actors = {actor["id"] for actor in previous["actors"]}
    changes += [f"new actor: {_actor(a)}" for a in event["actors"] if a["id"] not in known_actors]
    known_conflicts = {conflict["field"] for conflict in previous["conflicts"]}
    new_conflicts = [conflict["field"] for conflict in event["conflicts"] if conflict["field"] not in known_conflicts]
    changes += [f"reports now disagree on {field}" for field in new_conflicts]
    return changes


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _sources(event: dict, previous: dict | None) -> Text:
    known = {source["article_id"] for source in previous["sources"]} if previous else None
    line = Text(f"sources: {_count(event['num_articles'], 'report')} from {_count(event['num_sources'], 'outlet')}: ")
    for n, source in enumerate(sorted(event["sources"], key=lambda s: (s["outlet"] or "", s["article_id"]))):
        if n:
            line.append(", ")
        label = f"{source['outlet'] or source['article_id']} ({source['article_id']})"
        is_new = known is not None and source["article_id"] not in known
        line.append(label + (" NEW" if is_new else ""), style="bold green" if is_new else "")
    return line


def event_panel(event: dict, previous: dict | None = None) -> Panel:
    """One event version; given the version shown before it, an update that says what changed."""
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
        _sources(event, previous),
    ]
    if event.get("casualties"):
        lines.append(Text(f"casualties: {_casualties(event['casualties'])}"))
    for conflict in event["conflicts"]:
        values = " vs ".join(f"{v['value']} ({len(v['article_ids'])})" for v in conflict["values"])
        lines.append(Text(f"conflict on {conflict['field']}: {values}", style="yellow"))
    if previous is not None:
        lines += [Text(f"changed: {change}", style="green") for change in what_changed(previous, event)]
        kind = f"update of v{previous['version']}"
    else:
        kind = "new" if event["version"] == 1 else "latest state"
    title = f"[b]{event['type']}[/b] {event['event_id']} v{event['version']} ({kind})"
    return Panel(Group(*lines), title=title, title_align="left", border_style="green" if previous else "cyan")


def article_panel(record: dict) -> Panel:
    """One article as `process --articles` shows it: what the cleaner kept (title, byline,
    date and where it came from, language, the story text) and what later stages decided."""
    dateline = record.get("dateline")
    lines = [
        Text(record["title"] or "(no title)", style="bold"),
        Text(f"by:        {record['byline'] or 'no byline'}"),
        Text(f"published: {record['published_at']} (from {record['published_at_source']})"),
        Text(f"language:  {record['language']}"),
    ]
    if record.get("site_name") or record.get("source"):
        lines.append(Text(f"outlet:    {record.get('source') or record.get('site_name')}"))
    if record.get("url"):
        lines.append(Text(f"url:       {record['url']}"))
    if dateline:
        lines.append(Text(f"dateline:  {dateline['text']}"))
    if record["duplicate_of"]:
        lines.append(Text(f"copy of:   {record['duplicate_of']}", style="yellow"))
    lines.append(Text(f"story:     {record['story_id']}"))
    lines.append(Text(f"events:    {', '.join(record['event_ids']) or 'none'}"))
    paragraphs = record["body"].split("\n\n")
    lines.append(Text(f"body:      {_count(len(paragraphs), 'paragraph')}, {len(record['body'].split())} words"))
    for paragraph in paragraphs:
        lines += [Text(""), Text(paragraph)]
    return Panel(Group(*lines), title=f"[b]article[/b] {record['article_id']}", title_align="left", border_style="blue")


def story_panel(story: dict, previous: dict | None = None) -> Panel:
    """One story version; given the version shown before it, what it gained."""
    lines = [
        Text(story["headline"] or "(no headline)", style="bold"),
        Text(f"who:   {', '.join(story['names']) or 'none named'}"),
        Text(f"where: {', '.join(story['places']) or 'unknown'}"),
        Text(f"when:  {story['first_seen_at'][:16]} .. {story['last_seen_at'][:16]}"),
        Text(
            f"{story['num_articles']} articles from {len(story['outlets'])} outlets; events: {len(story['event_ids'])}"
        ),
    ]
    if previous is not None:
        gained = story["num_articles"] - previous["num_articles"]
        new_events = [event_id for event_id in story["event_ids"] if event_id not in previous["event_ids"]]
        lines.append(Text(f"changed: +{gained} articles, +{len(new_events)} events", style="green"))
        kind = f"update of v{previous['version']}"
    else:
        kind = "new" if story["version"] == 1 else "latest state"
    title = f"[b]story[/b] {story['story_id']} v{story['version']} ({kind})"
    return Panel(Group(*lines), title=title, title_align="left", border_style="green" if previous else "magenta")
