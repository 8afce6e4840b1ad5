"""Article entities on top of spaCy NER: slip corrections, within-article coreference,
aliases, attributes and gazetteer places.

The statistical model finds name spans; this layer decides what each span is (the model often
calls a village an organisation or a surname a place), groups every mention of one real
entity under its fullest name, and attaches what the text says about a person (age, title,
affiliation).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span, Token

from . import lexicon
from .gazetteer import Context, Place, gazetteer, norm_key
from .nlp import GROUP_LABEL

NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", GROUP_LABEL})
PLACE_NOUNS = frozenset(
    {
        "village",
        "town",
        "city",
        "settlement",
        "hamlet",
        "district",
        "region",
        "republic",
        "province",
        "capital",
        "resort",
        "suburb",
        "county",
        "outskirt",
        "outskirts",
        "vicinity",
        "environs",
    }
)
# A town sets the article's context only when this many times bigger than any homonym elsewhere.
HOMONYM_DOMINANCE = 10
NUMERIC_LABELS = frozenset({"DATE", "TIME", "CARDINAL", "ORDINAL", "MONEY", "PERCENT", "QUANTITY"})
LOCATIVE_PREPS = frozenset({"in", "near", "at", "outside", "from", "around", "across", "into", "towards", "to"})
_AGE = re.compile(r"^\d{1,3}$")
_YEAR_OLD = re.compile(r"(\d{1,3})-year-old\s*$")
_TRAILING_IS = re.compile(r"(?:[\s,]+is)?[\s,]*$")


@dataclass
class Mention:
    start: int
    end: int
    text: str
    kind: str
    canonical: str | None = None  # lexicon name, when the entity ruler matched it
    place: Place | None = None


@dataclass
class Entity:
    name: str
    kind: str
    mentions: list[Mention] = field(default_factory=list)
    attributes: dict = field(default_factory=dict)
    place: Place | None = None

    @property
    def variants(self) -> list[str]:
        seen = {}
        for mention in self.mentions:
            seen.setdefault(mention.text, None)
        return [self.name, *(v for v in seen if v != self.name)]

    def surface(self) -> set[str]:
        """Normalised forms for matching: every variant and, for places, the gazetteer name."""
        forms = {norm_key(v) for v in self.variants}
        if self.place:
            forms.add(norm_key(self.place.name))
        return forms

    def as_dict(self) -> dict:
        out = {"name": self.name, "kind": self.kind, "variants": self.variants, "mentions": len(self.mentions)}
        if self.attributes:
            out["attributes"] = dict(self.attributes)
        if self.kind == "place":
            out["place"] = place_dict(self.place, self.name)
        return out


class ArticleEntities:
    """Every entity of one article, with a token index for the event layer."""

    def __init__(self, entities: list[Entity], context: Context) -> None:
        self.entities = entities
        self.context = context
        self._by_token: dict[int, tuple[Mention, Entity]] = {}
        for entity in entities:
            for mention in entity.mentions:
                for i in range(mention.start, mention.end):
                    self._by_token[i] = (mention, entity)

    def at(self, index: int) -> Entity | None:
        found = self._by_token.get(index)
        return found[1] if found else None

    def mention_at(self, index: int) -> Mention | None:
        found = self._by_token.get(index)
        return found[0] if found else None

    def places_between(self, start: int, end: int) -> list[tuple[Mention, Entity]]:
        seen, out = set(), []
        for i in range(start, end):
            found = self._by_token.get(i)
            if found and found[1].kind == "place" and id(found[0]) not in seen:
                seen.add(id(found[0]))
                out.append(found)
        return out

    def main_place(self) -> Entity | None:
        places = [e for e in self.entities if e.kind == "place" and e.place]
        return max(places, key=lambda e: (len(e.mentions), -e.mentions[0].start), default=None)


def place_dict(place: Place | None, reported: str) -> dict:
    if place is None:
        return {
            "reported": reported,
            "canonical": None,
            "geonameid": None,
            "admin1": None,
            "country_code": None,
            "lat": None,
            "lon": None,
            "precision": "unknown",
        }
    return {
        "reported": reported,
        "canonical": place.name,
        "geonameid": place.geonameid,
        "admin1": place.admin1,
        "country_code": place.country_code,
        "lat": place.lat,
        "lon": place.lon,
        "precision": place.precision,
    }


def find_entities(doc: Doc, dateline_place: str | None = None) -> ArticleEntities:
    gaz = gazetteer()
    mentions = [m for span in _candidate_spans(doc) if (m := _mention(doc, span)) is not None]
    context = _first_context(mentions, dateline_place)
    person_names = {_last_word(m.text) for m in mentions if m.kind == "person" and len(m.text.split()) > 1}
    placed_texts = {norm_key(m.text) for m in mentions if m.kind == "place" and m.place}
    org_heads = {m.text.split()[0] for m in mentions if m.kind == "organisation" and len(m.text.split()) > 1}
    kept = [m for m in mentions if _settle_kind(doc, m, gaz, context, person_names, placed_texts, org_heads)]
    _agree_on_kinds(kept)
    for mention in kept:
        if mention.kind == "place" and mention.place and _confident(mention.place, mention.text):
            context.add(mention.place)
    for mention in kept:
        if mention.kind == "place":
            mention.place = gaz.resolve(mention.text, context)
    entities = _cluster(doc, kept)
    for entity in entities:
        if entity.kind == "person":
            entity.attributes = _person_attributes(doc, entity, entities)
    return ArticleEntities(entities, context)


# -- spans -------------------------------------------------------------------------------


def _candidate_spans(doc: Doc) -> list[Span]:
    """NER spans worth a look, with hyphen-split names joined and 'Court of X' names completed."""
    ents = _completed_names(doc, [part for e in doc.ents for part in _place_list(doc, e) if part.label_ in NAME_LABELS])
    joined: list[Span] = []
    for ent in ents:
        if joined and _hyphen_joined(doc, joined[-1], ent):
            prev = joined.pop()
            label = "PERSON" if "PERSON" in (prev.label_, ent.label_) else prev.label_
            ent = Span(doc, prev.start, ent.end, label=label)
        elif joined and _org_of_place(doc, joined[-1], ent):
            prev = joined.pop()
            ent = Span(doc, prev.start, ent.end, label="ORG")
        joined.append(ent)
    covered = {i for e in joined for i in range(e.start, e.end)}
    joined.extend(_unlabelled_names(doc, covered))
    joined.extend(_unlabelled_places(doc, covered))
    for token in doc:
        # "the village of Kenzhe", "the town of Urus-Martan": a name the model skipped after a place noun.
        if token.lower_ == "of" and token.i + 1 < len(doc) and token.i > 0 and doc[token.i - 1].lemma_ in PLACE_NOUNS:
            nxt = doc[token.i + 1]
            if nxt.is_title and nxt.i not in covered and nxt.pos_ == "PROPN":
                joined.append(Span(doc, nxt.i, _hyphenated_end(doc, nxt.i + 1), label="GPE"))
    return sorted(joined, key=lambda s: s.start)


def _place_list(doc: Doc, span: Span) -> list[Span]:
    """'Pavlohrad, Dnipropetrovsk' or 'Nove, Kharkiv.' taken as one name (an organisation, a
    title): a place and the region it lies in, each a place the gazetteer knows."""
    commas = [t.i for t in span if t.text == ","]
    if not commas:
        return [span]
    bounds = [span.start, *commas, span.end]
    parts = []
    for start, end in zip(bounds, bounds[1:], strict=False):
        start = start if start == span.start else start + 1
        while end > start and doc[end - 1].is_punct:
            end -= 1
        if end <= start:
            return [span]
        parts.append(Span(doc, start, end, label="GPE"))
    if all(gazetteer().candidates(part.text) for part in parts):
        return parts
    return [span]


def _hyphenated_end(doc: Doc, end: int) -> int:
    """Extend a name over '-Martan' in 'Urus-Martan' (no spaces around the hyphen)."""
    while (
        end + 1 < len(doc)
        and doc[end].text == "-"
        and not doc[end - 1].whitespace_
        and not doc[end].whitespace_
        and doc[end + 1].is_title
    ):
        end += 2
    return end


def _unlabelled_names(doc: Doc, covered: set[int]) -> list[Span]:
    """Runs of two or more proper nouns the model left unlabelled ('Yunus-Bek Yevkurov')."""
    spans, run = [], []
    for token in [*doc, None]:
        joins = (
            token is not None
            and token.i not in covered
            and ((token.pos_ == "PROPN" and token.is_title) or (token.text == "-" and run and not token.whitespace_))
        )
        if joins:
            run.append(token)
            continue
        while run and run[-1].text == "-":
            run.pop()
        if len(doc[run[0].i : run[-1].i + 1].text.split()) >= 2 if run else False:
            spans.append(Span(doc, run[0].i, run[-1].i + 1, label="NAME"))
        run = []
    return spans


def _unlabelled_places(doc: Doc, covered: set[int]) -> list[Span]:
    """'outside his home in Vladikavkaz', 'in a house in Urus-Martan': a proper name after a
    locative preposition that the model left unlabelled (or called a product or a language),
    when the gazetteer knows the name in one region only (not Aksay, a town in Rostov Oblast and a
    village in Dagestan)."""
    spans = []
    for t in doc:
        if not (t.pos_ == "PROPN" and t.is_title and t.dep_ == "pobj" and t.head.lower_ in LOCATIVE_PREPS):
            continue
        start = min([c.i for c in t.children if c.dep_ in ("compound", "punct") and c.i < t.i] + [t.i])
        span = Span(doc, start, t.i + 1, label="GPE")
        if any(i in covered or doc[i].ent_type_ in NUMERIC_LABELS for i in range(start, t.i + 1)):
            continue  # "in March" is a date
        if len({(p.country_code, p.admin1) for p in gazetteer().exact(span.text)}) == 1:
            spans.append(span)
    return spans


def _hyphen_joined(doc: Doc, left: Span, right: Span) -> bool:
    return (
        right.start == left.end + 1
        and doc[left.end].text == "-"
        and not doc[left.end - 1].whitespace_
        and not doc[left.end].whitespace_
    )


def _org_of_place(doc: Doc, left: Span, right: Span) -> bool:
    """'Supreme Court' + 'of' + 'Kabardino-Balkaria' is one organisation name (the model sometimes
    ends the organisation on the 'of')."""
    if left.label_ != "ORG" or right.label_ not in ("GPE", "LOC", "FAC", "PERSON"):
        return False
    if doc[left.end - 1].lower_ == "of":
        return right.start == left.end
    return (
        right.start == left.end + 1 and doc[left.end].lower_ == "of" and doc[left.end - 1].lower_ in lexicon.ORG_HEADS
    )


def _completed_names(doc: Doc, spans: list[Span]) -> list[Span]:
    """Organisation names the model cut short: 'Altai' + 'Metals', 'Republican Party' + 'of Armenia'."""
    out = []
    for span in spans:
        end = span.end
        while (
            end < len(doc)
            and doc[end].pos_ == "PROPN"
            and doc[end].is_title
            and doc[end].ent_type_ in ("", span.label_)
        ):
            end += 1
        if end > span.end and doc[end - 1].lower_ in lexicon.ORG_HEADS:
            span = Span(doc, span.start, end, label="ORG")
        elif (
            span.label_ == "ORG"
            and doc[span.end - 1].lower_ in lexicon.ORG_HEADS
            and end + 1 < len(doc)
            and doc[end].lower_ == "of"
            and doc[end + 1].pos_ == "PROPN"
            and not doc[end + 1].ent_type_
        ):
            last = end + 1
            while last + 1 < len(doc) and doc[last + 1].pos_ == "PROPN" and not doc[last + 1].ent_type_:
                last += 1
            span = Span(doc, span.start, last + 1, label="ORG")
        out.append(span)
    return out


def _mention(doc: Doc, span: Span) -> Mention | None:
    start, end = span.start, span.end
    canonical = span.ent_id_ or None
    if canonical == "place" and any(t.lower_ in ("a", "an") for t in doc[max(0, start - 2) : start]):
        return None  # "a new Caucasus province": a description, not a name
    while (
        start < end
        and (doc[start].lower_ in lexicon.TITLE_WORDS or doc[start].pos_ == "DET")
        and canonical in (None, "place")
    ):
        start += 1
    while end > start and (doc[end - 1].lower_ in ("'s", "’s", "'") or doc[end - 1].is_punct):
        end -= 1
    if start >= end:
        return None
    text = doc[start:end].text
    if not any(w[:1].isupper() for w in re.split(r"[\s-]+", text)) or (
        end - start == 1 and text.lower() in lexicon.NOT_NAMES
    ):
        return None
    label = span.label_
    if canonical in lexicon.GROUPS:
        kind = "group"
    elif canonical in lexicon.ORGANISATIONS:
        kind = "organisation"
    elif canonical == "place":
        kind, canonical = "place", None
    elif label == "PERSON":
        kind = "person"
    elif label == "ORG":
        kind = "group" if set(text.lower().split()) & lexicon.GROUP_WORDS else "organisation"
    elif label == "NAME" and text.split()[-1].lower() in lexicon.GROUP_WORDS:
        kind = "group"  # "the Urus-Martan Mujahideen"
    elif label == "NAME" and text.split()[-1].lower() in lexicon.ORG_HEADS:
        kind = "organisation"  # "Caspian Grain Company", a name the model left unlabelled
    elif label in ("NORP", "NAME"):
        kind = label.lower()
    else:
        kind = "organisation" if text.split()[-1].lower() in lexicon.ORG_HEADS else "place"
    return Mention(start, end, text, kind, canonical)


def _first_context(mentions: list[Mention], dateline_place: str | None) -> Context:
    """Where the article is, from the names the model itself calls places (and the dateline)."""
    gaz, context = gazetteer(), Context()
    if dateline_place and (place := gaz.resolve(dateline_place.title())):
        context.add(place)
    for mention in mentions:
        if mention.kind == "place" or (mention.kind == "norp" and gaz.candidates(mention.text)):
            mention.place = gaz.resolve(mention.text)
            if mention.place and _confident(mention.place, mention.text):
                context.add(mention.place)
    return context


def _confident(place: Place, reported: str) -> bool:
    """Places that may set the article's context: a village or district may not, nor a town with
    a homonym of like size elsewhere (Aksay in Rostov Oblast, Aksay in Dagestan, Aqsay in
    Kazakhstan), which the context is yet to choose among."""
    if place.precision in ("country", "region"):
        return True
    if place.precision != "town" or place.population < 15_000:
        return False
    others = [p.population for p in gazetteer().candidates(reported) if p.admin1 != place.admin1]
    return place.population >= HOMONYM_DOMINANCE * max(others, default=0)


# -- kinds -------------------------------------------------------------------------------


def _settle_kind(
    doc: Doc, m: Mention, gaz, context: Context, person_names: set[str], placed_texts: set[str], org_heads: set[str]
) -> bool:
    """Correct the model's label using lexicons, context cues and the gazetteer; False drops it."""
    if m.canonical:
        return True
    words = m.text.split()
    single = len(words) == 1
    if m.kind != "person" and _person_shaped(words) and not gaz.candidates(m.text):
        m.kind = "person"
        return True
    if m.kind != "person" and len(words) > 1 and not _org_named(words) and _person_cue(doc, m):
        m.kind = "person"  # "Editor-in-chief Murat Sabuncu", "chief executive Ivan Golovaty"
        return True
    if m.kind == "person" and not _person_shaped(words) and (_org_cue(doc, m) or _org_named(words)):
        m.kind = "organisation"  # "miner Steppe Copper", "Temir Steel" (a name ending in an organisation word)
        return True
    if single and _last_word(m.text) in person_names:
        m.kind = "person"
        return True
    if single and m.kind != "place" and m.text in org_heads:
        m.kind = "organisation"
        return True
    cue = _place_cue(doc, m)
    if m.kind == "place":
        if _org_cue(doc, m):
            m.kind, m.place = "organisation", None  # "regional carrier Aurora", not the town of Aurora
        return True
    place = gaz.resolve(m.text, context) if (single or cue or m.kind != "person") else None
    if m.kind in ("norp", "name"):
        # Only an exact gazetteer name turns an adjective-like or unlabelled span into a place.
        if place and gaz.exact(m.text) and (m.kind == "norp" or place.precision in ("region", "country")):
            m.kind, m.place = "place", place
            return True
        return False
    if place is None and _named_place_noun(doc, m):
        m.kind = "place"  # "in the village of Koi-Tash": a place, whether or not the gazetteer knows it
        return True
    if place and (
        cue
        or place.precision in ("region", "country")
        or context.score(place) == 2
        or norm_key(m.text) in placed_texts
        or (place.population >= 100_000 and single)
    ):
        m.kind, m.place = "place", place
        return True
    # A lone capitalised word opening a sentence ("Turnout was ...") is rarely a name.
    return not (m.kind == "person" and single and (doc[m.start].pos_ != "PROPN" or doc[m.start].is_sent_start))


def _agree_on_kinds(mentions: list[Mention]) -> None:
    """One name, one kind: once a name is known as an organisation or group (from the lexicon or
    a cue such as 'miner Steppe Copper'), its other mentions the model called a person, or a
    place the gazetteer does not know ('in Belaruskali's history'), follow."""
    known = {norm_key(m.text): m.kind for m in mentions if m.kind in ("organisation", "group")}
    for m in mentions:
        unknown_place = m.kind == "place" and m.place is None
        if (m.kind == "person" or unknown_place) and norm_key(m.text) in known:
            m.kind = known[norm_key(m.text)]


def _person_shaped(words: list[str]) -> bool:
    if len(words) < 2 or not all(w[0].isupper() for w in words):
        return False
    if words[-1].lower() in lexicon.ORG_HEADS:
        return False
    first = words[0].split("-")[0].lower()
    return first in lexicon.FIRST_NAMES or words[-1].lower().endswith(lexicon.SURNAME_SUFFIXES)


def _person_cue(doc: Doc, m: Mention) -> bool:
    """A name right after a word for what a person is: 'lawmaker X', 'chief executive X'."""
    before = doc[m.start - 1] if m.start else None
    return before is not None and before.lower_ in lexicon.ROLE_NOUNS and not before.is_title


def _org_named(words: list[str]) -> bool:
    """'Temir Steel', 'Altai Metals': a name of several words ending in an organisation word."""
    return len(words) > 1 and words[-1].lower() in lexicon.ORG_HEADS


def _named_place_noun(doc: Doc, m: Mention) -> bool:
    """'the village of X', 'the town of X'."""
    return m.start >= 2 and doc[m.start - 1].lower_ == "of" and doc[m.start - 2].lemma_ in PLACE_NOUNS


def _place_cue(doc: Doc, m: Mention) -> bool:
    """The text itself says this is a place: 'the village of X', 'the provincial capital, X', 'in X'."""
    if _named_place_noun(doc, m):
        return True
    root = doc[m.start : m.end].root
    if root.dep_ == "appos" and root.head.lemma_ in PLACE_NOUNS:
        return True
    if root.dep_ == "pobj" and root.head.lower_ in LOCATIVE_PREPS:
        return True
    if origin_of_person(root):
        return True
    return any(c.dep_ == "conj" and c.ent_type_ in ("GPE", "LOC") for c in root.children) or (
        root.dep_ == "conj" and root.head.ent_type_ in ("GPE", "LOC")
    )


def origin_of_person(root: Token) -> bool:
    """'Adam Elmurzayev of Shali': a name after a person's 'of' is where they come from."""
    if not (root.dep_ == "pobj" and root.head.lower_ == "of"):
        return False
    owner = root.head.head
    return owner.ent_type_ == "PERSON" and owner.pos_ == "PROPN" and root.ent_iob_ != "I"


def _org_cue(doc: Doc, m: Mention) -> bool:
    """'operator Baltgrid', 'Baltgrid's chief executive': an unknown name that is a company."""
    before = doc[m.start - 1] if m.start else None
    if before is not None and (before.lower_ in lexicon.ORG_DESCRIPTORS or before.lower_.endswith("maker")):
        return True  # "operator Baltgrid", "steelmaker Temir Steel"
    after = doc[m.end : m.end + 3]
    return len(after) >= 2 and after[0].lower_ in ("'s", "’s") and after[1].lower_ in lexicon.ORG_POSSESSIONS


def _last_word(text: str) -> str:
    return norm_key(text.split()[-1])


# -- coreference -------------------------------------------------------------------------


def _cluster(doc: Doc, mentions: list[Mention]) -> list[Entity]:
    entities: list[Entity] = []
    by_key: dict[tuple, Entity] = {}
    persons: list[Entity] = []
    abbreviations: dict[str, Entity] = {}
    for m in mentions:
        alias_of = _alias_target(doc, m, entities)
        if alias_of is not None:
            m.kind = "person"
            alias_of.mentions.append(m)
            continue
        if m.kind == "person":
            entity = _person_for(m, persons)
            if entity is None:
                entity = Entity(m.text, "person")
                persons.append(entity)
                entities.append(entity)
            elif len(m.text.split()) > len(entity.name.split()):
                entity.name = m.text
            entity.mentions.append(m)
            continue
        if m.kind == "place":
            key = ("place", m.place.key) if m.place else ("place", norm_key(m.text))
        else:
            key = ("org", m.canonical or norm_key(m.text))
            defined = _abbreviation_target(doc, m, entities)
            if defined is not None:
                abbreviations[m.text] = defined
            known = defined or abbreviations.get(m.text) or _short_form_target(m, entities)
            if known is not None:
                key = next(k for k, e in by_key.items() if e is known)
        entity = by_key.get(key)
        if entity is None:
            entity = by_key[key] = Entity(m.text, m.kind, place=m.place)
            entities.append(entity)
        elif len(m.text) > len(entity.name) and not _is_acronym(m.text):
            entity.name = m.text
        entity.mentions.append(m)
    return entities


def _person_for(m: Mention, persons: list[Entity]) -> Entity | None:
    key = norm_key(m.text)
    for entity in reversed(persons):
        if any(norm_key(x.text) == key for x in entity.mentions):
            return entity
    if len(m.text.split()) == 1:
        # A surname alone refers to the latest person with that surname.
        for entity in reversed(persons):
            if _last_word(entity.name) == key:
                return entity
    return None


def _alias_target(doc: Doc, m: Mention, entities: list[Entity]) -> Entity | None:
    """'Kebekov, also known as Ali Abu Muhammad' / 'whose nom de guerre is Abu Dzhihad'."""
    sent_start = doc[m.start].sent.start
    window = doc[max(sent_start, m.start - 7) : m.start].text.lower()
    window = _TRAILING_IS.sub("", window)
    if not window.endswith(lexicon.ALIAS_CUES):
        return None
    earlier = [
        (x.start, e) for e in entities if e.kind == "person" for x in e.mentions if sent_start <= x.start < m.start
    ]
    return max(earlier, key=lambda item: item[0])[1] if earlier else None


def _abbreviation_target(doc: Doc, m: Mention, entities: list[Entity]) -> Entity | None:
    """'National Antiterrorism Committee (NAK)': the bracketed short form names the entity before it."""
    if not (
        _is_acronym(m.text)
        and m.start >= 2
        and doc[m.start - 1].text == "("
        and m.end < len(doc)
        and doc[m.end].text == ")"
    ):
        return None
    for entity in reversed(entities):
        if entity.kind in ("organisation", "group") and any(x.end == m.start - 1 for x in entity.mentions):
            return entity
    return None


def _short_form_target(m: Mention, entities: list[Entity]) -> Entity | None:
    """'Norvex' after 'Norvex Energy'; an unexplained acronym matching a name's initials."""
    for entity in entities:
        if entity.kind not in ("organisation", "group"):
            continue
        words = entity.name.split()
        if len(words) > 1 and m.text == words[0]:
            return entity
        if _is_acronym(m.text) and len(m.text) > 1 and m.text == "".join(w[0] for w in words if w[0].isupper()):
            return entity
    return None


def _is_acronym(text: str) -> bool:
    return text.isupper() and " " not in text and len(text) <= 6


# -- person attributes -------------------------------------------------------------------


def _person_attributes(doc: Doc, entity: Entity, entities: list[Entity]) -> dict:
    attributes: dict = {}
    for m in entity.mentions:
        age = _age(doc, m)
        if age is not None and "age" not in attributes:
            attributes["age"] = age
        if "title" not in attributes and (role := _role_phrase(doc, m)) is not None:
            attributes["title"] = _phrase_text(role)
            affiliation = _affiliation(role, entities)
            if affiliation:
                attributes["affiliation"] = affiliation
    return attributes


def _age(doc: Doc, m: Mention) -> int | None:
    """'Magomed Gasanov, 30,' / 'aged 30' / 'a 20-year-old student, Alina Yevseyeva'."""
    after = doc[m.end : m.end + 3]
    if len(after) >= 3 and after[0].text == "," and _AGE.match(after[1].text) and after[2].is_punct:
        return _valid_age(after[1].text)
    if len(after) >= 2 and after[0].text == "," and after[1].lower_ == "aged" and m.end + 2 < len(doc):
        return _valid_age(doc[m.end + 2].text)
    before = doc[max(m.start - 12, doc[m.start].sent.start) : m.start].text
    if found := _YEAR_OLD.search(re.sub(r"\s*-\s*", "-", before.split(",")[0] if "," in before else before)):
        return _valid_age(found.group(1))
    return None


def _valid_age(text: str) -> int | None:
    return int(text) if text.isdigit() and 0 < int(text) <= 120 else None


def _role_phrase(doc: Doc, m: Mention) -> Token | None:
    """The common noun that says what the person is: an apposition or a title before the name."""
    root = doc[m.start : m.end].root
    for child in root.children:
        if child.dep_ == "appos" and child.lemma_ in lexicon.ROLE_NOUNS and not (m.start <= child.i < m.end):
            return child
    if root.dep_ == "appos" and root.head.lemma_ in lexicon.ROLE_NOUNS:
        return root.head
    before = doc[m.start - 1] if m.start else None
    if before is not None and before.lemma_ in lexicon.ROLE_NOUNS and before.head.i in range(m.start, m.end):
        return before
    return None


def _phrase_text(head: Token) -> str:
    """The role noun with its modifiers and 'of' phrases, without clauses or appositions."""
    keep = sorted(_phrase_tokens(head), key=lambda t: t.i)
    while keep and (keep[0].pos_ == "DET" or keep[0].tag_ == "PRP$"):
        keep.pop(0)
    return " ".join(t.text for t in keep).replace(" 's", "'s").replace(" - ", "-")


def _phrase_tokens(token: Token) -> list[Token]:
    out = [token]
    for child in token.children:
        if child.dep_ in ("relcl", "acl", "appos", "punct", "cc", "conj", "advcl", "parataxis", "prep") and not (
            child.dep_ == "prep" and child.lower_ == "of"
        ):
            continue
        out.extend(_phrase_tokens(child))
    return out


def _affiliation(role: Token, entities: list[Entity]) -> str | None:
    span = {t.i for t in _phrase_tokens(role)}
    for kind in ("group", "organisation"):
        for entity in entities:
            if entity.kind == kind and any(m.start in span for m in entity.mentions):
                return entity.name
    return None
