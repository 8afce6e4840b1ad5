"""The extract stage's pure logic: entities, places, times and events of a clean article.

The Faust agent and ``wirewatch process`` call exactly ``load_nlp`` (once per process; the
agent through ``prepare``, which also builds what extraction loads lazily) and
``extract_article`` (once per record); the agent does so through ``Extractor``, in a child
process by default.

The names that need spaCy are imported on first use: the worker's own process imports this
package for ``Extractor`` and never extracts when its child does (agents.logic.extract.runner).
"""

import importlib

from .runner import ExtractionProcessDied, Extractor

_SPACY_BOUND = {"extract_article": ".article", "prepare": ".article", "load_nlp": ".nlp"}

__all__ = ["ExtractionProcessDied", "Extractor", "extract_article", "load_nlp", "prepare"]


def __getattr__(name: str):
    if name in _SPACY_BOUND:
        return getattr(importlib.import_module(_SPACY_BOUND[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
