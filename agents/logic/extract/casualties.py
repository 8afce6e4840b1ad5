"""How many were killed, injured or arrested, from the numbers around casualty words."""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Span, Token

from . import taxonomy as tx
from .arguments import bare_participle
from .entities import ArticleEntities
from .timex import SMALL_NUMBERS

NUMBER_WORDS = {
    **SMALL_NUMBERS,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "hundred": 100,
    "dozen": 12,
    "both": 2,
}
SECURITY_CLASS = frozenset(
    {
        "police",
        "officer",
        "policeman",
        "serviceman",
        "soldier",
        "guard",
        "trooper",
        "inspector",
        "servicemen",
        "policemen",
        "firefighter",
        "rescuer",
        "official",
    }
)
MILITANT_CLASS = frozenset(
    {
        "militant",
        "attacker",
        "gunman",
        "insurgent",
        "fighter",
        "rebel",
        "bomber",
        "suspect",
        "member",
        "accomplice",
        "assailant",
    }
)
# "Two of the dead were police officers" re-counts victims already counted.
CASUALTY_NOUNS = frozenset({"dead", "victim", "killed", "injured", "wounded", "casualty", "body"})


@dataclass(frozen=True)
class Casualty:
    kind: str  # killed, injured, arrested
    count: int
    group: str  # security, militant, generic, or named:<entity id>


def sentence_casualties(sent: Span, entities: ArticleEntities) -> list[Casualty]:
    """Every casualty figure of a sentence: 'three militants were killed', 'wounding five'."""
    out: list[Casualty] = []
    for token in sent:
        kind = _casualty_kind(token)
        if kind is None:
            continue
        found = [c for noun in _casualty_nouns(token) for c in _count(noun, kind, entities)]
        if not found:
            number = next(
                (
                    c
                    for c in token.children
                    if c.like_num and c.dep_ in ("nsubj", "nsubjpass", "npadvmod", "nummod", "dobj")
                ),
                None,
            )
            if number is None and token.i > sent.start and token.nbor(-1).like_num:
                number = token.nbor(-1)
            if number is not None and (value := _number(number)) is not None:
                found = [Casualty(kind, value, "generic")]
        out.extend(found)
    return out


def merge_casualties(records: list[Casualty]) -> dict | None:
    """Largest figure per group, groups added up (police and militants killed in one attack);
    a generic total ('four people') wins when it is larger than the parts."""
    out = {}
    for kind in ("killed", "injured", "arrested"):
        by_group: dict[str, int] = {}
        for c in records:
            if c.kind == kind:
                by_group[c.group] = max(by_group.get(c.group, 0), c.count)
        if by_group:
            generic = by_group.pop("generic", 0)
            out[kind] = max(generic, sum(by_group.values()))
    return out or None


def _casualty_kind(token: Token) -> str | None:
    if token.pos_ not in ("VERB", "ADJ"):
        return None
    lemma = token.lemma_.lower()
    if lemma in tx.KILLED_WORDS or token.lower_ == "dead" or _blew_themselves_up(token):
        return "killed"
    if lemma in tx.INJURED_WORDS:
        return "injured"
    if lemma in tx.ARRESTED_WORDS:
        return "arrested"
    return None


def _blew_themselves_up(token: Token) -> bool:
    """'Two militants blew themselves up': the subjects died."""
    return token.lemma_ == "blow" and any(
        c.dep_ == "dobj" and c.lower_ in ("himself", "herself", "themselves") for c in token.children
    )


def _casualty_nouns(token: Token) -> list[Token]:
    if token.lower_ == "dead" and token.head.lemma_ == "leave":
        return [c for c in token.head.children if c.dep_ == "dobj"]
    if token.lower_ == "dead" and token.dep_ == "amod":
        return [token.head]
    if token.lemma_ in ("die", "drown") or token.pos_ == "ADJ" or _blew_themselves_up(token):
        deps = ("nsubj",)
    elif any(c.dep_ == "auxpass" for c in token.children):
        deps = ("nsubjpass",)
    elif bare_participle(token):
        return [c for c in token.head.children if c.dep_ in ("nsubjpass", "nsubj")]  # "was reported killed"
    else:
        deps = ("dobj",)
    nouns = [c for c in token.children if c.dep_ in deps]
    if not nouns and token.dep_ == "conj" and not any(c.like_num for c in token.children):
        # "were shot and killed": the conjunct shares its head's subject, passive with it.
        passive = any(c.dep_ == "auxpass" for c in token.head.children)
        nouns = [c for c in token.head.children if c.dep_ in (("nsubjpass",) if passive else deps)]
    return nouns


def _count(noun: Token, kind: str, entities: ArticleEntities) -> list[Casualty]:
    out = []
    for item in [noun, *noun.conjuncts]:
        entity = entities.at(item.i) or next(
            (entities.at(c.i) for c in item.children if c.dep_ == "appos" and entities.at(c.i)), None
        )
        if entity is not None and entity.kind == "person":
            out.append(Casualty(kind, 1, f"named:{id(entity)}"))
            continue
        if item.lower_ in ("no", "none", "nobody") or any(c.lower_ == "no" for c in item.children):
            continue
        partitive = next((c for c in item.children if c.dep_ == "prep" and c.lower_ == "of"), None)
        of_noun = next((c for c in partitive.children if c.dep_ == "pobj"), None) if partitive else None
        if of_noun is not None and of_noun.lemma_.lower() in CASUALTY_NOUNS:
            continue
        value = _number(item)
        if value is None:
            number = next((c for c in item.children if c.dep_ == "nummod"), None)
            value = _number(number) if number is not None else None
        if value is None and any(c.dep_ == "det" and c.lower_ in ("a", "an", "another") for c in item.children):
            value = 1
        if value is None:
            continue
        head = (of_noun or item).lemma_.lower()
        group = "security" if head in SECURITY_CLASS else "militant" if head in MILITANT_CLASS else "generic"
        out.append(Casualty(kind, value, group))
    return out


def _number(token: Token) -> int | None:
    text = token.lower_.replace(",", "")
    if text.isdigit():
        return int(text)
    return NUMBER_WORDS.get(text)
