"""Story clustering (agents.logic.stories) on hand-written reports, and stories as evidence for events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from agents.logic.dedup import match_strength
from agents.logic.stories import StoryIndex, story_input
from agents.logic.stories.index import MAX_TERMS

DAY = datetime(2024, 3, 10, 9, 0, tzinfo=UTC)


def report(article_id, title, body, *, people=(), places=(), day=DAY, outlet="Wire A", duplicate_of=None):
    entities = [{"name": name, "kind": "person", "mentions": 2} for name in people]
    entities += [{"name": name, "kind": "place", "mentions": 1} for name in places]
    clean = {
        "article_id": article_id,
        "title": title,
        "body": body,
        "source": outlet,
        "published_at": day.isoformat(),
        "received_at": day.isoformat(),
    }
    return story_input(clean, {"entities": entities, "duplicate_of": duplicate_of})


FLOOD_1 = report(
    "flood-1",
    "River Arn bursts its banks in Velden, hundreds evacuated",
    "The river Arn burst its banks in Velden overnight after three days of rain, forcing hundreds of residents "
    "from their homes. Mayor Petra Lind said the old town was under a metre of water.",
    people=["Petra Lind"],
    places=["Velden"],
)
FLOOD_2 = report(
    "flood-2",
    "Velden evacuates old town as Arn floods",
    "Hundreds of people left the old town of Velden as the Arn flooded streets after heavy rain. Lind, the "
    "town's mayor, asked residents to stay away from the river banks while the water keeps rising.",
    people=["Lind"],
    places=["Velden"],
    day=DAY + timedelta(hours=8),
    outlet="Wire B",
)
FLOOD_OTHER = report(
    "flood-3",
    "Flooding in Harrow Bay after storm, fishermen missing",
    "A storm surge flooded the harbour district of Harrow Bay, and coastguards searched for two fishermen "
    "missing since the storm. Harbour master Tom Okafor said boats were torn from their moorings.",
    people=["Tom Okafor"],
    places=["Harrow Bay"],
    day=DAY + timedelta(days=40),
    outlet="Wire C",
)
MINISTER = report(
    "budget-1",
    "Finance minister presents spending plan",
    "Finance minister Ada Brenner presented a spending plan that raises school budgets and cuts fuel subsidies, "
    "telling parliament the deficit would halve within two years.",
    people=["Ada Brenner"],
)


def test_reports_of_one_happening_share_a_story_and_others_start_their_own() -> None:
    index = StoryIndex({}, {}, window_days=60)
    flood, payload = index.assign(FLOOD_1)
    assert payload["article_ids"] == ["flood-1"] and payload["version"] == 1
    same, payload = index.assign(FLOOD_2)
    assert same == flood
    assert payload["article_ids"] == ["flood-1", "flood-2"]
    assert payload["outlets"] == ["Wire A", "Wire B"]
    assert payload["headline"] == FLOOD_1["title"]
    assert "Petra Lind" in payload["names"] and payload["places"] == ["Velden"]
    other, _ = index.assign(FLOOD_OTHER)
    budget, _ = index.assign(MINISTER)
    assert len({flood, other, budget}) == 3


def test_copies_join_their_original_and_redeliveries_change_nothing() -> None:
    index = StoryIndex({}, {}, window_days=60)
    flood, _ = index.assign(FLOOD_1)
    index.assign(MINISTER)
    copy = report("copy-1", "Syndicated", "Unrelated words entirely.", outlet="Wire D", duplicate_of="flood-1")
    story, payload = index.assign(copy)
    assert story == flood and payload["num_articles"] == 2 and "Wire D" in payload["outlets"]
    again, payload = index.assign(FLOOD_1)
    assert again == flood and payload["version"] == 2 and payload["num_articles"] == 2


def test_expiry_and_rebuilt_memory_give_the_same_answers() -> None:
    stories: dict = {}
    article_stories: dict = {}
    index = StoryIndex(stories, article_stories, window_days=10)
    flood, _ = index.assign(FLOOD_1)
    rebuilt = StoryIndex(dict(stories), {}, window_days=10)
    assert rebuilt.best_story(index_features(FLOOD_2)) == index.best_story(index_features(FLOOD_2)) == flood
    assert index.expire(DAY + timedelta(days=11)) == 1
    assert not stories and not article_stories
    story, _ = index.assign(FLOOD_2)
    assert story != flood  # the window closed on the first story


def test_profiles_stay_bounded() -> None:
    index = StoryIndex({}, {}, window_days=60)
    words = " ".join(f"word{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}" for i in range(600))
    story, _ = index.assign(report("long-1", "Velden flood", "river Arn Velden flood " + words))
    assert len(index.stories[story]["terms"]) <= MAX_TERMS


def index_features(article: dict) -> dict:
    from agents.logic.stories.features import article_features

    return article_features(article)


def test_a_story_is_evidence_for_the_event_matcher() -> None:
    place = {"key": "velden", "geonameid": 1, "admin1": "north", "country": "XX", "lat": 1.0, "lon": 1.0}
    place |= {"precision": "town"}
    day = [738955, 738955]
    nearby = place | {"key": "arnby", "geonameid": 2, "lat": 1.1}  # 11 km away
    mention = {"time": day, "place": nearby, "persons": [], "orgs": []}
    event = {"time": day, "place": place, "persons": [], "orgs": [], "last_article": "a1", "stories": ["st_a"]}
    # A nearby place and the day: enough without stories, and within the event's story ...
    assert match_strength(mention, event, "a2") == 0
    assert match_strength(mention, event, "a2", story="st_a") == 0
    # ... but from another story only the same town will do.
    assert match_strength(mention, event, "a2", story="st_b") is None
    assert match_strength(mention | {"place": place}, event, "a2", story="st_b") == 0
    # In the event's story, a mention without place or day of its own joins it.
    bare = {"time": None, "place": None, "persons": [], "orgs": []}
    assert match_strength(bare, event, "a2") is None
    assert match_strength(bare, event, "a2", story="st_a") == 0
