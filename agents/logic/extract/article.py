"""One clean article in, its extracted record (articles.extracted) out."""

from __future__ import annotations

from datetime import date, datetime

from spacy.language import Language

from .entities import find_entities
from .events import event_dict, find_events
from .gazetteer import gazetteer
from .nlp import load_nlp
from .timex import find_times

SCHEMA_VERSION = 1
# English, and text too short for the clean stage to tell its language ("und"): the model is
# English, and a one-line report ("Gunmen kill a police officer in X") is most often English.
READ_AS_ENGLISH = frozenset({"en", "und"})


# A short article that touches everything extraction builds on first use.
WARM_UP = {
    "article_id": "warm-up",
    "fingerprint": "warm-up",
    "language": "en",
    "published_at": "2026-01-05T10:00:00+00:00",
    "dateline": {"place": "MAKHACHKALA"},
    "body": "Police said two gunmen were killed in Khasavyurt, Dagestan, on Monday.",
}


def prepare(model_name: str) -> Language:
    """Load the model, then extract WARM_UP so that the gazetteer and date parsing are built:
    a worker's first real article then costs what every other one does, instead of seconds."""
    nlp = load_nlp(model_name)
    extract_article(WARM_UP, nlp)
    return nlp


def extract_article(clean: dict, nlp: Language) -> dict:
    """Entities and event mentions of an articles.clean record; English only, others get none."""
    record = {
        "schema_version": SCHEMA_VERSION,
        "article_id": clean["article_id"],
        "source": clean.get("source"),
        "url": clean.get("url"),
        "title": clean.get("title"),
        "published_at": clean.get("published_at"),
        "received_at": clean.get("received_at"),
        "language": clean.get("language") or "und",
        "fingerprint": clean["fingerprint"],
        "duplicate_of": None,
        "entities": [],
        "events": [],
    }
    if record["language"] not in READ_AS_ENGLISH:
        return record
    doc = nlp(clean["body"])
    anchor_text = clean.get("published_at") or clean.get("received_at")
    anchor = _anchor_date(anchor_text)
    dateline_place = (clean.get("dateline") or {}).get("place")
    entities = find_entities(doc, dateline_place)
    dateline = gazetteer().resolve(dateline_place.title(), entities.context) if dateline_place else None
    times = find_times(doc.text, anchor) if anchor else []
    events = find_events(doc, entities, times)
    record["events"] = [
        event_dict(e, f"{clean['article_id']}#{i}", entities, dateline, anchor_text) for i, e in enumerate(events)
    ]
    record["entities"] = [e.as_dict() for e in entities.entities]
    return record


def _anchor_date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        return None
