"""The spaCy pipeline: loaded once per process and model name, with the news entity ruler."""

from __future__ import annotations

from functools import cache

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from .lexicon import GROUPS, ORGANISATIONS

RULER_NAME = "news_entity_ruler"
PARAGRAPHS_NAME = "paragraph_breaks"
GROUP_LABEL = "GROUP"

# "Kizlyarsky district", "Krasnodar Krai", "Shasta County": a place the model often misses or
# splits. Lowercase words only for district/region, so "North Caucasus District Military
# Court" stays an organisation.
_FUNCTION_WORDS = ["the", "a", "an", "in", "on", "at", "of", "from", "near", "and", "or", "for", "to", "by", "with"]
_PLACE_TYPE_WORDS = ["district", "province", "region", "rayon", "governorate", "Krai", "Oblast", "County", "Province"]


@cache
def load_nlp(model_name: str) -> Language:
    """Load the spaCy model once per process, adding the entity ruler ahead of the NER."""
    nlp = spacy.load(model_name)
    nlp.add_pipe(PARAGRAPHS_NAME, before="parser")
    ruler = nlp.add_pipe("entity_ruler", name=RULER_NAME, before="ner", config={"overwrite_ents": False})
    ruler.add_patterns(_entity_patterns(nlp))
    return nlp


@Language.component(PARAGRAPHS_NAME)
def paragraph_breaks(doc: Doc) -> Doc:
    """A blank line always ends a sentence; the parser alone sometimes runs paragraphs together."""
    for token in doc[:-1]:
        if token.is_space and "\n" in token.text:
            doc[token.i + 1].is_sent_start = True
    return doc


def _entity_patterns(nlp: Language) -> list[dict]:
    patterns = []
    for label, table in ((GROUP_LABEL, GROUPS), ("ORG", ORGANISATIONS)):
        for canonical, aliases in table.items():
            for name in (canonical, *aliases):
                patterns.append({"label": label, "id": canonical, "pattern": _token_pattern(nlp, name)})
    patterns.append(
        {
            "label": "GPE",
            "id": "place",
            "pattern": [
                {"IS_TITLE": True, "POS": "PROPN", "LOWER": {"NOT_IN": _FUNCTION_WORDS}, "OP": "+"},
                {"TEXT": {"IN": _PLACE_TYPE_WORDS}},
            ],
        }
    )
    patterns.append(
        {
            "label": "GPE",
            "id": "place",
            "pattern": [{"IS_TITLE": True}, {"TEXT": "-"}, {"IS_TITLE": True}, {"TEXT": {"IN": _PLACE_TYPE_WORDS}}],
        }
    )
    patterns.append(
        {
            "label": "GPE",
            "id": "place",
            "pattern": [
                {"IS_TITLE": True},
                {"TEXT": "-"},
                {"LOWER": {"IN": ["on", "upon", "am", "sur"]}},
                {"TEXT": "-"},
                {"IS_TITLE": True},
            ],
        }
    )
    return patterns


def _token_pattern(nlp: Language, name: str) -> list[dict]:
    """Case-insensitive tokens, except acronyms, which must match exactly ('IS', not 'is')."""
    return [
        {"TEXT": token.text} if token.text.isupper() and len(token.text) <= 5 else {"LOWER": token.lower_}
        for token in nlp.make_doc(name)
    ]
