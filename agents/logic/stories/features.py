"""What story clustering reads of an article: its words, names, places and time.

An article enters as a small dict (`story_input`): the clean text cut to its lead
(the first MAX_TOKENS content words, where reports say what happened) and the entities
its extraction found. Words are lower-cased, stop words dropped and plurals folded, so
'shootings' and 'shooting' count as one term; names are keyed as the event matcher keys
them (surname skeletons for persons, so 'Tara Reid' and 'Reid' agree).
"""

from __future__ import annotations

import math
import re
from collections import Counter

from agents.logic import names
from agents.logic.dedup import parse_timestamp

MAX_TOKENS = 400
TITLE_WEIGHT = 2  # a headline names the happening: its words count as if said twice
MIN_TOKEN = 3

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_STOP_WORDS = """
    about above across after again against all almost also although always among and another any anyone anything
    are around away back because been before being below between both but came can cannot could did does doing done
    down during each either else even ever every few first for from further get gets getting given goes going gone
    got had has have having her here hers herself him himself his how however into its itself just last later least
    less like made make makes many may more most much must near need never new next not now off often once one only
    onto other others our ours out over own per perhaps put rather really said say says saying see seen several shall
    she should since some something still such take than that the their theirs them themselves then there these they
    thing things this those though three through thus till too took toward two under until upon use used very via
    was way ways well went were what when where whether which while who whom whose why will with within without would
    yet you your yours told according also year years day days week weeks month months time times today yesterday
    tomorrow monday tuesday wednesday thursday friday saturday sunday january february march april june july august
    september october november december mr mrs ms dr people news report reports reported reporting
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())


def stem(word: str) -> str:
    """Plural and possessive endings off: enough to make a report's 'quakes' meet another's 'quake'."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokens(text: str) -> list[str]:
    words = (names.fold(word) for word in _WORD.findall(text.lower()))
    return [stem(word) for word in words if len(word) >= MIN_TOKEN and word not in STOP_WORDS]


def term_weights(title: str | None, body: str | None) -> dict[str, float]:
    """Sublinear term frequencies (1 + ln tf) of the headline (counted TITLE_WEIGHT times) and the lead."""
    counts = Counter(tokens(body or "")[:MAX_TOKENS])
    for term in tokens(title or ""):
        counts[term] += TITLE_WEIGHT
    return {term: 1.0 + math.log(count) for term, count in counts.items()}


def entity_keys(entities: list[dict]) -> tuple[dict[str, list], dict[str, list]]:
    """(names, places): key -> [weight, display form]. Persons by surname, organisations by their key."""
    found_names: dict[str, list] = {}
    found_places: dict[str, list] = {}
    for entity in entities:
        kind, name = entity["kind"], entity["name"]
        weight = 1.0 + math.log(entity.get("mentions", 1))
        if kind == "person":
            key = names.person_key(name)
            target, key = found_names, key and "per:" + key[0]
        elif kind in ("organisation", "group"):
            target, key = found_names, "org:" + names.org_key(name)
        elif kind == "place":
            place = entity.get("place") or {}
            target, key = found_places, names.place_key(place.get("canonical") or name)
        else:
            continue
        if key and key not in ("org:",):
            known = target.get(key)
            target[key] = [max(weight, known[0]), known[1]] if known else [weight, name]
    return found_names, found_places


def story_input(clean: dict, extracted: dict) -> dict:
    """The compact record the story stage works on (and the streaming story queue carries)."""
    return {
        "article_id": clean["article_id"],
        "title": clean.get("title"),
        "body": " ".join((clean.get("body") or "").split()[: MAX_TOKENS * 3]),
        "outlet": clean.get("source") or clean.get("url"),
        "published_at": clean.get("published_at"),
        "received_at": clean.get("received_at") or clean.get("published_at"),
        "duplicate_of": extracted.get("duplicate_of"),
        "entities": [
            {key: entity[key] for key in ("name", "kind", "mentions", "place") if key in entity}
            for entity in extracted.get("entities", [])
        ],
    }


def article_features(article: dict) -> dict:
    """Terms, names, places, publication and reception times (POSIX seconds) of a story_input record."""
    found_names, found_places = entity_keys(article["entities"])
    received = parse_timestamp(article["received_at"]).timestamp()
    published = parse_timestamp(article["published_at"]).timestamp() if article["published_at"] else received
    return {
        "terms": term_weights(article["title"], article["body"]),
        "names": found_names,
        "places": found_places,
        "published": published,
        "received": received,
    }
