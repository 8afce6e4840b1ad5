"""Stories: every article, on any topic, in the story of the real-world happening it reports."""

from agents.logic.stories.features import story_input
from agents.logic.stories.index import StoryIndex, Weights, render_story, story_id_for

__all__ = ["StoryIndex", "Weights", "render_story", "story_id_for", "story_input"]
