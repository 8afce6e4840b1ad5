"""Name keys for matching reports: transliteration folding, person and organisation keys, entity ids.

Russian and Arabic names reach English copy through several transliteration schemes
(Gasanov/Hasanov, Daghestan/Dagestan, Yevloyev/Evloev, Dzhabrailov/Jabrailov), so names
are compared by a *skeleton*: a lower-case spelling in which the sounds those schemes
write differently collapse to one letter. Skeletons are only ever compared with each
other; they are keys, never shown.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from rapidfuzz.distance import Levenshtein
from unidecode import unidecode

# Ordered: each rule sees the output of the ones before it.
_SKELETON_RULES = [
    (re.compile(r"(?<=[aeiou])j(?![aeiou])"), "i"),  # German/Polish j for й: Sulejman -> Suleiman
    (re.compile(r"dzh|dj|zh"), "j"),  # Dzhabrailov, Djabrailov, Jabrailov
    (re.compile(r"kh"), "h"),  # Khasavyurt / Hasavyurt
    (re.compile(r"y[eo]"), "e"),  # ye/yo for е/ё: Yevloyev / Evloev, Aliyev / Aliev, Korolyov / Korolev
    (re.compile(r"ou"), "u"),  # French-style ou: Abdoulaev
    (re.compile(r"y"), "i"),  # -iy / -y / -ii endings, ya / ia
    (re.compile(r"w"), "v"),  # German-style Kebekow
    (re.compile(r"q"), "k"),
    (re.compile(r"ph"), "f"),
    (re.compile(r"ck"), "k"),
    (re.compile(r"x"), "ks"),
    (re.compile(r"g"), "h"),  # Russian Г for Arabic h: Gasanov / Hasanov, Magomed / Mahomed
    (re.compile(r"(.)\1+"), r"\1"),  # double letters: Abdullaev / Abdulaev
]
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_APOSTROPHES = re.compile(r"['’`ʼ]")

_TITLES = frozenset(
    {"mr", "ms", "mrs", "dr", "sheikh", "shaikh", "emir", "amir", "imam", "mullah", "gen", "general", "col"}
    | {"colonel", "maj", "major", "lt", "lieutenant", "capt", "captain", "sgt", "sergeant", "officer", "commander"}
)
# A kunya or nasab (Abu Muhammad, ibn Said) is a whole name, not given name plus surname.
_KUNYA_PARTICLES = frozenset({"abu", "ibn", "bin", "umm", "al"})
_HYPHENATED = re.compile(r"(\w+)-(?=\w)")
_PATRONYMIC = re.compile(r"(ovich|evich|ovna|evna|ichna)$")
_SURNAME_ENDING = re.compile(r"(ov|ev|ova|eva|in|ina|sky|ski|skiy|skaya|dze|shvili|yan|ian|enko|uk)$")
_ORG_STOPWORDS = frozenset({"the", "of", "and", "s", "a", "an"})
_PLACE_GENERIC = frozenset({"republic", "of", "the", "oblast", "krai", "kray", "region", "province"})

PersonKey = list[str]  # [surname skeleton, given-name skeleton or ""]; a kunya is all surname


def fold(text: str) -> str:
    """ASCII, lower case, words separated by single spaces, apostrophes dropped (Al'bert -> albert)."""
    ascii_text = unidecode(_APOSTROPHES.sub("", text)).lower()
    return " ".join(_NOT_ALNUM.sub(" ", ascii_text).split())


@functools.lru_cache(maxsize=1 << 16)  # names recur report after report; bounded for long-running workers
def skeleton(word: str) -> str:
    """Transliteration-folded form of one folded word: equal skeletons mean 'spelled differently, same name'."""
    for pattern, replacement in _SKELETON_RULES:
        word = pattern.sub(replacement, word)
    return word


def phrase_key(text: str, drop: frozenset[str] = frozenset()) -> str:
    """Skeletons of the words of a phrase, joined by '_' (a place or organisation name)."""
    return "_".join(skeleton(word) for word in fold(text).split() if word not in drop)


def place_key(name: str) -> str:
    """Key of a place name without generic words: 'Republic of Daghestan' and 'Dagestan' agree."""
    return phrase_key(name, _PLACE_GENERIC)


def person_key(name: str) -> PersonKey | None:
    """[surname, given name] skeletons of a person's name; None when nothing name-like is left.

    Titles and patronymics are dropped; surname-first order (Kebekov Aliaskhab) is
    recognised by a Russian surname ending on the first word only.
    """
    # Abdul-Khalik is one given name (also spelt Abdulkhalik); Abu-Bakar and al-Baghdadi keep the particle apart.
    joined = _HYPHENATED.sub(lambda m: m.group(0) if m.group(1).lower() in _KUNYA_PARTICLES else m.group(1), name)
    words = [word for word in fold(joined).split() if word not in _TITLES]
    if not words:
        return None
    if any(word in _KUNYA_PARTICLES for word in words):
        return ["_".join(skeleton(word) for word in words), ""]
    words = [word for word in words if not _PATRONYMIC.search(word)] or words
    if len(words) == 1:
        return [skeleton(words[0]), ""]
    if _SURNAME_ENDING.search(words[0]) and not _SURNAME_ENDING.search(words[-1]):
        surname, given = words[0], words[1]
    else:
        surname, given = words[-1], words[0]
    return [skeleton(surname), skeleton(given)]


def is_kunya(key: PersonKey) -> bool:
    return "_" in key[0]


def _surnames_match(a: str, b: str) -> bool:
    if a == b:
        return True
    # One slip in a long name (Magomedov / Magomadov), but not the feminine form of it, and not in
    # short names where one letter makes another name (Umarov / Omarov).
    longer, shorter = (a, b) if len(a) >= len(b) else (b, a)
    if len(shorter) < 7 or longer == shorter + "a":
        return False
    return Levenshtein.distance(a, b, score_cutoff=1) <= 1


def _given_names_compatible(a: str, b: str) -> bool:
    if not a or not b or a == b:
        return True
    if len(a) == 1 or len(b) == 1:  # an initial: A. Kebekov
        return a[0] == b[0]
    return min(len(a), len(b)) >= 5 and Levenshtein.distance(a, b, score_cutoff=1) <= 1


def persons_match(keys_a: Iterable[PersonKey], keys_b: Iterable[PersonKey]) -> int:
    """How well two sets of name keys (one person's forms, or several persons') agree.

    2: surname and full given name agree; 1: surname agrees, a given name is missing or an
    initial; 0: no pair agrees.
    """
    keys_b = list(keys_b)
    best = 0
    for surname_a, given_a in keys_a:
        for surname_b, given_b in keys_b:
            if _surnames_match(surname_a, surname_b) and _given_names_compatible(given_a, given_b):
                full = len(given_a) > 1 and len(given_b) > 1
                best = max(best, 2 if full else 1)
                if best == 2:
                    return best
    return best


def org_key(name: str) -> str:
    return phrase_key(name, _ORG_STOPWORDS)


def orgs_match(keys_a: Iterable[str], keys_b: Iterable[str]) -> bool:
    """Organisation keys agree: equal, one is the other's acronym (IS / Islamic State), or one's words are a
    subset of the other's (police / traffic police)."""
    keys_b = list(keys_b)
    for key_a in keys_a:
        words_a = key_a.split("_")
        for key_b in keys_b:
            words_b = key_b.split("_")
            if _acronym(words_a) == key_b or _acronym(words_b) == key_a:
                return True
            if set(words_a) <= set(words_b) or set(words_b) <= set(words_a):
                return True
    return False


def _acronym(words: list[str]) -> str | None:
    return "".join(word[0] for word in words) if len(words) > 1 else None


def display_name(form_counts: dict[str, int]) -> str:
    """The fullest form: a real name over a kunya alias, more words over fewer, then the spelling most
    reports use, then alphabetical."""

    def rank(form: str) -> tuple[bool, int, int, str]:
        key = person_key(form)
        alias = key is None or is_kunya(key)
        return (alias, -len(form.split()), -form_counts[form], form)

    return min(form_counts, key=rank)


ENTITY_PREFIXES = {"person": "per", "organisation": "org", "group": "grp", "place": "plc"}


def entity_id(kind: str, name: str) -> str:
    """Canonical id of an entity from its display name: per_kebekov_aliashab, org_caucasus_emirate.

    A person's id is 'per_' + surname + given name skeletons, so every report that gives the
    full name, in any transliteration or word order, yields the same id.
    """
    prefix = ENTITY_PREFIXES[kind]
    if kind == "person":
        key = person_key(name)
        if key is not None:
            return f"{prefix}_{key[0]}_{key[1]}" if key[1] else f"{prefix}_{key[0]}"
    return f"{prefix}_{phrase_key(name) or 'unnamed'}"
