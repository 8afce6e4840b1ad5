"""Where and when an event happened: the place and date expression nearest its trigger."""

from __future__ import annotations

from dataclasses import replace
from typing import NamedTuple

from spacy.tokens import Doc, Span, Token

from . import taxonomy as tx
from .entities import ArticleEntities, Mention, origin_of_person
from .gazetteer import Place, gazetteer
from .timex import TimeExpr

LOCATIVE = frozenset({"in", "near", "at", "outside", "on", "around", "inside"})
# Nouns a place name may modify without the place being beside the point ("a Moscow airport").
PLACE_HEADS = frozenset({"village", "town", "city", "district", "airport", "border", "outskirts", "region"})
# How many words up from its preposition an unlisted place may still locate the trigger.
UNLISTED_REACH = 5
# Nouns for a way between two places: an event "on the road from X to Y" is at neither end.
ROUTE_NOUNS = frozenset({"road", "highway", "motorway", "route", "railway", "track", "way"})
# "in the same province": which kind of place the anaphor means.
ANAPHOR_PRECISION = {
    "province": "region",
    "region": "region",
    "republic": "region",
    "district": "district",
    "town": "town",
    "city": "town",
    "village": "town",
}


class Where(NamedTuple):
    reported: str
    place: Place
    approximate: bool = False  # "near X": no sharper than what it qualifies


def place_for(trigger: Token, sent: Span, entities: ArticleEntities, foreign: set[int]) -> Where | None:
    """The gazetteer place nearest the trigger, preferring 'in X' to 'from X' and towns to the
    region around them; several towns in a row ('in Nalchik and Baksan') give their region.
    Places inside the phrase of another event of the sentence (the trigger indices in
    'foreign': 'chose a leader after the death of X in Nalchik') are not this event's."""
    doc = trigger.doc
    candidates = [
        (m, e)
        for m, e in entities.places_between(sent.start, sent.end)
        if e.place is not None
        and not governed_by(doc[m.start : m.end].root, foreign)
        and not _in_reason(doc[m.start : m.end].root, trigger)
    ]
    if not candidates:
        return _anaphoric_place(sent, entities)

    def cost(item: tuple[Mention, object]) -> float:
        mention = item[0]
        root = doc[mention.start : mention.end].root
        score = abs(mention.start - trigger.i)
        if _origin(root):
            score += 25  # where someone comes from ("from X", "Adam Elmurzayev of X"), not where it happened
        elif root.dep_ in ("nsubj", "dobj", "dative") and root.head.lemma_ in tx.REPORTING_LEMMAS:
            score += 25  # who said it or was told it ("police told Grozny Today that ..."), not where
        elif root.dep_ == "pobj" and root.head.lower_ in LOCATIVE:
            score -= 3
        if (
            root.dep_ in ("poss", "compound")
            and entities.at(root.head.i) is None
            and root.head.lemma_ not in PLACE_HEADS
        ):
            score += 15  # "Dagestan's Interior Ministry", "the Khasavyurt sector"
        return score

    ranked = sorted(candidates, key=cost)
    mention, entity = ranked[0]
    place = entity.place
    if place.precision in ("region", "country", "district"):
        outer = place
        for inner_mention, inner_entity in ranked[1:]:
            if within(inner_entity.place, outer):
                mention, place = inner_mention, inner_entity.place
                break
            if _said_inside(doc, inner_mention, mention):
                # The text puts the town inside; the gazetteer's town of that name lies elsewhere,
                # so it is an unlisted homonym: keep its name, take the enclosing area's position.
                mention, place = (
                    inner_mention,
                    replace(
                        inner_entity.place,
                        admin1=outer.admin1,
                        lat=outer.lat,
                        lon=outer.lon,
                        population=0,
                        geonameid=None,
                    ),
                )
                break
    listed, span = _coordinated(doc[mention.start : mention.end].root, entities)
    if len(listed) < 2:
        listed, span = _route_ends(doc[mention.start : mention.end].root, entities)
    if len(listed) > 1 and (container := gazetteer().common_container(listed)) is not None:
        return Where(span.text, container)
    return Where(mention.text, place, _is_approximate(doc, mention))


def unlisted_place(trigger: Token, sent: Span, entities: ArticleEntities, foreign: set[int]) -> str | None:
    """'in the village of Khasanya' where the gazetteer knows no Khasanya: the name as reported,
    better than a place the article names for something else."""
    doc = trigger.doc
    for mention, entity in entities.places_between(sent.start, sent.end):
        root = doc[mention.start : mention.end].root
        if entity.place is not None or root.dep_ != "pobj" or governed_by(root, foreign):
            continue
        holder = root.head.head if root.head.lower_ == "of" and root.head.head.lemma_ in PLACE_HEADS else root
        if holder.dep_ == "pobj" and holder.head.lower_ in LOCATIVE and _locates(holder.head, trigger):
            return mention.text
    return None


def _locates(prep: Token, trigger: Token) -> bool:
    """The phrase hangs on the trigger, directly or through a few words ('killed in a shootout with
    police in the village of X'), not deep inside another phrase ('resigned after a week of
    protests over a raid in the village of X')."""
    return trigger in list(prep.ancestors)[:UNLISTED_REACH]


def _origin(root: Token) -> bool:
    """Where someone comes from: 'rescue teams from Kathmandu', 'Adam Elmurzayev of Shali'."""
    return root.dep_ == "pobj" and (root.head.lower_ == "from" or origin_of_person(root))


def _in_reason(token: Token, trigger: Token) -> bool:
    """'jailed for fighting in Syria': a place in the reason given for the event is where the
    offence happened, not where the event did."""
    for ancestor in token.ancestors:
        if ancestor.i == trigger.i:
            return False
        if ancestor.dep_ == "prep" and ancestor.lower_ == "for" and ancestor.head.i == trigger.i:
            return True
    return False


def _said_inside(doc: Doc, inner: Mention, outer: Mention) -> bool:
    """'the town of Casiguran in Aurora province': the text puts the town inside, whatever the
    gazetteer's homonyms say."""
    root = doc[outer.start : outer.end].root
    if not (root.dep_ == "pobj" and root.head.lower_ == "in"):
        return False
    holder = root.head.head
    if inner.start <= holder.i < inner.end:
        return True
    return holder.lemma_ in PLACE_HEADS and any(
        c.lower_ == "of" and any(inner.start <= o.i < inner.end for o in c.children) for c in holder.children
    )


def _coordinated(root: Token, entities: ArticleEntities) -> tuple[list[Place], Span]:
    """Distinct places in one coordination: 'Dagestan, Chechnya, Ingushetia and Kabardino-Balkaria'."""
    head = root
    while head.dep_ == "conj" and head.head.i != head.i:
        head = head.head
    places: list[Place] = []
    tokens = [head, *head.conjuncts]
    for token in tokens:
        named = [token]
        if entities.at(token.i) is None and token.lemma_ in PLACE_HEADS:  # "the town of Baksan"
            named += [o for p in token.children if p.lower_ == "of" for o in p.children if o.dep_ == "pobj"]
        for t in named:
            entity = entities.at(t.i)
            if entity is not None and entity.place is not None and entity.place not in places:
                places.append(entity.place)
    return places, root.doc[head.i : max(t.right_edge.i for t in tokens) + 1]


def _route_ends(root: Token, entities: ArticleEntities) -> tuple[list[Place], Span]:
    """'on the road from Makhachkala to Sulak': the event lies between the two ends, somewhere in
    what contains both."""
    prep = root.head
    route = prep.head
    if root.dep_ != "pobj" or prep.lower_ not in ("from", "to", "between") or route.lemma_ not in ROUTE_NOUNS:
        return [], root.doc[root.i : root.i + 1]
    places: list[Place] = []
    ends = [o for p in route.children if p.lower_ in ("from", "to", "between") for o in p.children]
    for token in [t for end in ends for t in (end, *end.conjuncts)]:
        entity = entities.at(token.i)
        if entity is not None and entity.place is not None and entity.place not in places:
            places.append(entity.place)
    return places, root.doc[route.i : route.right_edge.i + 1]


def _is_approximate(doc: Doc, mention: Mention) -> bool:
    root = doc[mention.start : mention.end].root
    return root.dep_ == "pobj" and root.head.lower_ in ("near", "outside", "around")


def _anaphoric_place(sent: Span, entities: ArticleEntities) -> Where | None:
    """'in the same province': the last place of that kind named before."""
    for token in sent:
        if token.lower_ == "same" and token.head.lower_ in ANAPHOR_PRECISION:
            wanted = ANAPHOR_PRECISION[token.head.lower_]
            earlier = entities.places_between(0, sent.start)
            for mention, entity in reversed(earlier):
                if entity.place is not None and entity.place.precision == wanted:
                    return Where(mention.text, entity.place)
    return None


def governed_by(token: Token, foreign: set[int]) -> bool:
    """Does the phrase of another trigger hold the token before any trigger of this event does?"""
    for ancestor in token.ancestors:
        if ancestor.i in foreign:
            return True
        if tx.trigger_type(ancestor) is not None:
            return False
    return False


def within(inner: Place, outer: Place) -> bool:
    """Containment, counting a town as inside a district of the same region (districts are
    only known down to their region)."""
    if outer.contains(inner):
        return True
    return (
        outer.precision == "district"
        and inner.precision == "town"
        and inner.admin1 == outer.admin1
        and inner.country_code == outer.country_code
    )


def compatible(a: Place, b: Place, loose: bool = False) -> bool:
    """Could two places be the site of one event? 'loose' accepts one region (for disasters)."""
    if a.key == b.key or within(a, b) or within(b, a):
        return True
    return loose and a.admin1 is not None and a.admin1 == b.admin1 and a.country_code == b.country_code


def sharpest(places: list[Where]) -> Where | None:
    """The most specific of an event's places, following one chain of containment."""
    best = places[0] if places else None
    for candidate in places[1:]:
        # "near X" sharpens a country or region, not a district the report already gave.
        if within(candidate.place, best.place) and (not candidate.approximate or best.place.precision != "district"):
            best = candidate
    return best


def refine_in_paragraph(where: Where, paragraph: tuple[int, int], sentence: Span, entities: ArticleEntities) -> Where:
    """A region sharpened to the one town or district the rest of the paragraph names inside it
    ('in Dagestan ... in the village of Karamakhi in Buynaksky district'); the mention's own
    sentence was already weighed by place_for."""
    inner = [
        (m, e)
        for m, e in entities.places_between(*paragraph)
        if e.place is not None
        and within(e.place, where.place)
        and not sentence.start <= m.start < sentence.end
        and not _origin(sentence.doc[m.start : m.end].root)
    ]
    if not inner:
        return where
    chain = sorted({id(e): (m, e) for m, e in inner}.values(), key=lambda c: c[0].start)
    for _, e in chain:
        if not all(within(e.place, o.place) or within(o.place, e.place) or o is e for _, o in chain):
            return where  # several towns: the region is as precise as the report is
    mention, entity = min(chain, key=lambda c: (c[1].place.precision != "town", c[0].start))
    return Where(mention.text, entity.place)


def time_for(trigger: Token, kind: str, times: list[tuple[TimeExpr, Token]], foreign: set[int]) -> TimeExpr | None:
    """The nearest date expression, leaving out the day something was said or published (unless
    saying it is the event), deadlines ('by Wednesday') and dates of another event's phrase."""
    usable = [
        (t, root)
        for t, root in times
        if not t.text.lower().startswith(("by ", "until "))
        and not governed_by(root, foreign)
        and not _is_birth_date(root)
        and (kind in tx.COMMUNICATION_TYPES or not _is_reporting_time(root, trigger))
    ]
    if not usable and trigger.dep_ == "conj" and trigger.head.i in foreign:
        # "on Wednesday dismissed the mayor and named his deputy": the coordinated event shares its date.
        return time_for(trigger.head, kind, times, foreign - {trigger.head.i})
    if not usable:
        return None
    return min(usable, key=lambda item: abs(item[1].i - trigger.i))[0]


def _is_birth_date(root: Token) -> bool:
    """'Magomed Isaev, born in 1988, ...': a date of birth, never the date of the event."""
    head = root.head.head if root.dep_ == "pobj" else root.head
    return head.lower_ == "born" or (head.lemma_ == "birth" and head.pos_ == "NOUN")


def _is_reporting_time(root: Token, trigger: Token) -> bool:
    """'..., the NAK said on Monday', 'in a statement released on Wednesday'."""
    node = root
    for _ in range(5):
        if node.head.i == node.i:
            return False
        node = node.head
        if node.i == trigger.i:
            return False
        if node.lemma_ in tx.REPORT_NOUNS and node.pos_ == "NOUN":
            return True
        if node.pos_ in ("VERB", "AUX") and node.dep_ not in ("acl", "relcl"):
            return node.lemma_ in tx.REPORTING_LEMMAS
    return False


def times_by_sentence(doc: Doc, sentences: list[Span], times: list[TimeExpr]) -> list[list[tuple[TimeExpr, Token]]]:
    out: list[list[tuple[TimeExpr, Token]]] = [[] for _ in sentences]
    starts = [s.start_char for s in sentences]
    for t in times:
        span = doc.char_span(t.start_char, t.end_char, alignment_mode="expand")
        if span is None:
            continue
        index = max(i for i, start in enumerate(starts) if start <= t.start_char)
        out[index].append((t, span.root))
    return out
