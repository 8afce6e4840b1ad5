"""Rules of the extract stage, one behaviour per test, on short hand-written texts."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest

from agents.logic.extract import extract_article, load_nlp
from agents.logic.extract.gazetteer import Context, fold_key, gazetteer
from agents.logic.extract.timex import find_times
from streams.settings import settings

ANCHOR = "2014-04-27T10:00:00Z"  # a Sunday


@pytest.fixture(scope="session")
def nlp():
    return load_nlp(settings.spacy_model)


def article(body: str, published_at: str | None = ANCHOR, dateline: str | None = None, **extra) -> dict:
    return {
        "schema_version": 1,
        "article_id": "t1",
        "source": "Test Wire",
        "url": None,
        "title": None,
        "byline": None,
        "dateline": {"place": dateline, "text": f"{dateline} -"} if dateline else None,
        "published_at": published_at,
        "published_at_source": "html" if published_at else "received",
        "received_at": extra.pop("received_at", "2014-04-27T10:05:00Z"),
        "language": extra.pop("language", "en"),
        "body": body,
        "fingerprint": hashlib.sha256(body.encode()).hexdigest(),
    }


def entity(out: dict, name: str) -> dict:
    return next(e for e in out["entities"] if e["name"] == name)


def only_event(out: dict, kind: str) -> dict:
    found = [e for e in out["events"] if e["type"] == kind]
    assert len(found) == 1, out["events"]
    return found[0]


def roles(event: dict) -> dict[str, str]:
    return {a["name"]: a["role"] for a in event["actors"]}


# -- gazetteer ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "variant, canonical",
    [
        ("Daghestan", "Dagestan"),
        ("Dagestan", "Dagestan"),
        ("Hasavyurt", "Khasavyurt"),
        ("Khasavyurt", "Khasavyurt"),
        ("Chechen Republic", "Chechnya"),
        ("Chechnya", "Chechnya"),
        ("Kabardino-Balkaria", "Kabardino-Balkaria"),
        ("Nalchik", "Nalchik"),
        ("Nal'chik", "Nalchik"),
        ("Grozny", "Grozny"),
    ],
)
def test_gazetteer_resolves_transliteration_variants(variant, canonical):
    assert gazetteer().resolve(variant).name == canonical


def test_folded_keys_ignore_transliteration_choices():
    assert fold_key("Daghestan") == fold_key("Dagestan")
    assert fold_key("Hasavyurt") == fold_key("Khasavyurt")
    assert fold_key("Kabardino-Balkariya") == fold_key("Kabardino-Balkaria")


def test_regions_are_places_of_region_precision_at_their_towns_mean():
    dagestan = gazetteer().resolve("Dagestan")
    assert (dagestan.precision, dagestan.country_code, dagestan.admin1) == ("region", "RU", "Dagestan")
    assert 41 < dagestan.lat < 45 and 45 < dagestan.lon < 49


def test_towns_carry_their_region_and_country():
    town = gazetteer().resolve("Khasavyurt")
    assert (town.precision, town.admin1, town.country_code) == ("town", "Dagestan", "RU")
    assert town.geonameid is not None


def test_districts_from_an_adjective_and_from_geonames_admin2():
    context = Context({"RU"}, {"Dagestan"})
    kizlyarsky = gazetteer().resolve("Kizlyarsky district", context)
    assert (kizlyarsky.precision, kizlyarsky.admin1) == ("district", "Dagestan")
    tsumada = gazetteer().resolve("Tsumadinsky district", context)
    assert (tsumada.precision, tsumada.name) == ("district", "Tsumadinskiy Rayon")
    # A district adjective shared by dozens of regions is not guessed outside the article's region.
    assert gazetteer().resolve("Kirovsky district", context) is None


def test_homonyms_prefer_the_article_region_then_population():
    assert gazetteer().resolve("Kizlyar").admin1 == "Dagestan"
    assert gazetteer().resolve("Derbent", Context({"RU"}, {"Dagestan"})).country_code == "RU"
    assert gazetteer().resolve("Moscow").country_code == "RU"
    assert gazetteer().resolve("Georgia").precision == "country"
    assert gazetteer().resolve("Georgia", Context({"US"}, {"California"})).precision == "country"
    assert gazetteer().resolve("UK").country_code == "GB"


def test_a_region_named_after_its_capital_means_the_town():
    assert gazetteer().resolve("Moscow").precision == "town"
    assert gazetteer().resolve("Moscow region").precision == "region"


def test_north_caucasus_covers_its_republics():
    north_caucasus = gazetteer().resolve("North Caucasus")
    assert north_caucasus.contains(gazetteer().resolve("Ingushetia"))
    assert north_caucasus.contains(gazetteer().resolve("Nalchik"))
    assert not north_caucasus.contains(gazetteer().resolve("Moscow"))


# -- time --------------------------------------------------------------------------------

PUBLISHED = date(2014, 4, 27)  # Sunday


@pytest.mark.parametrize(
    "text, start, end, precision",
    [
        ("killed on April 20", "2014-04-20", "2014-04-20", "day"),
        ("on April 20, 2013", "2013-04-20", "2013-04-20", "day"),
        ("on 20 April", "2014-04-20", "2014-04-20", "day"),
        ("in March", "2014-03-01", "2014-03-31", "month"),
        ("since August 2013", "2013-08-01", "2014-04-27", "range"),
        ("this month", "2014-04-01", "2014-04-30", "month"),
        ("last month", "2014-03-01", "2014-03-31", "month"),
        ("in 2013-14", "2013-01-01", "2014-12-31", "range"),
        ("last Tuesday", "2014-04-22", "2014-04-22", "day"),
        ("yesterday", "2014-04-26", "2014-04-26", "day"),
        ("on Sunday", "2014-04-27", "2014-04-27", "day"),
        ("on Friday", "2014-04-25", "2014-04-25", "day"),
        ("earlier this year", "2014-01-01", "2014-04-26", "range"),
        ("in March last year", "2013-03-01", "2013-03-31", "month"),
        ("last week", "2014-04-14", "2014-04-20", "range"),
        ("two days ago", "2014-04-25", "2014-04-25", "day"),
        ("in 2011", "2011-01-01", "2011-12-31", "year"),
        ("on the night of April 2", "2014-04-02", "2014-04-02", "day"),
    ],
)
def test_date_expressions_resolve_against_publication(text, start, end, precision):
    found = find_times(f"Militants were detained {text}.", PUBLISHED)
    assert len(found) == 1, found
    assert (found[0].start.isoformat(), found[0].end.isoformat(), found[0].precision) == (start, end, precision)
    assert found[0].text in text


def test_a_yearless_date_after_publication_is_last_years():
    found = find_times("The video was released on December 28.", date(2015, 1, 5))
    assert found[0].start == date(2014, 12, 28)
    assert find_times("He was killed on April 20.", PUBLISHED)[0].start == date(2014, 4, 20)
    assert find_times("In March, he left.", date(2015, 1, 12))[0].start == date(2014, 3, 1)


def test_ages_durations_and_counts_are_not_dates():
    text = "Magomed Gasanov, 30, faces 15 years in prison; 20-year-old Ali and 1,700 fighters, aged 19 and 25."
    assert find_times(text, PUBLISHED) == []


# -- entities ----------------------------------------------------------------------------


def test_surname_and_abbreviation_refer_back_to_the_full_name(nlp):
    out = extract_article(
        article(
            "Security forces killed Arsanali Kambulatov in Khasavyurt on Sunday, the National Antiterrorism "
            "Committee (NAK) said. Kambulatov had been on the wanted list since 2012, the NAK said."
        ),
        nlp,
    )
    person = entity(out, "Arsanali Kambulatov")
    assert person["kind"] == "person" and "Kambulatov" in person["variants"] and person["mentions"] == 2
    committee = entity(out, "National Antiterrorism Committee")
    assert committee["kind"] == "organisation" and "NAK" in committee["variants"] and committee["mentions"] == 3
    assert not any(e["name"] in ("Kambulatov", "NAK") for e in out["entities"])


def test_aliases_and_noms_de_guerre_are_variants(nlp):
    out = extract_article(
        article(
            "Police named the man as Aliaskhab Kebekov, also known as Ali Abu Muhammad. Another militant, "
            "Astemir Gedgafov, whose nom de guerre is Abu Dzhihad, escaped."
        ),
        nlp,
    )
    assert "Ali Abu Muhammad" in entity(out, "Aliaskhab Kebekov")["variants"]
    assert "Abu Dzhihad" in entity(out, "Astemir Gedgafov")["variants"]


def test_village_of_x_is_a_place_and_an_age_is_not_a_date(nlp):
    out = extract_article(
        article("Residents of the village of Sagopshi said Magomed Gasanov, 30, was detained there on Monday."), nlp
    )
    sagopshi = entity(out, "Sagopshi")
    assert sagopshi["kind"] == "place" and sagopshi["place"]["admin1"] == "Ingushetia"
    assert entity(out, "Magomed Gasanov")["attributes"]["age"] == 30
    event = only_event(out, "arrested")
    assert event["time"]["start"] == "2014-04-21" and "30" not in event["time"]["text"]


def test_sky_district_is_a_place_not_a_person(nlp):
    out = extract_article(article("Two militants were killed in Kizlyarsky district of Dagestan on Sunday."), nlp)
    district = entity(out, "Kizlyarsky district")
    assert district["kind"] == "place"
    assert (district["place"]["precision"], district["place"]["admin1"]) == ("district", "Dagestan")


def test_known_armed_groups_are_groups_whatever_the_model_says(nlp):
    out = extract_article(
        article(
            "Militants of the Caucasus Emirate and fighters of the Islamic State group clashed. IS later "
            "said Vilayat Kavkaz would grow."
        ),
        nlp,
    )
    assert entity(out, "Caucasus Emirate")["kind"] == "group"
    islamic_state = entity(out, "Islamic State")
    assert islamic_state["kind"] == "group" and "IS" in islamic_state["variants"]
    assert entity(out, "Vilayat Kavkaz")["kind"] == "group"


def test_titles_are_stripped_from_names_and_kept_as_attributes(nlp):
    out = extract_article(
        article(
            "Arsanali Kambulatov, the leader of the Khasavyurt sector of the Caucasus Emirate, was killed. "
            "Islamic State leader Abu Bakr al-Baghdadi did not comment."
        ),
        nlp,
    )
    kambulatov = entity(out, "Arsanali Kambulatov")["attributes"]
    assert kambulatov["title"] == "leader of the Khasavyurt sector of the Caucasus Emirate"
    assert kambulatov["affiliation"] == "Caucasus Emirate"
    baghdadi = entity(out, "Abu Bakr al-Baghdadi")["attributes"]
    assert baghdadi["affiliation"] == "Islamic State"


def test_place_spellings_share_one_entity(nlp):
    out = extract_article(
        article("The head of the Chechen Republic spoke in Grozny. Police in Chechnya later detained two men."), nlp
    )
    chechnya = [e for e in out["entities"] if e.get("place", {}).get("canonical") == "Chechnya"]
    assert len(chechnya) == 1 and {"Chechen Republic", "Chechnya"} <= set(chechnya[0]["variants"])


def test_places_get_gazetteer_entries(nlp):
    out = extract_article(article("Police detained a man in Hasavyurt on Monday."), nlp)
    place = entity(out, "Hasavyurt")["place"]
    assert place["canonical"] == "Khasavyurt" and place["reported"] == "Hasavyurt"
    assert (place["country_code"], place["precision"]) == ("RU", "town") and place["lat"] is not None


# -- events: types and roles -------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence, kind",
    [
        ("Police shot dead Ruslan Aliyev in Nalchik on Monday.", "killed"),
        ("Security forces neutralised Ruslan Aliyev in Nalchik on Monday.", "killed"),
        ("Ruslan Aliyev died in Nalchik on Monday.", "killed"),
        ("Police apprehended Ruslan Aliyev in Nalchik on Monday.", "arrested"),
        ("A suicide bomber blew himself up in Nalchik on Monday.", "bombing"),
        ("A blast destroyed a police post in Nalchik on Monday.", "bombing"),
        ("Police and militants exchanged fire in Nalchik on Monday.", "clash"),
        ("A gunfight broke out in Nalchik on Monday.", "clash"),
        ("Gunmen ambushed a police patrol in Nalchik on Monday.", "attack"),
        ("Ruslan Aliyev swore allegiance to Islamic State leader Abu Bakr al-Baghdadi on Monday.", "allegiance_pledge"),
        ("In a video, Ruslan Aliyev called on Muslims to join the Islamic State group on Monday.", "recruitment_call"),
        ("The Caucasus Emirate named Ruslan Aliyev as its new leader on Monday.", "leadership_change"),
        ("A court in Nalchik sentenced Ruslan Aliyev to 12 years in prison on Monday.", "sentenced"),
        ("An earthquake struck Nalchik on Monday.", "disaster"),
        ("Voters in Nalchik elected Ruslan Aliyev as mayor on Monday.", "election"),
        ("Norvex Energy agreed to acquire Baltgrid on Monday.", "business"),
        ("Armed men abducted Ruslan Aliyev in Nalchik on Monday.", "other"),
        ("Ramzan Kadyrov warned on Monday that militants would be punished.", "statement"),
    ],
)
def test_trigger_words_give_the_event_type(nlp, sentence, kind):
    out = extract_article(article(sentence), nlp)
    assert [e["type"] for e in out["events"]] == [kind]


def test_passive_subject_is_the_victim_and_by_agent_the_authority(nlp):
    out = extract_article(
        article("Aslan Byutukayev was killed by the Federal Security Service in Chechnya on Sunday."), nlp
    )
    assert roles(only_event(out, "killed")) == {"Aslan Byutukayev": "victim", "Federal Security Service": "authority"}


def test_arrest_subject_and_pledge_subject_and_target(nlp):
    out = extract_article(article("Police detained Ruslan Aliyev in Nalchik on Monday."), nlp)
    arrest = only_event(out, "arrested")
    assert roles(arrest) == {"Ruslan Aliyev": "subject"}
    pledge = only_event(
        extract_article(
            article("Astemir Gedgafov pledged allegiance to Abu Bakr al-Baghdadi in a video posted on Saturday."), nlp
        ),
        "allegiance_pledge",
    )
    assert roles(pledge) == {"Astemir Gedgafov": "subject", "Abu Bakr al-Baghdadi": "target"}


def test_pledge_gives_the_pledger_an_affiliation(nlp):
    out = extract_article(article("Astemir Gedgafov pledged allegiance to the Islamic State group on Saturday."), nlp)
    assert entity(out, "Astemir Gedgafov")["attributes"]["affiliation"] == "Islamic State"


def test_succession_roles(nlp):
    out = extract_article(
        article(
            "Ramzan Kadyrov on Monday appointed Aslambek Tsakayev as mayor of Grozny, replacing Said-Ali Bisultanov."
        ),
        nlp,
    )
    event = only_event(out, "leadership_change")
    assert roles(event) == {
        "Ramzan Kadyrov": "authority",
        "Aslambek Tsakayev": "subject",
        "Said-Ali Bisultanov": "other",
    }


def test_actors_carry_the_article_name_and_variants(nlp):
    out = extract_article(
        article(
            "Arsanali Kambulatov, 35, was detained in Khasavyurt on Monday. Police said Kambulatov was later killed."
        ),
        nlp,
    )
    killed = only_event(out, "killed")
    actor = killed["actors"][0]
    assert actor["name"] == "Arsanali Kambulatov" and "Kambulatov" in actor["variants"]
    assert actor["attributes"]["age"] == 35


# -- events: casualties, certainty, attribution, place and time --------------------------


def test_casualty_counts(nlp):
    out = extract_article(
        article("Three militants were killed and two police officers were wounded in a gunfight in Nalchik on Monday."),
        nlp,
    )
    assert only_event(out, "killed")["casualties"] == {"killed": 3, "injured": 2}
    out = extract_article(
        article(
            "A suicide bomber blew himself up in Nazran on Monday, killing two police officers and wounding five "
            "other people. Eleven militants were also killed in the fighting."
        ),
        nlp,
    )
    assert only_event(out, "bombing")["casualties"] == {"killed": 13, "injured": 5}
    out = extract_article(article("Police detained three men in Sagopshi on Monday."), nlp)
    assert only_event(out, "arrested")["casualties"] == {"arrested": 3}


def test_named_victims_count_and_subsets_do_not_add(nlp):
    out = extract_article(
        article(
            "Security forces killed Aliaskhab Kebekov and four other militants in Dagestan on Sunday. "
            "All five were killed in a gunfight."
        ),
        nlp,
    )
    assert only_event(out, "killed")["casualties"] == {"killed": 5}
    out = extract_article(
        article(
            "At least four people were killed when a car bomb exploded in Makhachkala on Tuesday. "
            "Two of the dead were police officers."
        ),
        nlp,
    )
    assert only_event(out, "bombing")["casualties"] == {"killed": 4}


@pytest.mark.parametrize(
    "body, certainty, negated",
    [
        ("The NAK confirmed that Aliaskhab Kebekov was killed in Dagestan on Sunday.", "confirmed", False),
        (
            "Aliaskhab Kebekov was killed in Dagestan on Sunday. Investigators have identified the body of Kebekov.",
            "confirmed",
            False,
        ),
        ("Aliaskhab Kebekov was reportedly killed in Dagestan on Sunday.", "reported", False),
        ("According to Kavkaz Uzel, Aliaskhab Kebekov was killed in Dagestan on Sunday.", "reported", False),
        ("Aliaskhab Kebekov is believed to have been killed in Dagestan on Sunday.", "alleged", False),
        ("Aliaskhab Kebekov was allegedly killed in Dagestan on Sunday.", "alleged", False),
        (
            "The Islamic State group claimed responsibility for an attack on police in Derbent on Sunday.",
            "claimed",
            False,
        ),
        ("Police denied reports that Aliaskhab Kebekov had been killed in Dagestan.", "denied", True),
        (
            "Aliaskhab Kebekov was killed in Dagestan on Sunday, websites said. Reports of his death were false, "
            "police said.",
            "denied",
            True,
        ),
    ],
)
def test_certainty(nlp, body, certainty, negated):
    event = extract_article(article(body), nlp)["events"][0]
    assert event["certainty"] == certainty
    assert event.get("negated", False) is negated


def test_an_unclaimed_attack_is_not_claimed(nlp):
    out = extract_article(
        article(
            "A bomb exploded in Nazran on Monday, officials said. No group has claimed responsibility for the bombing."
        ),
        nlp,
    )
    assert only_event(out, "bombing")["certainty"] == "reported"


@pytest.mark.parametrize(
    "body, source",
    [
        ("Security forces killed Aliaskhab Kebekov in Dagestan on Sunday, the NAK said.", "the NAK"),
        (
            "Aliaskhab Kebekov was killed in Dagestan on Sunday, an unnamed official told Interfax.",
            "an unnamed official told Interfax",
        ),
        ("Aliaskhab Kebekov was killed in Dagestan on Sunday, according to Kavkaz Uzel.", "Kavkaz Uzel"),
        (
            "Security forces killed Magomed Suleimanov in Khasavyurt on Sunday, "
            "the National Antiterrorism Committee (NAK) said.",
            "the National Antiterrorism Committee (NAK)",
        ),
    ],
)
def test_attribution(nlp, body, source):
    event = only_event(extract_article(article(body), nlp), "killed")
    assert event["attributed_to"] == source
    assert all(
        a["name"] not in ("Interfax", "Kavkaz Uzel", "National Antiterrorism Committee") for a in event["actors"]
    )


def test_location_is_the_nearest_place_and_the_most_specific(nlp):
    out = extract_article(article("Two women from Chechnya were detained at a Moscow airport on Friday."), nlp)
    assert only_event(out, "arrested")["location"]["canonical"] == "Moscow"
    out = extract_article(
        article(
            "Security forces killed two militants in Dagestan on Sunday.\n\nThe men were surrounded in a house in "
            "the village of Karamakhi in Buynaksky district. Both were killed in the gunfight."
        ),
        nlp,
    )
    assert only_event(out, "killed")["location"]["canonical"] == "Karamakhi"


def test_location_falls_back_to_the_dateline_then_the_main_place(nlp):
    out = extract_article(article("Police detained two suspected militants on Sunday.", dateline="NALCHIK"), nlp)
    assert only_event(out, "arrested")["location"]["canonical"] == "Nalchik"
    out = extract_article(
        article(
            "Residents of Khasavyurt were calm on Monday. Police detained two suspected militants on Sunday. "
            "Officials in Khasavyurt said more arrests would follow."
        ),
        nlp,
    )
    assert only_event(out, "arrested")["location"]["canonical"] == "Khasavyurt"


def test_event_time_is_the_nearest_date_but_not_the_day_it_was_said(nlp):
    out = extract_article(
        article("Security forces killed two militants in Nalchik on Friday, the NAK said on Sunday."), nlp
    )
    event = only_event(out, "killed")
    assert (event["time"]["start"], event["time"]["text"], event["time"]["anchor"]) == (
        "2014-04-25",
        "on Friday",
        ANCHOR,
    )
    out = extract_article(article("Security forces killed two militants in Nalchik, the NAK said on Sunday."), nlp)
    assert only_event(out, "killed")["time"] is None


def test_time_uses_received_at_when_publication_is_unknown(nlp):
    out = extract_article(
        article(
            "Police in Nalchik yesterday detained a 27-year-old man.",
            published_at=None,
            received_at="2016-08-30T10:00:00Z",
        ),
        nlp,
    )
    assert only_event(out, "arrested")["time"]["start"] == "2016-08-29"


# -- events: one mention per event -------------------------------------------------------


def test_repeated_mentions_of_one_event_merge(nlp):
    out = extract_article(
        article(
            "Security forces killed Aliaskhab Kebekov in Dagestan on Sunday.\n\nThe militants opened fire when "
            "officers surrounded the house.\n\nKebekov's death was confirmed by the NAK."
        ),
        nlp,
    )
    assert [e["type"] for e in out["events"]] == ["killed"]
    assert out["events"][0]["certainty"] == "confirmed"


def test_different_victims_dates_or_places_stay_apart(nlp):
    out = extract_article(
        article(
            "Gunmen shot dead Abdulla Khalidov in Kurush on Friday.\n\nOn April 1, unknown assailants killed "
            "Magomed Saidov in Makhachkala."
        ),
        nlp,
    )
    assert [roles(e) for e in out["events"]] == [{"Abdulla Khalidov": "victim"}, {"Magomed Saidov": "victim"}]


def test_the_first_sentence_of_an_incident_gives_its_type(nlp):
    ambush = extract_article(article("Three soldiers were killed when militants ambushed a convoy near Bamut."), nlp)
    assert [e["type"] for e in ambush["events"]] == ["attack"]
    shootout = extract_article(article("Two militants were killed in a shootout with police in Hasavyurt."), nlp)
    assert [e["type"] for e in shootout["events"]] == ["killed"]


def test_plans_charges_conditions_and_generic_plurals_are_not_events(nlp):
    for body in (
        "Police detained three men suspected of planning a terrorist attack.",
        "The court found him guilty of murder and sentenced him to 19 years on Monday.",
        "Both men face 15 years in prison if convicted.",
        "Attacks on police remain common in the region.",
    ):
        types = [e["type"] for e in extract_article(article(body), nlp)["events"]]
        assert "attack" not in types and "killed" not in types
    assert [
        e["type"] for e in extract_article(article("Both men face 15 years in prison if convicted."), nlp)["events"]
    ] == []


def test_mention_ids_and_duplicate_of(nlp):
    out = extract_article(article("Police detained Ruslan Aliyev on Monday. A blast hit Nazran on Sunday."), nlp)
    assert [e["mention_id"] for e in out["events"]] == ["t1#0", "t1#1"]
    assert out["duplicate_of"] is None and out["article_id"] == "t1"


def test_a_pronoun_under_said_is_the_speaker(nlp):
    out = extract_article(
        article("German engineering group Kraus-Hoffmann said on Tuesday it would cut 1,200 jobs in Germany."), nlp
    )
    event = only_event(out, "business")
    assert roles(event) == {"Kraus-Hoffmann": "subject"}
    assert event["time"]["start"] == "2014-04-22"  # an announcement happens the day it is made


def test_places_and_dates_of_another_event_in_the_sentence_stay_there(nlp):
    out = extract_article(
        article(
            "Militants in Kabardino-Balkaria have chosen a new leader after the death of their commander, Alim "
            "Tlupov, in a shootout in Nalchik last month. The new emir is Kazbek Nagoyev."
        ),
        nlp,
    )
    leader = only_event(out, "leadership_change")
    assert leader["location"]["canonical"] == "Kabardino-Balkaria" and leader["time"] is None
    assert roles(leader) == {"Kazbek Nagoyev": "subject"}
    death = only_event(out, "killed")
    assert (death["location"]["canonical"], death["time"]["start"]) == ("Nalchik", "2014-03-01")


def test_a_year_before_a_noun_dates_it(nlp):
    out = extract_article(
        article(
            "A court in Makhachkala sentenced Gadzhi Abdullayev for his role in the 2013 bombing of a police "
            "station in Khasavyurt."
        ),
        nlp,
    )
    bombing = only_event(out, "bombing")
    assert bombing["time"]["start"] == "2013-01-01" and bombing["location"]["canonical"] == "Khasavyurt"
    assert roles(bombing) == {"Gadzhi Abdullayev": "perpetrator"}


def test_demonyms_hyphenated_towns_and_self_named_groups(nlp):
    out = extract_article(
        article(
            "Chechen officials said gunmen killed two officers in the town of Urus-Martan. A group calling itself "
            "the Urus-Martan Mujahideen claimed responsibility for the shooting."
        ),
        nlp,
    )
    names = {e["name"]: e["kind"] for e in out["entities"]}
    assert names == {"Urus-Martan": "place", "Urus-Martan Mujahideen": "group"}
    event = out["events"][0]
    assert event["certainty"] == "claimed" and roles(event) == {"Urus-Martan Mujahideen": "perpetrator"}


def test_a_place_of_the_article_region_beats_a_bigger_homonym_elsewhere():
    # Aksay: a town of 39,000 in Rostov Oblast, a village in Dagestan.
    assert gazetteer().resolve("Aksai", Context({"RU"}, {"Dagestan"})).admin1 == "Dagestan"


def test_a_town_with_a_homonym_of_like_size_does_not_set_the_context(nlp):
    out = extract_article(
        article(
            "Security forces killed a militant in the village of Aksai in the Khasavyurt district of Dagestan "
            "on Saturday."
        ),
        nlp,
    )
    assert only_event(out, "killed")["location"]["admin1"] == "Dagestan"


def test_outskirts_of_x_is_a_place(nlp):
    out = extract_article(article("Adam Elmurzayev was shot dead yesterday on the outskirts of Shali."), nlp)
    assert entity(out, "Shali")["kind"] == "place"
    assert out["events"][0]["location"]["canonical"] == "Shali"


def test_a_date_of_birth_does_not_date_the_event(nlp):
    out = extract_article(
        article(
            "Security forces killed a militant in Nalchik on Saturday. The man, Magomed Isaev, born in 1988, "
            "was killed after he threw a grenade at officers."
        ),
        nlp,
    )
    killed = only_event(out, "killed")
    assert killed["time"]["start"] == "2014-04-26" and roles(killed) == {"Magomed Isaev": "victim"}


def test_a_purpose_infinitive_is_no_event_but_an_agreed_one_is(nlp):
    out = extract_article(
        article("Adam Elmurzayev was shot dead after he opened fire on police who had come to detain him."), nlp
    )
    assert [e["type"] for e in out["events"]] != [] and all(e["type"] != "arrested" for e in out["events"])
    deal = extract_article(article("Norvex Energy has agreed to buy Baltgrid for 1.2 billion euros."), nlp)
    assert only_event(deal, "business")


def test_a_mudflow_is_a_disaster(nlp):
    out = extract_article(article("A mudflow swept into the mountain town of Tyrnyauz on Thursday."), nlp)
    assert only_event(out, "disaster")["location"]["canonical"] == "Tyrnyauz"


def test_opening_a_facility_is_business_news_and_an_unlabelled_company_name_an_organisation(nlp):
    out = extract_article(
        article("Caspian Grain Company opened its terminal in Makhachkala on Tuesday, doubling the port's capacity."),
        nlp,
    )
    deal = only_event(out, "business")
    assert roles(deal) == {"Caspian Grain Company": "subject"}
    assert (deal["location"]["canonical"], deal["time"]["start"]) == ("Makhachkala", "2014-04-22")
    assert entity(out, "Caspian Grain Company")["kind"] == "organisation"
    assert extract_article(article("Police opened a criminal case against the director."), nlp)["events"] == []


def test_the_place_of_the_offence_is_not_the_place_of_the_sentence(nlp):
    out = extract_article(
        article(
            "The Supreme Court of Chechnya on Tuesday sentenced Adam Elmurzaev to three years in prison for "
            "taking part in an illegal armed group in Syria."
        ),
        nlp,
    )
    # No place of its own: the court's name places it.
    assert only_event(out, "sentenced")["location"]["canonical"] == "Chechnya"


def test_the_place_after_a_persons_of_is_where_they_come_from(nlp):
    out = extract_article(
        article("Adam Elmurzayev of Shali was sentenced to three years in a colony in Grozny yesterday."), nlp
    )
    assert entity(out, "Shali")["kind"] == "place"
    assert only_event(out, "sentenced")["location"]["canonical"] == "Grozny"


def test_an_event_on_the_road_between_two_towns_is_placed_in_what_holds_both(nlp):
    out = extract_article(
        article("A suicide bomber blew himself up at a checkpoint on the road from Makhachkala to Sulak yesterday."),
        nlp,
    )
    place = only_event(out, "bombing")["location"]
    assert (place["canonical"], place["precision"]) == ("Dagestan", "region")


def test_went_by_the_name_gives_an_alias(nlp):
    out = extract_article(
        article("Aliaskhab Kebekov, who also went by the name Ali Abu Muhammad, was killed in Buinaksk."), nlp
    )
    assert "Ali Abu Muhammad" in entity(out, "Aliaskhab Kebekov")["variants"]


def test_threatened_into_doing_is_coercion_not_a_statement(nlp):
    coerced = extract_article(article("The money came from businessmen who were threatened into paying."), nlp)
    assert coerced["events"] == []
    threat = extract_article(article("The Caucasus Emirate threatened to attack the Sochi Olympics."), nlp)
    assert only_event(threat, "statement")


def test_a_copula_names_the_people_an_event_participle_describes(nlp):
    out = extract_article(
        article(
            "The three men killed yesterday in Baksan were Zaur Jabrailov, Artur Kuchmazokov and Alim Shogenov, "
            "the interior ministry said."
        ),
        nlp,
    )
    assert roles(only_event(out, "killed")) == {
        "Zaur Jabrailov": "victim",
        "Artur Kuchmazokov": "victim",
        "Alim Shogenov": "victim",
    }


def test_he_is_the_one_person_named_just_before(nlp):
    out = extract_article(
        article(
            "Two years ago Zaur Dzhabrailov walked out of a Nalchik courtroom a free man. On Sunday he was killed "
            "in Baksan after a five-hour siege."
        ),
        nlp,
    )
    assert roles(only_event(out, "killed")) == {"Zaur Dzhabrailov": "victim"}
    two = extract_article(
        article("Ruslan Gasanov met Magomed Isaev in Nalchik. On Sunday he was killed in Baksan."), nlp
    )
    assert roles(only_event(two, "killed")) == {}


def test_a_place_named_as_who_was_told_does_not_place_the_event(nlp):
    out = extract_article(
        article(
            "Police officers told Grozny Today that Khamzat Shavhalov died yesterday near the village of "
            "Dyshne-Vedeno during an operation against militants."
        ),
        nlp,
    )
    assert only_event(out, "killed")["location"]["canonical"] == "Dyshne-Vedeno"


def test_named_as_gives_an_actor_like_identified_as(nlp):
    out = extract_article(
        article(
            "Gunmen opened fire on a police post in Nazran on Tuesday, killing one officer. The dead officer was "
            "named as Sergeant Ibragim Yevloyev."
        ),
        nlp,
    )
    assert roles(out["events"][0]) == {"Ibragim Yevloyev": "victim"}


def test_a_name_set_off_by_commas_after_a_role_phrase_is_the_actor(nlp):
    out = extract_article(
        article(
            "The head of the armed underground in the North Caucasus, Kebekov, died yesterday in a shootout in "
            "Buynaksk."
        ),
        nlp,
    )
    assert roles(out["events"][0]) == {"Kebekov": "victim"}


def test_the_man_identified_as_x_who_took_part_in_an_attack_is_its_perpetrator(nlp):
    out = extract_article(
        article(
            "The man, identified as Timur Aushev, 29, is suspected of taking part in an attack on a police patrol "
            "in Sunzha district in August."
        ),
        nlp,
    )
    assert roles(only_event(out, "attack")) == {"Timur Aushev": "perpetrator"}


def test_drowning_in_a_capsized_ferry_is_a_disaster(nlp):
    out = extract_article(
        article(
            "At least 41 people drowned when an overcrowded ferry capsized on the Padma river near the town of "
            "Manikganj on Sunday."
        ),
        nlp,
    )
    disaster = only_event(out, "disaster")
    assert disaster["casualties"]["killed"] == 41
    assert fold_key(disaster["location"]["canonical"]) == fold_key("Manikganj")


def test_left_dead_is_a_killing(nlp):
    out = extract_article(article("A police raid in Nalchik on Sunday left a teenager dead."), nlp)
    assert only_event(out, "killed")["location"]["canonical"] == "Nalchik"


def test_a_bare_plural_that_did_something_once_is_an_event(nlp):
    out = extract_article(article("Flash floods killed two people in Istanbul on Tuesday."), nlp)
    assert only_event(out, "disaster")["casualties"] == {"killed": 2}
    habit = extract_article(article("Attacks on police remain common."), nlp)
    assert habit["events"] == []


def test_an_unnamed_participant_is_the_person_the_next_sentence_introduces(nlp):
    out = extract_article(
        article(
            "Unknown gunmen shot dead a prominent imam in Kizilyurt on Monday. Magomed Khidirov, 52, had spoken out "
            "against radical preachers."
        ),
        nlp,
    )
    assert roles(only_event(out, "killed")) == {"Magomed Khidirov": "victim"}
    titled = extract_article(
        article(
            "A police raid in Nalchik on Sunday left a teenager dead. Prime Minister Giorgi Kvirikashvili ordered "
            "an inquiry."
        ),
        nlp,
    )
    assert roles(only_event(titled, "killed")) == {}
    reporter = extract_article(
        article("Police detained a man in Nalchik on Sunday. Anzor Kudaev said the raid was illegal."), nlp
    )
    assert roles(only_event(reporter, "arrested")) == {}


def test_where_rescuers_come_from_does_not_sharpen_the_place(nlp):
    out = extract_article(
        article(
            "An earthquake hit western Nepal on Monday, killing 15 people.\n\nRescue teams from Kathmandu arrived."
        ),
        nlp,
    )
    assert only_event(out, "disaster")["location"]["canonical"] == "Nepal"


def test_a_name_ending_in_an_organisation_word_is_an_organisation(nlp):
    out = extract_article(article("Kazakh steelmaker Temir Steel will cut 2,400 jobs at its plant in Temirtau."), nlp)
    assert entity(out, "Temir Steel")["kind"] == "organisation"
    assert roles(only_event(out, "business")) == {"Temir Steel": "subject"}


def test_what_would_or_may_happen_is_no_event(nlp):
    out = extract_article(article("Trade union leaders said workers would protest outside the plant on Friday."), nlp)
    assert out["events"] == []


def test_an_explosive_that_does_something_went_off(nlp):
    out = extract_article(
        article("A roadside bomb tore through a minibus in Jalalabad on Monday morning, killing seven people."), nlp
    )
    bombing = only_event(out, "bombing")
    assert bombing["casualties"] == {"killed": 7}


def test_a_village_the_gazetteer_does_not_know_is_reported_as_named(nlp):
    out = extract_article(
        article(
            "Two suspected militants were killed in a shootout with police in the village of Khasanya on Sunday. "
            "Both were wanted for an attack on a police post in Nalchik in June."
        ),
        nlp,
    )
    killed = only_event(out, "killed")["location"]
    assert (killed["reported"], killed["precision"]) == ("Khasanya", "unknown")


def test_bare_plurals_that_have_done_something_are_events(nlp):
    out = extract_article(
        article("Floods and landslides have killed at least 164 people in Kerala since August 8, officials said."),
        nlp,
    )
    assert only_event(out, "disaster")["casualties"] == {"killed": 164}


def test_a_descriptor_makes_a_place_name_an_organisation(nlp):
    out = extract_article(article("Aeroflot has bought a 25 percent stake in regional carrier Aurora."), nlp)
    assert entity(out, "Aurora")["kind"] == "organisation"


def test_one_sentence_two_leadership_changes_of_different_people(nlp):
    out = extract_article(
        article(
            "Chechen leader Ramzan Kadyrov on Wednesday dismissed the mayor of Grozny, Muslim Khuchiev, and named "
            "his deputy, Magomed Daudov, as acting mayor."
        ),
        nlp,
    )
    changes = [e for e in out["events"] if e["type"] == "leadership_change"]
    subjects = [{n for n, r in roles(e).items() if r == "subject"} for e in changes]
    assert subjects == [{"Muslim Khuchiev"}, {"Magomed Daudov"}]
    # The coordinated verb shares the date and is no denial for following 'dismissed'.
    assert [(e["time"]["start"], e["certainty"]) for e in changes] == [("2014-04-23", "reported")] * 2


def test_a_coordinated_arrest_shares_the_place_and_him_is_the_one_person_named(nlp):
    out = extract_article(
        article(
            "Special forces stormed the compound of former president Almazbek Atambayev in the village of Koi-Tash "
            "on Thursday and detained him."
        ),
        nlp,
    )
    assert entity(out, "Koi-Tash")["kind"] == "place"
    arrest = only_event(out, "arrested")
    assert roles(arrest) == {"Almazbek Atambayev": "subject"}
    assert (arrest["location"]["reported"], arrest["time"]["start"]) == ("Koi-Tash", "2014-04-24")


def test_a_name_after_a_role_word_is_a_person_who_can_receive_a_sentence(nlp):
    out = extract_article(
        article(
            "An Istanbul court on Wednesday sentenced 14 staff of the newspaper Cumhuriyet to prison terms. "
            "Editor-in-chief Murat Sabuncu received a sentence of seven and a half years."
        ),
        nlp,
    )
    assert entity(out, "Murat Sabuncu")["kind"] == "person"
    assert roles(only_event(out, "sentenced")) == {"Murat Sabuncu": "subject"}


def test_a_deal_belongs_to_who_signed_it_and_its_name_stays_an_organisation(nlp):
    out = extract_article(
        article(
            "Potash producer Belaruskali has signed a three-year deal to supply fertiliser to Sinochem. The "
            "contract is the largest in Belaruskali's history."
        ),
        nlp,
    )
    assert entity(out, "Belaruskali")["kind"] == "organisation"
    assert roles(only_event(out, "business"))["Belaruskali"] == "subject"


def test_an_unlisted_village_inside_a_region_is_reported_in_that_region(nlp):
    out = extract_article(
        article(
            "Security forces and militants exchanged fire in a forest near the village of Verkhny Baksan in "
            "Kabardino-Balkaria on Monday."
        ),
        nlp,
    )
    place = only_event(out, "clash")["location"]
    assert (place["reported"], place["admin1"], place["precision"]) == (
        "Verkhny Baksan",
        "Kabardino-Balkaria",
        "unknown",
    )


def test_a_known_town_after_in_is_a_place_whatever_label_the_model_gave_it(nlp):
    out = extract_article(
        article("An education official was shot dead outside his home in Vladikavkaz on Wednesday night."), nlp
    )
    assert only_event(out, "killed")["location"]["canonical"] == "Vladikavkaz"
    dated = extract_article(article("Police detained the suspect in Nalchik in March."), nlp)
    assert {e["name"] for e in dated["entities"]} == {"Nalchik"}
    # A town of that name in several regions is not guessed from nothing.
    homonym = extract_article(article("Magomed Isayev was killed yesterday in Aksay during an operation."), nlp)
    assert "Aksay" not in {e["name"] for e in homonym["entities"]}


def test_a_name_between_commas_after_the_role_phrase_is_its_person(nlp):
    out = extract_article(
        article("Federal agents detained the mayor of Makhachkala, Said Amirov, in a dawn raid on Saturday."), nlp
    )
    assert roles(only_event(out, "arrested")) == {"Said Amirov": "subject"}


def test_a_gas_explosion_is_a_disaster_and_blowing_oneself_up_kills(nlp):
    gas = extract_article(article("A gas explosion destroyed part of an apartment block in Kaspiysk on Monday."), nlp)
    assert only_event(gas, "disaster")
    out = extract_article(
        article("Two suspected militants blew themselves up in a house in Urus-Martan on Monday."), nlp
    )
    bombing = only_event(out, "bombing")
    assert bombing["casualties"] == {"killed": 2} and bombing["location"]["canonical"] == "Urus-Martan"


def test_a_border_deal_is_no_business_and_stepping_down_is_a_leadership_change(nlp):
    assert (
        extract_article(article("Thousands rallied in Magas against a border deal with Chechnya."), nlp)["events"][0][
            "type"
        ]
        == "other"
    )
    out = extract_article(
        article("The chief executive of fertiliser maker Uralkali, Dmitry Osipov, has stepped down."), nlp
    )
    assert roles(only_event(out, "leadership_change")) == {"Dmitry Osipov": "subject"}


def test_an_authority_reporting_its_own_act_is_its_actor(nlp):
    out = extract_article(
        article("The FSB said on Wednesday it had detained five members of a cell in Khasavyurt."), nlp
    )
    assert roles(only_event(out, "arrested")) == {"FSB": "authority"}


def test_the_newcomer_may_come_in_apposition(nlp):
    out = extract_article(
        article(
            "A court in Makhachkala has sentenced a resident of Derbent to eight years in prison. The man, Ramazan "
            "Aliev, had sent six recruits to Turkey."
        ),
        nlp,
    )
    assert roles(only_event(out, "sentenced")) == {"Ramazan Aliev": "subject"}


@pytest.mark.parametrize(
    "text, anchor, start, end",
    [
        ("was detained last autumn", date(2013, 3, 5), "2012-09-01", "2012-11-30"),
        ("last autumn", date(2012, 10, 10), "2011-09-01", "2011-11-30"),
        ("last winter", date(2014, 7, 1), "2013-12-01", "2014-02-28"),
        ("this winter", date(2012, 10, 10), "2012-12-01", "2013-02-28"),
        ("next spring", date(2014, 1, 15), "2014-03-01", "2014-05-31"),
        ("in the summer of 2012", date(2014, 1, 15), "2012-06-01", "2012-08-31"),
    ],
)
def test_seasons_resolve_to_three_months(text, anchor, start, end):
    (found,) = find_times(text, anchor)
    assert (found.start.isoformat(), found.end.isoformat(), found.precision) == (start, end, "range")


# -- conflict reporting: remote violence, gatherings, figurative speech, dates -----------


@pytest.mark.parametrize(
    "body, subtype",
    [
        ("On Friday, army units shelled the outskirts of Kupiansk, Kharkiv region.", "shelling"),
        ("On Friday, the air force carried out airstrikes near Kupiansk, Kharkiv region.", "air_strike"),
        ("On Friday, soldiers launched rockets at a depot near Kupiansk.", "missile_strike"),
        ("On Friday, a drone strike hit a fuel depot in Kupiansk.", "drone_strike"),
        ("On Friday, a gunman threw a grenade into a bar in Kupiansk, wounding four.", "grenade"),
    ],
)
def test_remote_violence_is_a_bombing_with_its_subtype_and_acled_category(nlp, body, subtype):
    event = only_event(extract_article(article(body), nlp), "bombing")
    assert event["subtype"] == subtype
    assert event["acled"]["event_type"] == "Explosions/Remote violence"
    assert event["time"]["start"] == "2014-04-25"


def test_a_place_and_its_region_glued_by_the_model_are_split_and_resolved(nlp):
    event = only_event(extract_article(article("On Friday, troops shelled Lozova, Kharkiv."), nlp), "bombing")
    assert (event["location"]["canonical"], event["location"]["country_code"]) == ("Lozova", "UA")


def test_a_protest_is_other_with_its_subtype_and_a_riot_keeps_its_deaths(nlp):
    protest = only_event(extract_article(article("Hundreds of nurses protested in Nairobi on Monday."), nlp), "other")
    assert (protest["subtype"], protest["plover"]) == ("protest", "PROTEST")
    riot = extract_article(article("A riot broke out in Kisumu on Monday and two protesters were killed."), nlp)
    assert [(e["type"], e["subtype"], (e["casualties"] or {}).get("killed")) for e in riot["events"]] == [
        ("other", "riot", 2)
    ]


@pytest.mark.parametrize(
    "body",
    [
        "The singer shot to fame in Lagos in 2010 with a single about her village.",
        "Old habits die hard in the ministry, an auditor said on Monday.",
        "The rumour was spreading like wildfire across Nairobi on Monday.",
    ],
)
def test_figures_of_speech_are_no_events(nlp, body):
    assert extract_article(article(body), nlp)["events"] == []


def test_shot_and_killed_is_a_killing_with_its_count(nlp):
    out = extract_article(article("Two policemen were shot and killed at a checkpoint in Garissa on Saturday."), nlp)
    event = only_event(out, "killed")
    assert event["casualties"]["killed"] == 2


def test_an_event_without_a_date_of_its_own_takes_the_last_day_its_paragraph_gave(nlp):
    body = "On 12 April, a minibus ran over a mine near Lozova, Kharkiv region. Three passengers were killed."
    event = only_event(extract_article(article(body), nlp), "killed")
    assert event["time"]["start"] == "2014-04-12"


def test_a_numeric_day_and_month_after_on_is_a_date():
    assert [(t.start, t.precision) for t in find_times("Herders raided a village on 21/04.", date(2014, 4, 27))] == [
        (date(2014, 4, 21), "day")
    ]
    assert find_times("The shop is open 24/7.", date(2014, 4, 27)) == []


def test_every_subtype_and_category_is_in_the_contract():
    import json
    from pathlib import Path

    from agents.logic.extract import taxonomy as tx

    defs = json.loads((Path(__file__).parents[2] / "schemas" / "defs.schema.json").read_text())["$defs"]
    subtypes = {name for table in tx._SUBTYPE_WORDS.values() for name, _ in table} | set(tx._DEFAULT_SUBTYPES.values())
    assert subtypes <= set(defs["event_subtype"]["enum"])
    assert {s for _, s in tx.ACLED_MAPPING} - {None} == subtypes
    assert set(tx.PLOVER_MAPPING.values()) <= set(defs["plover_type"]["enum"])


def test_a_text_too_short_to_tell_its_language_is_read_as_english(nlp):
    out = extract_article(article("Gunmen kill a ranger in Garissa.", language="und"), nlp)
    assert [e["type"] for e in out["events"]] == ["killed"]


def test_someone_reported_killed_is_the_victim_and_counted(nlp):
    out = extract_article(
        article("The cell's leader, Timur Vakhayev, was reported killed near Gudermes on Saturday."), nlp
    )
    event = only_event(out, "killed")
    assert roles(event) == {"Timur Vakhayev": "victim"} and event["casualties"] == {"killed": 1}


def test_what_protesters_demand_is_no_event(nlp):
    body = "Teachers rallied in Kisumu on Monday, demanding the release of colleagues arrested last week."
    assert [e["type"] for e in extract_article(article(body), nlp)["events"]] == ["other"]


def test_the_name_after_a_colon_is_the_unnamed_victim(nlp):
    body = "Investigators said they had killed another suspect in Baksan on Friday: Islam Tlupov, 24."
    event = only_event(extract_article(article(body), nlp), "killed")
    assert roles(event) == {"Islam Tlupov": "victim"} and event["casualties"] == {"killed": 1}


@pytest.mark.parametrize(
    "body, kind",
    [
        ("Traders blocked the main road in Eldoret on Monday to protest against new market fees.", "other"),
        ("Nurses in Kisumu on strike over unpaid allowances.", "other"),
        ("Clashes between two herding clans near Isiolo on Monday left three dead.", "killed"),
        ("Rioters tore down campaign posters in Kisumu on Monday.", "other"),
    ],
)
def test_headline_style_reports_of_gatherings_and_clashes_are_events(nlp, body, kind):
    assert [e["type"] for e in extract_article(article(body), nlp)["events"]] == [kind]


def test_a_threat_to_protest_is_no_protest(nlp):
    out = extract_article(article("Unions in Eldoret threatened on Monday to protest."), nlp)
    assert [e["type"] for e in out["events"]] == ["statement"]
