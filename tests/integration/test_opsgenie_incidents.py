"""`incidents` from Opsgenie against a local server shaped like its Incident API: the window
as a search query, paging, priorities, resolved and closed incidents, and the failures."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest

from exec_assistant.domain.errors import ContextSourceUnavailable
from exec_assistant.services.context import gather_one

from incident_fixtures import NOW, opsgenie_sample, provider_for, request, secrets
from opsgenie_api import KEY, OpsgenieApi, og_incident
from scripted_answers import Fault


@pytest.fixture
def opsgenie() -> Iterator[OpsgenieApi]:
    with OpsgenieApi() as api:
        yield api


def test_the_windows_incidents_are_told_by_severity_and_priority(opsgenie: OpsgenieApi) -> None:
    opsgenie_sample(opsgenie)

    result = provider_for(opsgenie).gather(request())

    assert result.facts == (
        "3 incidents in the last 30 days: 1 SEV1, 1 SEV3, 1 SEV4",
        "1 still open: OG-42 (SEV3, open, started 30 Nov)",
        "Mean time to resolve: 3.8 h across 2 resolved incidents",
        "By priority: 1 P1, 1 P3, 1 P4",
    )
    assert result.highlights == (
        "OG-41 SEV1: Login errors, resolved in 1.5 h",
        "OG-42 SEV3: Slow search, still open after 3.0 h",
    )
    [seen] = opsgenie.requests
    assert seen.headers["Authorization"] == f"GenieKey {KEY}"
    assert seen.query["query"] == ["createdAt > 1793447999999 AND createdAt < 1796040000001"]
    assert (seen.query["sort"], seen.query["order"], seen.query["limit"]) == (
        ["createdAt"],
        ["desc"],
        ["100"],
    )


def test_a_configured_query_narrows_the_window(opsgenie: OpsgenieApi) -> None:
    opsgenie_sample(opsgenie)

    result = provider_for(opsgenie, query="tag: production").gather(request())

    assert result.facts[0] == "2 incidents in the last 30 days: 1 SEV1, 1 SEV4"
    assert opsgenie.requests[0].query["query"][0].endswith(" AND (tag: production)")


def test_an_impact_end_before_the_incident_opened_counts_as_no_time(opsgenie: OpsgenieApi) -> None:
    opsgenie.add(
        og_incident(
            7,
            "Recorded late",
            created_at=NOW - timedelta(hours=5),
            status="resolved",
            impact_end=NOW - timedelta(hours=6),
        )
    )

    result = provider_for(opsgenie).gather(request())

    assert "Mean time to resolve: 0.0 h across 1 resolved incident" in result.facts


def test_pages_are_followed_and_a_huge_window_is_cut_with_a_word(opsgenie: OpsgenieApi) -> None:
    opsgenie.add(
        *(
            og_incident(n, f"Blip {n}", created_at=NOW - timedelta(minutes=n))
            for n in range(1, 1001)
        )
    )

    everything = provider_for(opsgenie, max_incidents=1000).gather(request())
    opsgenie.requests.clear()
    capped = provider_for(opsgenie, max_incidents=150).gather(request())

    assert everything.facts[0] == "1,000 incidents in the last 30 days: 1,000 SEV3"
    assert not any(f.startswith("Only the") for f in everything.facts)
    assert [r.query["offset"] for r in opsgenie.requests] == [["0"], ["100"]]
    assert capped.facts[-1] == (
        "Only the 150 most recent of 1,000 Opsgenie incidents in the window were read: "
        "the figures above cover those"
    )


def test_an_empty_window_is_said_not_failed(opsgenie: OpsgenieApi) -> None:
    assert provider_for(opsgenie).gather(request()).facts == ("No incidents in the last 30 days.",)


@pytest.mark.parametrize(
    ("arrange", "reason"),
    [
        ("bad key", "Opsgenie refused the API key (Could not authenticate)"),
        ("no read right", "Opsgenie does not let this key read incidents (You are not"),
        ("bad query", "Opsgenie refused the search (Invalid query)"),
        ("no key", "no Opsgenie API key (OPSGENIE_API_KEY is not set)"),
    ],
)
def test_refusals_say_what_to_fix(opsgenie: OpsgenieApi, arrange: str, reason: str) -> None:
    settings: dict[str, str] = {}
    store = secrets(opsgenie=opsgenie)
    if arrange == "bad key":
        store = secrets(OPSGENIE_API_KEY="00000000-wrong-key")
    elif arrange == "no read right":
        opsgenie.deny()
    elif arrange == "bad query":
        settings["query"] = "owner is ana"
    elif arrange == "no key":
        store = secrets()

    result = gather_one(provider_for(opsgenie, store=store, **settings), request(), 5)

    assert (result.reason or "").startswith(reason)
    assert "wrong-key" not in (result.reason or "")


def test_throttling_waits_retry_after_or_backs_off_then_reads(opsgenie: OpsgenieApi) -> None:
    opsgenie_sample(opsgenie)
    opsgenie.throttle(retry_after=2)
    opsgenie.throttle()
    waits: list[float] = []

    result = provider_for(opsgenie, waits=waits).gather(request())

    assert result.available
    assert waits == [2.0, 2.0]  # Retry-After, then the second attempt's backoff


def test_a_failing_or_garbled_opsgenie_is_unavailable(opsgenie: OpsgenieApi) -> None:
    opsgenie.faults.add(Fault.answer_with(502, {"message": "Bad gateway"}), times=8)
    opsgenie.faults.add(Fault.garbage())

    failing = gather_one(provider_for(opsgenie, waits=[]), request(), 5)
    opsgenie.faults = type(opsgenie.faults)()
    opsgenie.faults.add(Fault.garbage())
    garbled = gather_one(provider_for(opsgenie), request(), 5)

    assert (failing.reason or "").startswith(
        "Opsgenie is failing on its side (it answered HTTP 502"
    )
    assert garbled.reason == (
        "Opsgenie answered with something other than JSON (HTTP 200, text/html)"
    )


def test_an_unknown_priority_is_refused_naming_the_incident(opsgenie: OpsgenieApi) -> None:
    opsgenie.add(og_incident(5, "Odd", created_at=NOW - timedelta(hours=1), priority="P9"))

    with pytest.raises(ContextSourceUnavailable, match=r"incident OG-5: priority 'P9'"):
        provider_for(opsgenie).gather(request())


def test_a_peer_that_trickles_forever_is_cut_off(opsgenie: OpsgenieApi) -> None:
    opsgenie.faults.add(Fault.endless(), times=5)
    started = time.monotonic()

    result = gather_one(provider_for(opsgenie, timeout=1), request(), 1)

    assert time.monotonic() - started < 1
    assert re.match(r"Opsgenie: no complete answer within 0\.[345] s", result.reason or "")


def test_markup_in_a_message_stays_text(opsgenie: OpsgenieApi) -> None:
    opsgenie.add(og_incident(9, "[bold]Pay[/bold]\x07\nnext", created_at=NOW - timedelta(hours=1)))

    result = provider_for(opsgenie).gather(request())

    assert result.highlights == ("OG-9 SEV3: [bold]Pay[/bold]\x07 next, still open after 1.0 h",)
