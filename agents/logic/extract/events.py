"""Event mentions: triggers found with lemma lexicons on the dependency parse, one record per
event per article.

One pass over the sentences of the parsed document. Each sentence yields its events (trigger
words of one violent incident share one); each is merged into an earlier event of the article
when it reports the same one (same type, or the same incident in other words, and nothing
conflicting: actors, place, time).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span, Token

from . import taxonomy as tx
from .arguments import actors, drop_quoted, entities_of, pledge_fallback, speakers
from .casualties import Casualty, merge_casualties, sentence_casualties
from .certainty import MENTION_PRIORITY, attribution, certainty, is_claim, reporting_verb
from .entities import ArticleEntities, Entity, place_dict
from .gazetteer import Place, gazetteer
from .lexicon import ROLE_NOUNS
from .setting import (
    Where,
    compatible,
    place_for,
    refine_in_paragraph,
    sharpest,
    time_for,
    times_by_sentence,
    unlisted_place,
)
from .timex import TimeExpr

_SEAT = re.compile(r"\bof (?:the )?([A-Z][\w-]*(?: [A-Z][\w-]*)*)$")
SEPARATE_CUES = frozenset({"separate", "another", "different", "unrelated"})
# The actor that identifies an event of a type: two reports naming different ones are two events.
KEY_ROLES = {
    "killed": "victim",
    "arrested": "subject",
    "sentenced": "subject",
    "leadership_change": "subject",
    "allegiance_pledge": "subject",
    "election": "subject",
    "business": "subject",
    "other": "victim",
    "statement": "speaker",
    "recruitment_call": "speaker",
}


@dataclass
class SentenceEvent:
    """One event as one sentence reports it (several trigger words may share it)."""

    type: str
    triggers: list[Token]
    sent: Span
    sent_index: int
    paragraph: tuple[int, int]  # token range of the paragraph
    actors: list[tuple[Entity, str]] = field(default_factory=list)
    where: Where | None = None
    unlisted: str | None = None  # a place the gazetteer does not know, as reported
    time: TimeExpr | None = None
    casualties: list[Casualty] = field(default_factory=list)
    certainty: str = "reported"
    attribution: str | None = None
    separate: bool = False
    subtype: str | None = None

    @property
    def main(self) -> Token:
        return min(self.triggers, key=_depth)


@dataclass
class Event:
    mentions: list[SentenceEvent]
    extra_actors: list[tuple[Entity, str]] = field(default_factory=list)
    extra_casualties: list[Casualty] = field(default_factory=list)
    confirmed: bool = False

    @property
    def type(self) -> str:
        types = [m.type for m in self.mentions]
        return "bombing" if "bombing" in types and types[0] in tx.VIOLENT else types[0]

    @property
    def last(self) -> SentenceEvent:
        return self.mentions[-1]

    @property
    def subtype(self) -> str | None:
        return next((m.subtype for m in self.mentions if m.type == self.type and m.subtype), None)

    def actors(self) -> list[tuple[Entity, str]]:
        seen, out = set(), []
        for entity, role in [a for m in self.mentions for a in m.actors] + self.extra_actors:
            if id(entity) not in seen:
                seen.add(id(entity))
                out.append((entity, role))
        return out

    def time(self) -> TimeExpr | None:
        """The first date given, sharpened by a narrower one inside it."""
        times = [m.time for m in self.mentions if m.time]
        best = times[0] if times else None
        for t in times[1:]:
            if t.overlaps(best) and (t.end - t.start) < (best.end - best.start):
                best = t
        return best

    def certainty(self) -> str:
        found = [m.certainty for m in self.mentions] + (["confirmed"] if self.confirmed else [])
        return max(found, key=tx.CERTAINTY_RANK.__getitem__)


def find_events(doc: Doc, entities: ArticleEntities, times: list[TimeExpr]) -> list[Event]:
    paragraphs = _paragraphs(doc)
    sentences = list(doc.sents)
    sentence_times = times_by_sentence(doc, sentences, times)
    events: list[Event] = []
    for index, sent in enumerate(sentences):
        paragraph = next(p for p in paragraphs if p[0] <= sent.start < p[1])
        before = list(events)
        for mention in _sentence_events(sent, index, paragraph, entities, sentence_times[index]):
            target = None if mention.separate else next((e for e in reversed(events) if _can_merge(e, mention)), None)
            if target is None:
                events.append(Event([mention]))
            else:
                target.mentions.append(mention)
        if before:
            _follow_up(sent, index, paragraph, entities, before)
    _record_pledge_affiliations(events)
    for event in events:
        _name_after_colon(event, entities)
        if event.time() is None and event.type not in tx.COMMUNICATION_TYPES:
            event.mentions[0].time = _date_in_effect(event.mentions[0], sentences, sentence_times)
    return events


def _date_in_effect(mention: SentenceEvent, sentences: list[Span], sentence_times: list) -> TimeExpr | None:
    """'On 14 May, a car ran over a mine near X. One civilian was killed.': an event whose own
    sentence gives no date happened on the last day an earlier sentence of its paragraph gave."""
    for index in range(mention.sent_index - 1, -1, -1):
        if sentences[index].start < mention.paragraph[0]:
            return None
        days = [
            t
            for t, _ in sentence_times[index]
            if t.precision == "day" and not t.text.lower().startswith(("by ", "until "))
        ]
        if days:
            return days[-1]
    return None


def _paragraphs(doc: Doc) -> list[tuple[int, int]]:
    starts = [0] + [t.i + 1 for t in doc if t.is_space and "\n" in t.text]
    return list(zip(starts, starts[1:] + [len(doc)], strict=True))


def _depth(token: Token) -> int:
    depth = 0
    while token.head.i != token.i:
        token, depth = token.head, depth + 1
    return depth


# -- one sentence ------------------------------------------------------------------------


def _sentence_events(
    sent: Span, index: int, paragraph: tuple[int, int], entities: ArticleEntities, times: list[tuple[TimeExpr, Token]]
) -> list[SentenceEvent]:
    found = [(t, kind) for t in sent if (kind := tx.trigger_type(t)) and not _excluded(t) and not _unrealised(t, kind)]
    kinds = {kind for _, kind in found}
    if kinds - {"statement"}:
        found = [(t, k) for t, k in found if k != "statement"]  # reactions to an event are not events
    gathering = any(kind == "other" and tx.subtype([t], kind) in ("protest", "riot") for t, kind in found)
    groups: dict[str, list[tuple[Token, str]]] = {}
    for token, kind in found:
        key = "violent" if kind in tx.VIOLENT else kind
        if key == "violent" and gathering:
            key, kind = "other", "other"  # "rioters clashed with police": violence at a gathering is the gathering's
        if kind == "killed" and "disaster" in kinds and not kinds & {"bombing", "attack", "clash"}:
            key = "disaster"  # deaths in a flood are the flood's casualties
        groups.setdefault(key, []).append((token, kind))
    if not groups:
        return []
    split = [(key, part) for key, members in groups.items() for part in _by_key_actor(key, members, entities)]
    casualties = sentence_casualties(sent, entities)
    separate = any(t.lower_ in SEPARATE_CUES for t in sent)
    return [
        _mention(
            key,
            members,
            sent,
            index,
            paragraph,
            entities,
            times,
            casualties,
            separate,
            foreign={t.i for other, pairs in split if pairs is not members for t, _ in pairs},
        )
        for key, members in split
    ]


def _by_key_actor(key: str, members: list[tuple[Token, str]], entities: ArticleEntities) -> list[list]:
    """'Kadyrov dismissed the mayor, X, and named his deputy, Y, as acting mayor': triggers of one
    type whose key actors differ report different events."""
    role = KEY_ROLES.get(key)
    if role is None or len(members) == 1:
        return [members]
    parts: list[tuple[set[int], list]] = []
    for token, kind in members:
        keys = {id(e) for e, r in actors(token, kind, entities) if r == role}
        if parts and not (keys and parts[-1][0] and not keys & parts[-1][0]):
            parts[-1][0].update(keys)
            parts[-1][1].append((token, kind))
        else:
            parts.append((keys, [(token, kind)]))
    return [part for _, part in parts]


def _mention(
    key: str,
    members: list[tuple[Token, str]],
    sent: Span,
    index: int,
    paragraph: tuple[int, int],
    entities: ArticleEntities,
    times: list[tuple[TimeExpr, Token]],
    casualties: list[Casualty],
    separate: bool,
    foreign: set[int],
) -> SentenceEvent:
    kind = min((k for _, k in members), key=tx.VIOLENT.index) if key == "violent" else key
    mention = SentenceEvent(kind, [t for t, _ in members], sent, index, paragraph, separate=separate)
    for token, member_kind in members:
        for entity, role in actors(token, member_kind if key == "violent" else kind, entities):
            if all(entity is not e for e, _ in mention.actors):
                mention.actors.append((entity, role))
    main = mention.main
    source = attribution(main, sent)
    if source is not None:
        mention.attribution = source.text.strip(" ,")
        if not is_claim(source) and kind not in tx.COMMUNICATION_TYPES:
            mention.actors = drop_quoted(mention.actors, source, entities)
    if kind in ("allegiance_pledge", "recruitment_call", "statement"):
        mention.actors += [
            a for a in speakers(reporting_verb(main, sent), entities) if all(a[0] is not e for e, _ in mention.actors)
        ]
    if kind == "allegiance_pledge":
        mention.actors += pledge_fallback(main, sent, mention.actors, entities)
    mention.where = place_for(main, sent, entities, foreign)
    if mention.where is None or mention.where.place.precision in ("region", "country"):
        mention.unlisted = unlisted_place(main, sent, entities, foreign)
    if mention.where is None and mention.unlisted is None and main.dep_ == "conj" and main.head.i in foreign:
        # "stormed the compound in the village of X and detained him": coordinated events share the place.
        mention.where = place_for(main.head, sent, entities, foreign - {main.head.i})
        mention.unlisted = unlisted_place(main.head, sent, entities, foreign - {main.head.i})
    mention.time = time_for(main, kind, times, foreign)
    mention.certainty = max((certainty(t, sent) for t in mention.triggers), key=MENTION_PRIORITY.__getitem__)
    mention.subtype = tx.subtype(mention.triggers, kind)
    if kind in tx.VIOLENT or kind in ("disaster", "other"):
        mention.casualties = [c for c in casualties if c.kind in ("killed", "injured")]
    elif kind == "arrested":
        mention.casualties = [c for c in casualties if c.kind == "arrested"]
    return mention


def _excluded(token: Token) -> bool:
    """Triggers that report no event: generic plurals, plans, charges, conditions, habits."""
    if token.pos_ in ("NOUN", "PROPN"):
        determiners = {c.lower_ for c in token.children if c.dep_ in ("det", "nummod", "poss", "amod")}
        if "no" in determiners:
            return True
        if token.tag_ == "NNS" and (not determiners or "all" in determiners) and _generic(token):
            return True  # "attacks on police remain common"
        if token.head.lower_ in ("of", "with") and token.head.head.lemma_ in tx.CHARGE_HEADS:
            return True  # "found guilty of murder"
    if (
        token.dep_ == "relcl"
        and token.tag_ in ("VBP", "VBZ")
        and token.head.tag_ == "NNS"
        and any(c.dep_ == "nsubj" and c.lower_ in ("who", "that", "which") for c in token.children)
    ):
        return True  # "militants who attack police": a habit, not an event
    if any(c.dep_ == "mark" and c.lower_ in ("if", "unless") for c in token.children):
        return True
    if (
        token.dep_ == "advcl"
        and any(c.dep_ == "mark" and c.lower_ in ("after", "before") for c in token.children)
        and tx.trigger_type(token.head)
    ):
        return True  # "was killed after he threw a grenade": what led to the event, not another one
    if _purpose_infinitive(token):
        return True  # "police who had come to detain him": what they meant to do, not what happened
    node = token
    for step in range(4):
        if node.head.i == node.i:
            break
        node = node.head
        if step < 3 and node.lemma_ in tx.IRREALIS_HEADS:
            return True  # "suspected of planning a terrorist attack"
        if node.lemma_ in tx.DEMAND_HEADS or (node.lower_ == "against" and node.head.lemma_ in tx.GATHERING_LEMMAS):
            return True  # "protesters demanding the release of detained leaders": a demand, not an event
    return False


def _unrealised(token: Token, kind: str) -> bool:
    """'workers would protest on Friday', 'the court may sentence him': a modal verb puts the event
    in the future or the hypothetical; a company or a speaker announcing what it will do
    ('will cut 2,400 jobs', 'vowed it would strike') is the news itself."""
    if token.pos_ != "VERB" or kind in tx.COMMUNICATION_TYPES:
        return False
    return any(c.dep_ == "aux" and c.tag_ == "MD" for c in token.children)


def _purpose_infinitive(verb: Token) -> bool:
    """'to detain him' under a verb that does not make it the news ('came to', 'was sent to',
    'in order to'); 'managed to kill', 'agreed to buy' do."""
    if verb.pos_ != "VERB" or verb.dep_ not in ("advcl", "xcomp", "relcl", "acl"):
        return False
    auxiliaries = [c for c in verb.children if c.dep_ in ("aux", "auxpass")]
    if not any(c.tag_ == "TO" for c in auxiliaries) or any(c.lemma_ == "have" for c in auxiliaries):
        return False  # a perfect infinitive reports the past: "is believed to have been killed"
    head = verb.head.lemma_
    if verb.lemma_ in tx.GATHERING_LEMMAS and head not in tx.IRREALIS_HEADS and head not in tx.ANNOUNCING_LEMMAS:
        return False  # "gathered to protest", "blocked the road to protest": gathering is protesting
    return head not in tx.REALISING_HEADS and head not in tx.ALLEGE_LEMMAS and head not in tx.REPORTING_LEMMAS


def _generic(plural: Token) -> bool:
    """A bare plural is generic ('attacks on police remain common') unless it is placed
    ('wildfires in the region of Khakassia have killed 23') or did something once ('flash floods
    killed two people'), and not a habit ('... have become rare')."""
    placed = any(
        c.dep_ == "prep"
        and c.lower_ in ("in", "near", "at", "across")
        and any(t.ent_type_ in ("GPE", "LOC", "FAC") for t in c.subtree)
        for c in plural.children
    ) or any(c.dep_ == "prep" and c.lower_ == "between" for c in plural.children)  # "clashes between two clans"
    if plural.head.lemma_ in ("become", "remain", "be", "continue"):
        return True
    return not (placed or _episodic_subject(plural))


def _episodic_subject(plural: Token) -> bool:
    """'Flash floods killed two people', 'floods and landslides have killed 164': the subject of a
    verb in the past or present perfect did something once."""
    while plural.dep_ == "conj":
        plural = plural.head
    verb = plural.head
    perfect = verb.tag_ == "VBN" and any(c.dep_ == "aux" and c.lemma_ == "have" for c in verb.children)
    return plural.dep_ == "nsubj" and verb.pos_ == "VERB" and (verb.tag_ == "VBD" or perfect)


# -- merging -----------------------------------------------------------------------------


def _can_merge(event: Event, mention: SentenceEvent) -> bool:
    same = any(m.type == mention.type for m in event.mentions)
    family = (event.type in tx.VIOLENT and mention.type in tx.VIOLENT) or (
        event.type == "disaster" and mention.type == "killed"
    )
    if not (same or family):
        return False
    near = mention.sent_index - event.last.sent_index <= 1 or mention.paragraph == event.last.paragraph
    if not same and not near:
        return False
    time = event.time()
    if time and mention.time and not time.overlaps(mention.time):
        return False
    if (
        mention.type not in tx.COMMUNICATION_TYPES
        and mention.where
        and any(
            m.where and not compatible(m.where.place, mention.where.place, event.type == "disaster")
            for m in event.mentions
        )
    ):
        return False  # (a statement's place is where it was heard of, which may change)
    if _actors_conflict(event, mention):
        return False
    if same and not near:
        # Far apart, a report returns to the same event by naming its actor or by adding detail
        # without giving a new date or place of its own.
        shared = {id(e) for e, _ in event.actors()} & {id(e) for e, _ in mention.actors}
        return bool(shared) or mention.time is None or mention.where is None
    return True


def _actors_conflict(event: Event, mention: SentenceEvent) -> bool:
    old_roles = {id(e): r for e, r in event.actors()}
    if any(
        id(e) in old_roles and old_roles[id(e)] != r and {r, old_roles[id(e)]} & {"victim", "perpetrator"}
        for e, r in mention.actors
    ):
        return True  # the victim of one killing is the killer in another
    key = KEY_ROLES.get(mention.type)
    if key is None:
        return False
    old = {id(e) for e, r in event.actors() if r == key}
    new = {id(e) for e, r in mention.actors if r == key}
    return bool(old and new and not old & new)


# -- sentences that complete the event just reported -------------------------------------


def _follow_up(
    sent: Span, index: int, paragraph: tuple[int, int], entities: ArticleEntities, earlier: list[Event]
) -> None:
    """'The dead men were identified (named) as X and Y', 'Among the dead was X', 'One of them, X, ...',
    'the attacker was X', 'the new emir is X', 'investigators identified the body', 'One firefighter
    was injured': facts about the event just reported, in a later sentence."""
    event = earlier[-1]
    leadership = next((e for e in reversed(earlier) if e.type == "leadership_change"), None)
    for token in sent:
        if token.lemma_ == "identify" or (token.lemma_ == "name" and token.pos_ == "VERB"):
            named = [
                c
                for p in token.children
                if p.dep_ == "prep" and p.lower_ == "as"
                for c in p.children
                if c.dep_ == "pobj"
            ]
            described = [c for c in token.children if c.dep_ in ("dobj", "nsubjpass")]
            role = _role_of_description(described, event)
            for noun in named:
                for entity in entities_of(noun, entities):
                    _add_actor(event, entity, role)
            if not named and any(c.lemma_ in ("body", "remains") for c in described) and event.type in tx.VIOLENT:
                event.confirmed = True
        elif token.lower_ == "among" and any(c.lower_ == "dead" or c.lemma_ == "victim" for c in token.children):
            for noun in token.head.children:
                if noun.dep_ in ("nsubj", "attr"):
                    for entity in entities_of(noun, entities):
                        _add_actor(event, entity, "victim")
        elif token.lemma_ in tx.PERPETRATOR_NOUNS and token.dep_ == "nsubj" and token.head.lemma_ == "be":
            for attr in token.head.children:
                if attr.dep_ == "attr":
                    for entity in entities_of(attr, entities):
                        _add_actor(event, entity, "perpetrator")
        elif (
            token.lemma_ in tx.LEADER_NOUNS
            and token.dep_ == "nsubj"
            and token.head.lemma_ == "be"
            and leadership is not None
            and any(c.lower_ == "new" for c in token.children)
        ):
            for attr in token.head.children:  # "the new emir is Kazbek Nagoyev"
                if attr.dep_ == "attr":
                    for entity in entities_of(attr, entities):
                        _add_actor(leadership, entity, "subject")
        elif token.lower_ == "one" and token.dep_.startswith("nsubj") and any(c.lower_ == "of" for c in token.children):
            for appos in token.children:
                if appos.dep_ == "appos":
                    for entity in entities_of(appos, entities):
                        _add_actor(event, entity, _role_of_description([token], event))
    own = any(m.sent_index == index for m in event.mentions)
    if not own and index - event.last.sent_index == 1:
        _name_the_newcomer(sent, event, entities)
    if (
        not own
        and event.last.paragraph == paragraph
        and index - event.last.sent_index == 1
        and (event.type in tx.VIOLENT or event.type == "disaster")
    ):
        event.extra_casualties.extend(c for c in sentence_casualties(sent, entities) if c.kind == "injured")


def _name_after_colon(event: Event, entities: ArticleEntities) -> None:
    """'... said they had killed another militant in Nalchik: Ruslan Bekov, 27.': the person a colon
    after the trigger names is the unnamed participant."""
    first = event.mentions[0]
    doc = first.sent.doc
    colon = next((t for t in doc[first.main.i + 1 : min(len(doc), first.sent.end + 1)] if t.text == ":"), None)
    role = _indefinite_role(event, entities) if colon is not None and colon.i + 1 < len(doc) else None
    named = entities.at(colon.i + 1) if role else None
    if named is not None and named.kind == "person":
        _add_actor(event, named, role)


def _name_the_newcomer(sent: Span, event: Event, entities: ArticleEntities) -> None:
    """'Gunmen shot dead a prominent imam in Kizilyurt. Magomed Khidirov, 52, had spoken out ...':
    a participant the event brought in as 'a/an <person noun>' is the person the next sentence
    names for the first time as its subject (not as the subject of a reporting verb, nor a
    person known by a title)."""
    role = _indefinite_role(event, entities)
    if role is None:
        return
    for entity in entities.entities:
        first = min(entity.mentions, key=lambda m: m.start)
        if entity.kind != "person" or not sent.start <= first.start < sent.end:
            continue
        before = sent.doc[first.start - 1] if first.start else None
        if "title" in entity.attributes or (before is not None and before.lower_ in ROLE_NOUNS):
            return  # "Prime Minister Giorgi Kvirikashvili": known by office, not the unnamed one
        root = sent.doc[first.start : first.end].root
        if root.dep_ == "appos":  # "The man, Ramazan Aliev, had sent ..."
            root = root.head
        if root.dep_ in ("nsubj", "nsubjpass") and root.head.lemma_ not in tx.REPORTING_LEMMAS:
            _add_actor(event, entity, role)
        return


def _indefinite_role(event: Event, entities: ArticleEntities) -> str | None:
    """The role of an unnamed 'a man', 'an imam' argument of the event's last trigger, if that role
    has no named actor yet."""
    agent, patient = tx.ROLE_SLOTS[event.type]
    taken = {role for _, role in event.actors()}
    for trigger in event.last.triggers:
        for noun in trigger.children:
            if noun.dep_ in ("dobj", "nsubjpass"):
                role = patient
            elif noun.dep_ == "nsubj":
                role = patient if trigger.lemma_ in tx.SUBJECT_IS_PATIENT else agent
            else:
                continue
            indefinite = any(c.dep_ == "det" and c.lower_ in ("a", "an", "another") for c in noun.children)
            person = noun.lemma_ in ROLE_NOUNS or noun.lemma_ in tx.PERSON_NOUNS
            if indefinite and person and role not in taken and not entities_of(noun, entities):
                return role
    return None


def _role_of_description(described: list[Token], event: Event) -> str:
    for noun in described:
        lemmas = {t.lemma_.lower() for t in noun.subtree}
        if lemmas & tx.VICTIM_NOUNS:
            return "victim"
        if lemmas & tx.PERPETRATOR_NOUNS:
            return "perpetrator"
        if noun.lower_ in ("himself", "herself", "themselves"):
            return "speaker"
    agent, patient = tx.ROLE_SLOTS[event.type]
    return patient if event.type in ("arrested", "sentenced", "killed") else agent


def _add_actor(event: Event, entity: Entity, role: str) -> None:
    if entity.kind != "place" and all(entity is not e for e, _ in event.actors()):
        event.extra_actors.append((entity, role))


def _record_pledge_affiliations(events: list[Event]) -> None:
    """Whoever pledges allegiance to a group is affiliated with it."""
    for event in events:
        if event.type != "allegiance_pledge":
            continue
        found = event.actors()
        targets = [e for e, role in found if role == "target"]
        for entity, role in found:
            if role == "subject" and targets and entity.kind == "person":
                entity.attributes.setdefault("affiliation", targets[0].name)


# -- output ------------------------------------------------------------------------------


def location(event: Event, entities: ArticleEntities, dateline: Place | None) -> dict | None:
    """The sharpest place the mentions give (a region sharpened to the one town its paragraph
    names in it), else the dateline if the article is about that place, else the main place."""
    where = sharpest([m.where for m in event.mentions if m.where])
    unlisted = next((m.unlisted for m in event.mentions if m.unlisted), None)
    if where is not None:
        if where.place.precision in ("region", "country"):
            for m in event.mentions:
                sharper = refine_in_paragraph(where, m.paragraph, m.sent, entities)
                if sharper is not where:
                    where = sharper
                    break
        if where.place.precision in ("region", "country") and unlisted is not None:
            # "near the village of Verkhny Baksan in Kabardino-Balkaria", a village the gazetteer
            # does not know: its name, in the region the report puts it, with no position of its own.
            return {
                **place_dict(None, unlisted),
                "admin1": where.place.admin1,
                "country_code": where.place.country_code,
            }
        return place_dict(where.place, where.reported)
    if unlisted is not None:
        return place_dict(None, unlisted)
    seat = _institution_seat(event, entities)
    if seat is not None:
        return place_dict(seat, seat.name)
    main = entities.main_place()
    if dateline is not None and (main is None or main.place.admin1 == dateline.admin1):
        return place_dict(dateline, dateline.name)
    if main is None:
        # Only places the gazetteer does not know: the most mentioned, as reported.
        unknown = [e for e in entities.entities if e.kind == "place"]
        main_name = max(unknown, key=lambda e: len(e.mentions)).name if unknown else None
        return place_dict(None, main_name) if main_name else None
    return place_dict(main.place, main.name)


def _institution_seat(event: Event, entities: ArticleEntities) -> Place | None:
    """'The Supreme Court of Chechnya sentenced ...': with no place of its own, an act of an
    authority takes place where the authority's name puts it."""
    for entity, role in event.actors():
        if role == "authority" and entity.kind == "organisation":
            named = _SEAT.search(entity.name)
            place = gazetteer().resolve(named.group(1), entities.context) if named else None
            if place is not None:
                return place
    return None


def event_dict(
    event: Event, mention_id: str, entities: ArticleEntities, dateline: Place | None, anchor: str | None
) -> dict:
    first = event.mentions[0]
    time = event.time()
    certainty_value = event.certainty()
    out = {
        "mention_id": mention_id,
        "type": event.type,
        "subtype": event.subtype,
        **tx.classification(event.type, event.subtype),
        "trigger": _trigger_text(first.main),
        "sentence": first.sent.text.strip(),
        "actors": [_actor_dict(entity, role) for entity, role in event.actors()],
        "location": location(event, entities, dateline),
        "time": time.as_dict(anchor) if time else None,
        "casualties": merge_casualties([c for m in event.mentions for c in m.casualties] + event.extra_casualties),
        "certainty": certainty_value,
        "attributed_to": next((m.attribution for m in event.mentions if m.attribution), None),
    }
    if certainty_value == "denied":
        out["negated"] = True
    return out


def _trigger_text(token: Token) -> str:
    """The trigger word with what makes it an event: 'shot dead', 'opened fire', 'blew up'."""
    extra = [
        c
        for c in token.children
        if c.dep_ == "prt"
        or (c.lower_ == "dead" and c.dep_ in ("acomp", "oprd", "advmod", "amod"))
        or (c.lemma_ in ("fire", "allegiance", "loyalty", "oath", "guilty") and c.dep_ in ("dobj", "acomp", "oprd"))
    ]
    return " ".join(t.text for t in sorted([token, *extra], key=lambda t: t.i))


def _actor_dict(entity: Entity, role: str) -> dict:
    out = {"name": entity.name, "kind": entity.kind, "role": role, "variants": entity.variants}
    if entity.attributes:
        out["attributes"] = dict(entity.attributes)
    return out
