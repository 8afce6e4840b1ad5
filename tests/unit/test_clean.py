"""The clean stage's logic (agents.logic.clean), without Kafka: the fixture corpus under
tests/fixtures/clean, then one behaviour at a time."""

from __future__ import annotations

import random
import re

import lxml.html
import orjson
import pytest
from jsonschema import Draft202012Validator, FormatChecker

from agents.logic.clean import CleanError, clean_article, detect_language, fingerprint, normalise_text
from agents.logic.clean.eval import FIXTURE_DIR, f1, load_fixtures, lost_sentences, token_overlap

SCHEMA = orjson.loads((FIXTURE_DIR.parents[2] / "schemas" / "articles.clean.schema.json").read_bytes())
VALIDATOR = Draft202012Validator(SCHEMA, format_checker=FormatChecker())
FIXTURES = load_fixtures()
# Furniture shorter than this ("By", "XS") is only looked for as a whole paragraph:
# as a substring it would match story words.
MIN_SUBSTRING_CHARS = 8


def raw_record(body: str, *, content_type: str = "text", **fields) -> dict:
    return {
        "schema_version": 1,
        "article_id": "test-1",
        "content_type": content_type,
        "body": body,
        "received_at": "2015-06-24T08:00:00Z",
        **fields,
    }


@pytest.fixture(scope="module")
def cleaned() -> dict[str, dict]:
    return {fixture.name: clean_article(fixture.raw) for fixture in FIXTURES}


def by_name(test):
    return pytest.mark.parametrize("fixture", FIXTURES, ids=[f.name for f in FIXTURES])(test)


# --- the corpus --------------------------------------------------------------------------------


def test_corpus_covers_the_site_styles():
    names = [f.name for f in FIXTURES]
    assert len(names) >= 30
    prefixes = {name.split("_")[0] for name in names}
    assert {"wire", "blog", "live", "rss", "html", "plain", "ru", "fr", "tricky"} <= prefixes
    assert {f.raw["content_type"] for f in FIXTURES} == {"text", "html"}


@by_name
def test_output_is_a_valid_articles_clean_record(fixture, cleaned):
    errors = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in VALIDATOR.iter_errors(cleaned[fixture.name])
    ]
    assert errors == []


@by_name
def test_title_byline_date_dateline_and_language_match(fixture, cleaned):
    output, expected = cleaned[fixture.name], fixture.expected
    assert output["title"] == expected["title"]
    assert output["byline"] == expected["byline"]
    assert output["published_at"].startswith(expected["published_at"])
    assert output["published_at_source"] == expected["published_at_source"]
    assert (output["dateline"] or {}).get("place") == expected["dateline_place"]
    assert output["language"] == expected["language"]


@by_name
def test_no_story_sentence_is_lost(fixture, cleaned):
    assert lost_sentences(cleaned[fixture.name]["body"], fixture.expected["body"]) == []


@by_name
def test_body_has_no_page_furniture(fixture, cleaned):
    """Every piece of the input that is not story text (menus, banners, headline, byline,
    captions, related links, comments, footers) is absent from the body."""
    if fixture.raw["content_type"] == "html":
        root = lxml.html.fromstring(fixture.raw["body"])
        for element in root.xpath("//script|//style|//head"):
            element.drop_tree()
        pieces = root.itertext()
    else:
        pieces = fixture.raw["body"].split("\n")
    expected, body = fixture.expected["body"], cleaned[fixture.name]["body"]
    furniture = {text for piece in pieces if (text := normalise_text(piece)) and text not in expected}
    assert furniture, "a fixture should carry some page furniture or metadata to remove"
    paragraphs = set(body.split("\n\n"))
    leaked = [t for t in furniture if t in paragraphs or (len(t) >= MIN_SUBSTRING_CHARS and t in body)]
    assert sorted(leaked) == []


@by_name
def test_token_f1_is_at_least_095(fixture, cleaned):
    _, _, score = f1(*token_overlap(cleaned[fixture.name]["body"], fixture.expected["body"]))
    assert score >= 0.95


@pytest.mark.parametrize("name", [f.name for f in FIXTURES if "wrapped" in f.name])
def test_hard_wrapped_paragraphs_are_rejoined_exactly(name, cleaned):
    expected = next(f.expected for f in FIXTURES if f.name == name)
    assert cleaned[name]["body"].split("\n\n") == expected["body"].split("\n\n")


@pytest.mark.parametrize(
    "furniture",
    [
        "We use cookies to improve your experience. By continuing to browse you agree to our use of cookies.",
        "Advertisement",
        "Share this article",
        "Follow us on Twitter @caucasuswatch",
        "Sign up for our newsletter to get the latest news in your inbox",
        "Read more: Three militants killed in Nalchik special operation",
        "Image copyright AFP",
        "Police at the scene in Nalchik. Photo: Ivan Sidorov / Reuters",
        "Home | News | North Caucasus | Dagestan",
        "3 min read",
        "XS SM MD LG",
        "\u00a9 2015 Caucasus Monitor. All rights reserved.",
    ],
)
def test_furniture_between_story_paragraphs_is_dropped(furniture):
    story = ["Police said two suspected militants were killed on Monday.", "The men were named on Tuesday."]
    output = clean_article(raw_record("\n".join([story[0], furniture, story[1]])))
    assert output["body"] == "\n\n".join(story)


@pytest.mark.parametrize(
    ("section", "items"),
    [
        ("Related stories", ["Police kill three in Nalchik", "Chechen leader names new minister"]),
        ("About This Blog", ["This blog follows security and politics across the North Caucasus."]),
        ("Comments (2)", ["I hope it ends soon.", "Where is the proof that they were militants?"]),
    ],
)
def test_sections_take_what_they_head_with_them(section, items):
    story = "Police said two suspected militants were killed in Khasavyurt on Monday."
    output = clean_article(raw_record("\n".join([story, section, *items])))
    assert output["body"] == story


def test_the_headline_under_a_breaking_news_banner_is_not_the_articles():
    story = "Russian police detained three men in Dagestan on Monday on suspicion of plotting attacks."
    output = clean_article(raw_record(f"Breaking News\nEarthquake hits eastern Turkey\n{story}"))
    assert output["title"] is None
    assert output["body"] == story


def test_short_sentences_and_story_lists_are_kept():
    paragraphs = [
        "Police said the men were found with:",
        "- two rifles",
        "- a pistol",
        '"No," he said.',
        "Yes.",
    ]
    output = clean_article(raw_record("Two militants killed in Dagestan\n" + "\n".join(paragraphs)))
    assert output["body"] == "\n\n".join(paragraphs)


def test_list_items_without_bullets_or_punctuation_are_kept():
    paragraphs = [
        "Police said the men were found with:",
        "two Kalashnikov rifles",
        "a pistol and ammunition",
        "an improvised explosive device",
        "No officers were hurt in the raid.",
    ]
    output = clean_article(raw_record("\n".join(paragraphs)))
    assert output["body"] == "\n\n".join(paragraphs)


def test_unlabelled_link_list_inside_the_story_is_dropped_but_a_subhead_is_kept():
    story = [
        "Police said two suspected militants were killed on Monday.",
        "The men were named on Tuesday.",
        "Background",
        "Dagestan has seen near-daily violence for years.",
    ]
    links = ["Police kill three in Nalchik", "Chechen leader names new minister"]
    output = clean_article(raw_record("\n".join([story[0], *links, *story[1:]])))
    assert output["body"] == "\n\n".join(story)


def test_live_blog_time_stamps_go_and_entries_stay():
    body = (
        "Grozny attack: live\nLast updated: 4 December 2014, 11:40 MSK\n11:40\nOfficials say the operation is over.\n"
        "10:20 Witnesses report heavy gunfire near the central square.\n09:30\nThe attackers have been surrounded."
    )
    output = clean_article(raw_record(body))
    assert output["body"].split("\n\n") == [
        "Officials say the operation is over.",
        "Witnesses report heavy gunfire near the central square.",
        "The attackers have been surrounded.",
    ]


# --- datelines ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("opening", "place", "date_text", "agency"),
    [
        ("MOSCOW, April 27 (Reuters) - ", "MOSCOW", "April 27", "Reuters"),
        ("MAKHACHKALA, Dagestan (AP) \u2014 ", "MAKHACHKALA", None, "AP"),
        ("Nalchik, 3 May (Interfax) - ", "Nalchik", "3 May", "Interfax"),
        ("GROZNY, Russia, Dec 12 (Reuters) - ", "GROZNY", "Dec 12", "Reuters"),
        ("MAKHACHKALA. April 21 (Interfax) - ", "MAKHACHKALA", "April 21", "Interfax"),
        ("NALCHIK, Russia -- ", "NALCHIK", None, None),
        ("MOSCOW, March 3. /TASS/. ", "MOSCOW", "March 3", "TASS"),
        ("МОСКВА, 21 апр - РИА Новости. ", "МОСКВА", "21 апр", "РИА Новости"),
        ("Moscou, 12 juin 2015 (AFP) - ", "Moscou", "12 juin 2015", "AFP"),
    ],
)
def test_dateline_is_parsed_and_cut_from_the_first_paragraph(opening, place, date_text, agency):
    story = "Police said two suspected militants were killed in a shootout on Monday."
    output = clean_article(raw_record(opening + story + "\n\nNo officers were hurt, they said."))
    dateline = output["dateline"]
    assert (dateline["place"], dateline["date_text"], dateline["agency"]) == (place, date_text, agency)
    assert dateline["text"] == normalise_text(opening)
    assert output["body"].startswith(story)


@pytest.mark.parametrize(
    "paragraph",
    [
        "Police in Nalchik - the capital of Kabardino-Balkaria - said two men had been detained.",
        "The NAC (National Anti-Terrorism Committee) - said two men had been detained on Monday.",
        "On Monday, police - who had surrounded the house - said two men had been detained.",
        "Moscow - the Kremlin said on Monday that two men had been detained in Dagestan.",
    ],
)
def test_sentence_openings_are_not_datelines(paragraph):
    output = clean_article(raw_record(paragraph))
    assert output["dateline"] is None
    assert output["body"] == paragraph


def test_dateline_date_takes_its_year_from_received_at_and_never_lies_in_the_future():
    body = "GROZNY, Dec 31 (Reuters) - Police said two suspected militants were killed on Wednesday."
    output = clean_article(raw_record(body, received_at="2015-01-02T10:00:00Z"))
    assert (output["published_at"], output["published_at_source"]) == ("2014-12-31T00:00:00+00:00", "dateline")


# --- publication time ---------------------------------------------------------------------------


def test_publication_time_comes_from_record_then_dateline_then_text_then_receipt():
    dated = "Published: 21 April 2014 09:30 MSK\n\n"
    story = "MOSCOW, April 20 (Reuters) - Police said two suspected militants were killed in Dagestan."
    undated = "Police said two suspected militants were killed in Dagestan on Sunday."

    def published(body, **fields):
        output = clean_article(raw_record(body, received_at="2014-04-22T08:00:00Z", **fields))
        return output["published_at"], output["published_at_source"]

    assert published(dated + story, published_at="2014-04-20T06:00:00Z") == ("2014-04-20T06:00:00+00:00", "record")
    assert published(dated + story) == ("2014-04-20T00:00:00+00:00", "dateline")
    # Moscow was at UTC+4 in 2014.
    assert published(dated + undated) == ("2014-04-21T09:30:00+04:00", "text")
    assert published(undated) == ("2014-04-22T08:00:00+00:00", "received")


@pytest.mark.parametrize(
    ("line", "published_at"),
    [
        ("Published: 21 April 2014 09:30", "2014-04-21T09:30:00+00:00"),
        ("Posted on April 21, 2014 at 9:30 pm", "2014-04-21T21:30:00+00:00"),
        ("Last updated: Monday 21 April 2014, 11:20 MSK", "2014-04-21T11:20:00+04:00"),
        ("December 4, 2014 11:20 MSK", "2014-12-04T11:20:00+03:00"),
        ("Updated 2014-04-21 09:30 GMT", "2014-04-21T09:30:00+00:00"),
        ("21.04.2014 14:05", "2014-04-21T14:05:00+00:00"),
        ("Опубликовано 21 апреля 2014 г. в 10:15", "2014-04-21T10:15:00+00:00"),
        ("Mis à jour le 3 mai 2015 à 14h30", "2015-05-03T14:30:00+00:00"),
    ],
)
def test_date_line_in_the_text_gives_the_publication_time(line, published_at):
    output = clean_article(raw_record(f"{line}\nPolice said two suspected militants were killed in Dagestan."))
    assert (output["published_at"], output["published_at_source"]) == (published_at, "text")
    assert output["body"] == "Police said two suspected militants were killed in Dagestan."


def test_html_metadata_date_comes_before_the_dateline():
    html = (
        '<html><head><meta property="article:published_time" content="2014-04-21T09:30:00+04:00"></head><body>'
        "<article><h1>Two militants killed</h1><p>MOSCOW, April 20 (Reuters) - Police said two suspected militants"
        " were killed in a shootout in Dagestan on Sunday evening.</p></article></body></html>"
    )
    output = clean_article(raw_record(html, content_type="html"))
    assert (output["published_at"], output["published_at_source"]) == ("2014-04-21T09:30:00+04:00", "html")
    assert output["dateline"]["place"] == "MOSCOW"


# --- bylines and titles -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "byline"),
    [
        (["By JANE DOE, Associated Press"], "Jane Doe"),
        (["By Jane Doe and John Roe | 21 April 2014"], "Jane Doe and John Roe"),
        (["Author: Fatima Kudaeva"], "Fatima Kudaeva"),
    ],
)
def test_byline_line_above_the_story_gives_the_names(lines, byline):
    body = "\n".join(["Two militants killed in Dagestan shootout", *lines, "Police said two men died on Monday."])
    output = clean_article(raw_record(body))
    assert output["byline"] == byline
    assert output["body"] == "Police said two men died on Monday."


@pytest.mark.parametrize(
    ("closing", "byline"),
    [
        ("-- Anna Petrova", "Anna Petrova"),
        ("\u2014 Anna Petrova", "Anna Petrova"),
        (
            "(Reporting by Zaur Gadzhiev in Makhachkala and Maria Vasilyeva; Editing by Tom Kellner)",
            "Zaur Gadzhiev and Maria Vasilyeva",
        ),
    ],
)
def test_sign_off_or_credit_under_the_story_gives_the_names(closing, byline):
    body = f"Police said two men died on Monday.\n{closing}\nAbout This Blog\nThis blog covers the region in depth."
    output = clean_article(raw_record(body))
    assert output["byline"] == byline
    assert output["body"] == "Police said two men died on Monday."


def test_record_byline_wins_and_loses_its_by():
    output = clean_article(raw_record("-- Anna Petrova\nPolice said two men died on Monday.", byline="By JOHN ROE"))
    assert output["byline"] == "John Roe"


def test_record_title_wins_and_the_matching_headline_line_leaves_the_body():
    body = "Accessibility links\nTwo militants killed in Dagestan\nPolice said two men died on Monday."
    output = clean_article(raw_record(body, title="Two militants killed in Dagestan"))
    assert output["title"] == "Two militants killed in Dagestan"
    assert output["body"] == "Police said two men died on Monday."


# --- normalisation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("Cafe\u0301 owner", "Caf\u00e9 owner"),  # NFC
        ("\u201cWe won\u2019t,\u201d he said. \u2018No.\u2019", "\"We won't,\" he said. 'No.'"),
        ("Grozny \u2014 the capital \u2013 and 2014\u20132015 \u2212 5", "Grozny - the capital - and 2014-2015 - 5"),
        ("He said -- later", "He said - later"),
        ("two\u00a0men\u2009and\u200b a   dog\t here", "two men and a dog here"),
        ("Wait\u2026", "Wait..."),
        ("\u00ab\u00a0Non\u00a0\u00bb, dit-il", "\u00ab Non \u00bb, dit-il"),
        ("  First paragraph\nstill first.\r\n\r\n\r\n\nSecond.  ", "First paragraph still first.\n\nSecond."),
        ("of\ufb01cial", "official"),
    ],
)
def test_normalise_text(text, normalised):
    assert normalise_text(text) == normalised


@pytest.mark.parametrize(
    ("text", "repaired"),
    [
        ("The gov-\nernment said", "The government said"),
        ("a counter-\nterrorism operation", "a counter-terrorism operation"),
        ("a pro-\nRussian party", "a pro-Russian party"),
        ("the well-\nknown commander", "the well-known commander"),
        # the text's own spelling decides: "cooperative" elsewhere, "near-daily" elsewhere
        ("a co-\noperative farm, the cooperative said", "a cooperative farm, the cooperative said"),
        ("near-\ndaily attacks and near-daily raids", "near-daily attacks and near-daily raids"),
        ("ends with a dash -\nnot a word", "ends with a dash - not a word"),
        ("a 28-\nyear-old sergeant, in 2009-\n10", "a 28-year-old sergeant, in 2009-10"),
    ],
)
def test_words_broken_across_lines_are_repaired(text, repaired):
    assert normalise_text(text) == repaired


def test_mojibake_is_repaired():
    output = clean_article(raw_record("The police said they donâ€™t know who the men were."))
    assert output["body"] == "The police said they don't know who the men were."


def test_html_entities_in_plain_text_are_decoded():
    output = clean_article(raw_record("Police said the men&#8217;s car &amp; weapons were seized on Monday."))
    assert output["body"] == "Police said the men's car & weapons were seized on Monday."


# --- language -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "language"),
    [
        ("Police in Dagestan said on Monday that two suspected militants had been killed in a shootout.", "en"),
        ("Полиция задержала двух подозреваемых в Махачкале в понедельник вечером.", "ru"),
        ("La police a arrêté deux suspects au Daghestan lundi soir, selon les autorités.", "fr"),
    ],
)
def test_non_english_articles_are_kept_and_tagged(body, language):
    output = clean_article(raw_record(body))
    assert output["language"] == language
    assert output["body"] == body


def test_language_is_undetermined_for_too_little_text_unless_the_record_says():
    assert detect_language("Police said.") == "und"
    assert detect_language("Police said.", hint="EN") == "en"
    assert detect_language("Police in Dagestan said on Monday that two men had been killed.", hint="ru") == "en"


# --- fingerprint --------------------------------------------------------------------------------


def test_fingerprint_ignores_spacing_quotes_case_and_paragraphing():
    one = 'He said "no".\n\nThen   he left - quickly.'
    other = "he said \u201cNo.\u201d Then he left \u2014 quickly"
    assert fingerprint(one) == fingerprint(other)
    assert re.fullmatch(r"[0-9a-f]{64}", fingerprint(one))


def test_fingerprint_differs_for_different_text():
    assert fingerprint("Two militants were killed.") != fingerprint("Three militants were killed.")


# --- rejected input -----------------------------------------------------------------------------


def reason(body: str, *, max_body_bytes: int = 900_000, max_story_chars: int = 200_000, **fields) -> str:
    with pytest.raises(CleanError) as caught:
        clean_article(raw_record(body, **fields), max_body_bytes=max_body_bytes, max_story_chars=max_story_chars)
    return caught.value.reason


def test_empty_and_whitespace_bodies_are_empty_body():
    assert reason("") == "empty_body"
    assert reason(" \n\t\u00a0 \n") == "empty_body"


def test_body_of_nothing_but_furniture_is_empty_body():
    assert reason("Accessibility links\nSkip to content\nSubscribe\nShare this\nXS\nSM\nMD\nLG") == "empty_body"
    assert reason("<html><body><nav><a href='/'>Home</a></nav></body></html>", content_type="html") == "empty_body"


def test_a_one_line_report_without_a_title_is_its_own_story():
    line = "Herders ambush a patrol near the river crossing; two rangers killed"
    cleaned = clean_article(raw_record(line))
    assert cleaned["body"] == line
    assert cleaned["title"] is None


def test_binary_junk_is_bad_encoding():
    junk = random.Random(7).randbytes(20_000)
    assert reason(junk.decode("latin-1")) == "bad_encoding"
    assert reason(junk.decode("utf-8", errors="replace")) == "bad_encoding"
    assert reason("Police said\x00\x00\x00\x00\x00\x00\x00\x00 " * 200) == "bad_encoding"
    assert reason(junk.decode("latin-1"), content_type="html") == "bad_encoding"


def test_oversized_bodies_are_too_large_before_anything_else():
    assert reason("<p>Police said two men died.</p>" * 700_000, content_type="html") == "too_large"
    # 20 MB of junk: too_large, so the size was checked before the content.
    assert reason("\x00" * 20_000_000) == "too_large"
    # The limit is in UTF-8 bytes: 600,000 Cyrillic letters are 1.2 MB.
    assert reason("я" * 600_000) == "too_large"
    assert reason("Police said two men died on Monday.", max_body_bytes=10) == "too_large"


def test_input_that_is_not_an_article_is_unsupported():
    assert reason("Police said two men died on Monday.", content_type="pdf") == "unsupported_input"
    assert reason("%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n1 0 obj") == "unsupported_input"
    assert reason("Police said two men died on Monday.", received_at="yesterday") == "unsupported_input"
    with pytest.raises(CleanError) as caught:
        clean_article({"article_id": "x", "content_type": "text", "received_at": "2015-01-01T00:00:00Z"})
    assert caught.value.reason == "unsupported_input"


def test_clean_error_only_takes_dead_letter_reasons():
    assert CleanError("too_large", "body exceeds 10 bytes").reason == "too_large"
    with pytest.raises(ValueError):
        CleanError("something_else", "not a reason")


# --- real pages ------------------------------------------------------------------------------


def html_page(article: str, *, head: str = "", after: str = "") -> str:
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'>{head}</head><body>"
        "<nav><a href='/'>Home</a> <a href='/world'>World</a> <a href='/sport'>Sport</a></nav>"
        f"<article>{article}</article>{after}<footer>Example Daily, all rights reserved</footer></body></html>"
    )


STORY_PARAGRAPHS = [
    "Rescue teams reached the last of the villages cut off by the landslide in the Kodori valley on "
    "Thursday, the regional emergencies ministry said.",
    "The landslide, triggered by two days of heavy rain, buried a stretch of the only road into the valley "
    "and damaged a bridge over the river, the ministry said in a statement.",
    "Engineers expect to reopen the road to light vehicles by the end of next week.",
]


def test_a_page_of_real_size_passes_and_an_endless_story_is_too_large():
    padding = "<script>var tracking = '" + "x" * 1_200_000 + "';</script>"
    page = html_page("".join(f"<p>{p}</p>" for p in STORY_PARAGRAPHS), head=padding)
    assert clean_article(raw_record(page, content_type="html"))["body"] == "\n\n".join(STORY_PARAGRAPHS)
    assert reason(page, content_type="html", max_story_chars=200) == "too_large"


def test_story_lists_and_tables_stay_and_link_blocks_go():
    article = (
        f"<h1>Landslide cuts off Kodori villages</h1><p>{STORY_PARAGRAPHS[0]}</p>"
        "<p>The ministry listed what the teams brought in:</p><ul><li>drinking water for 400 people</li>"
        "<li>two field generators</li><li>medicines for the village clinic</li></ul>"
        f"<p>{STORY_PARAGRAPHS[1]}</p>"
        "<table><tr><th>Village</th><th>Residents</th></tr><tr><td>Azhara</td><td>212</td></tr>"
        "<tr><td>Gentsvishi</td><td>87</td></tr></table>"
        f"<p>{STORY_PARAGRAPHS[2]}</p>"
        "<ul><li><a href='/a'>Floods close the road to Mestia for a week</a></li>"
        "<li><a href='/b'>Georgia asks for help after spring storms</a></li></ul>"
    )
    body = clean_article(raw_record(html_page(article), content_type="html"))["body"]
    for kept in (*STORY_PARAGRAPHS, "two field generators", "Gentsvishi", "212"):
        assert kept in body
    assert "Floods close the road" not in body and "spring storms" not in body


def test_a_page_without_sentence_shapes_is_not_emptied():
    sentences = [
        "서울 지하철 2호선 운행이 화요일 아침 한 시간 동안 멈췄다",
        "서울시는 신호 장치 고장이 원인이라고 밝혔다",
        "출근길 시민 수천 명이 버스와 택시로 갈아탔다",
        "시는 오후까지 모든 열차가 정상 운행했다고 덧붙였다",
    ]
    page = html_page("<h1>지하철 2호선 한 시간 멈춰</h1>" + "".join(f"<p>{s}</p>" for s in sentences))
    output = clean_article(raw_record(page, content_type="html"))
    assert output["body"].split("\n\n") == sentences


def test_placeholder_dates_give_way_to_the_next_source():
    text = "Published: 21 April 2014 09:30 GMT\nPolice said two men died in the blast on Monday."
    for placeholder in ("0001-01-01T00:00:00Z", "1800-01-01T00:00:00Z", "2099-01-01T00:00:00Z"):
        output = clean_article(raw_record(text, published_at=placeholder))
        assert (output["published_at"], output["published_at_source"]) == ("2014-04-21T09:30:00+00:00", "text")
    head = "<meta property='article:published_time' content='0001-01-01T00:00:00+00:00'>"
    page = html_page("".join(f"<p>{p}</p>" for p in STORY_PARAGRAPHS), head=head)
    assert clean_article(raw_record(page, content_type="html"))["published_at_source"] != "html"


@pytest.mark.parametrize(
    ("title", "site_name", "url", "expected"),
    [
        (
            "Landslide cuts off villages - TechCrunch",
            None,
            "https://techcrunch.com/2019/x",
            "Landslide cuts off villages",
        ),
        ("Landslide cuts off villages | The Example Daily", "The Example Daily", None, "Landslide cuts off villages"),
        ("BBC News - Landslide cuts off villages", None, "https://www.bbc.co.uk/news/1", "Landslide cuts off villages"),
        ("Kodori - a valley cut off", "Example Daily", "https://example.com/a", "Kodori - a valley cut off"),
    ],
)
def test_site_names_leave_titles(title, site_name, url, expected):
    head = f"<title>{title}</title>" + (f"<meta property='og:site_name' content='{site_name}'>" if site_name else "")
    page = html_page("".join(f"<p>{p}</p>" for p in STORY_PARAGRAPHS), head=head)
    assert clean_article(raw_record(page, content_type="html", url=url))["title"] == expected


def test_pop_up_cards_in_a_sentence_and_calls_to_subscribe_go():
    card = (
        "<a href='/people/a'>Nino Beridze</a><a href='/people/a'>Nino Beridze</a>"
        "<a href='/n/1'>Minister promises new bridge for Kodori valley by winter</a> "
        "<a href='/n/2'>Rain warning extended to western Georgia</a> <a href='/people/a'>MORE</a>"
    )
    article = (
        f"<p>{STORY_PARAGRAPHS[0]}</p><p>Regional governor {card} said the valley would get a new bridge.</p>"
        f"<p>{STORY_PARAGRAPHS[1]}</p><p>Get the day's top stories in your inbox. Sign up for our newsletter.</p>"
    )
    body = clean_article(raw_record(html_page(article), content_type="html"))["body"]
    assert body.split("\n\n") == [
        STORY_PARAGRAPHS[0],
        "Regional governor Nino Beridze said the valley would get a new bridge.",
        STORY_PARAGRAPHS[1],
    ]
