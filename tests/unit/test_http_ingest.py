"""The HTTP endpoint's own decisions: who may post, and how a batch is numbered."""

import pytest

from agents.http_ingest import RequestRefused, check_authorization, numbered_entries
from agents.logic.ingest import Entry, Refused

TOKEN = "s3cret-token"


def refusal(header, token=TOKEN) -> RequestRefused:
    with pytest.raises(RequestRefused) as caught:
        check_authorization(header, token)
    return caught.value


def test_without_a_configured_token_everything_is_refused_with_503_and_why():
    refused = refusal(f"Bearer {TOKEN}", token="")
    assert refused.status == 503 and "WIREWATCH_INGEST_TOKEN" in str(refused)


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer ", f"Basic {TOKEN}", "Bearer wrong", f"{TOKEN}"])
def test_a_missing_or_wrong_token_is_401_with_a_challenge(header):
    refused = refusal(header)
    assert refused.status == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_right_token_passes_whatever_the_scheme_case():
    check_authorization(f"Bearer {TOKEN}", TOKEN)
    check_authorization(f"bearer {TOKEN}", TOKEN)


def test_json_lines_are_numbered_by_line_blank_ones_skipped():
    body = b'{"id": "a", "body": "One."}\n\n{broken\n{"id": "b", "body": "Two."}\n'
    numbered = numbered_entries(body, "application/x-ndjson", "POST /ingest")
    assert [(n, type(e)) for n, e in numbered] == [(1, Entry), (3, Refused), (4, Entry)]
    assert numbered[1][1].reason == "malformed_json" and numbered[1][1].original == b"{broken"


def test_a_json_body_is_one_article_and_an_array_is_refused():
    ((number, entry),) = numbered_entries(b'{"id": "a", "body": "One."}', "application/json", "POST /ingest")
    assert number == 1 and isinstance(entry, Entry)
    ((_, refused),) = numbered_entries(b'[{"id": "a"}]', "application/json", "POST /ingest")
    assert refused.reason == "schema_violation"
