"""The extract stage's pure logic: entities, places, times and events of a clean article.

The Faust agent and ``wirewatch process`` call exactly ``load_nlp`` (once per process; the
agent through ``prepare``, which also builds what extraction loads lazily) and
``extract_article`` (once per record).
"""

from .article import extract_article, prepare
from .nlp import load_nlp

__all__ = ["extract_article", "load_nlp", "prepare"]
