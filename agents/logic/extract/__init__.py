"""The extract stage's pure logic: entities, places, times and events of a clean article.

The Faust agent and ``wirewatch process`` call exactly ``load_nlp`` (once per process; the
agent through ``prepare``, which also builds what extraction loads lazily) and
``extract_article`` (once per record); the agent does so through ``Extractor``, in a child
process by default.
"""

from .article import extract_article, prepare
from .nlp import load_nlp
from .runner import ExtractionProcessDied, Extractor

__all__ = ["ExtractionProcessDied", "Extractor", "extract_article", "load_nlp", "prepare"]
