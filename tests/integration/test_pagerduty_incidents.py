"""`incidents` from PagerDuty against a local server shaped like PagerDuty's REST API v2: the
facts of the window, paging, the filters asked for, and every way the peer can fail."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest

from exec_assistant.domain.errors import ContextSourceUnavailable
from exec_assistant.services.context import gather_one

from incident_fixtures import NOW, pagerduty_sample, provider_for, request, secrets
from pagerduty_api import TOKEN, PagerDutyApi, pd_incident
from scripted_answers import Fault


@pytest.fixture
def pagerduty() -> Iterator[PagerDutyApi]:
    with PagerDutyApi() as api:
        yield api


def test_the_windows_incidents_are_told_by_severity_priority_and_urgency(
    pagerduty: PagerDutyApi,
) -> None:
    pagerduty_sample(pagerduty)

    result = provider_for(pagerduty).gather(request())

    assert result.available
    assert result.facts == (
        "3 incidents in the last 30 days: 1 SEV1, 2 SEV4",
        "1 still open: PD-1202 (SEV4, acknowledged, started 30 Nov)",
        "Mean time to resolve: 3.0 h across 2 resolved incidents",
        "By urgency: 1 high, 2 low",
        "By priority: 1 P1, 2 without a priority",
    )
    assert result.highlights == (
        "PD-1201 SEV1 (Checkout): Card payments failing, resolved in 2.0 h",
        "PD-1202 SEV4 (Orders): Queue backlog, still acknowledged after 6.0 h",
    )
    assert result.questions == ("What is the plan and ETA to resolve PD-1202 (Queue backlog)?",)


def test_the_request_is_pagerdutys_v2_with_the_token_and_the_window(
    pagerduty: PagerDutyApi,
) -> None:
    provider_for(pagerduty).gather(request(lookback_days=7))

    [seen] = pagerduty.requests
    assert seen.headers["Authorization"] == f"Token token={TOKEN}"
    assert seen.headers["Accept"] == "application/vnd.pagerduty+json;version=2"
    assert seen.query["since"] == ["2026-11-23T12:00:00Z"]
    assert seen.query["until"] == ["2026-11-30T12:00:00Z"]
    assert seen.query["include[]"] == ["priorities", "assignees", "agents"]
    assert (seen.query["limit"], seen.query["offset"], seen.query["total"]) == (
        ["100"],
        ["0"],
        ["true"],
    )


def test_owners_come_from_assignees_and_resolvers_for_a_1to1(pagerduty: PagerDutyApi) -> None:
    pagerduty_sample(pagerduty)

    ana = provider_for(pagerduty).gather(request(scope="people", people=("Ana@Example.com",)))
    bo = provider_for(pagerduty).gather(request(scope="people", people=("bo@example.com",)))

    assert [i["id"] for i in ana.data["incidents"]] == ["PD-1201"]
    assert [i["id"] for i in bo.data["incidents"]] == ["PD-1202"]


def test_every_page_is_read_until_pagerduty_says_there_is_no_more(
    pagerduty: PagerDutyApi,
) -> None:
    pagerduty.add(
        *(
            pd_incident(n, f"Blip {n}", created_at=NOW - timedelta(minutes=10 * n))
            for n in range(1, 251)
        )
    )

    result = provider_for(pagerduty).gather(request())

    assert result.facts[0] == "250 incidents in the last 30 days: 250 SEV2"
    assert [r.query["offset"] for r in pagerduty.requests] == [["0"], ["100"], ["200"]]
    assert ["total" in r.query for r in pagerduty.requests] == [True, False, False]


def test_an_incident_opened_while_paging_is_counted_once(pagerduty: PagerDutyApi) -> None:
    pagerduty.add(
        *(pd_incident(n, f"Blip {n}", created_at=NOW - timedelta(hours=n)) for n in range(1, 151))
    )
    pagerduty.after_first_page = lambda: pagerduty.add(
        pd_incident(500, "Just now", created_at=NOW - timedelta(minutes=1))
    )

    result = provider_for(pagerduty).gather(request())

    # The newcomer pushed PD-100 onto the second page as well; it is one incident.
    assert result.facts[0] == "150 incidents in the last 30 days: 150 SEV2"
    assert len(pagerduty.requests) == 2


def test_a_huge_window_stops_at_the_cap_and_says_so(pagerduty: PagerDutyApi) -> None:
    pagerduty.add(
        *(
            pd_incident(n, f"Blip {n}", created_at=NOW - timedelta(minutes=n))
            for n in range(1, 1251)
        )
    )

    result = provider_for(pagerduty, max_incidents=250).gather(request())

    assert result.facts[0] == "250 incidents in the last 30 days: 250 SEV2"
    assert result.facts[-1] == (
        "Only the 250 most recent of 1,250 PagerDuty incidents in the window were read: "
        "the figures above cover those"
    )
    assert [r.query["limit"] for r in pagerduty.requests] == [["100"], ["100"], ["50"]]
    assert result.data["cut_off"] == [{"source": "PagerDuty", "read": 250, "total": 1250}]


def test_the_configured_filters_are_asked_for(pagerduty: PagerDutyApi) -> None:
    pagerduty_sample(pagerduty)

    result = provider_for(
        pagerduty,
        service_ids=("PSVC002",),
        team_ids=("PTEAM01",),
        urgencies=("low",),
        statuses=("triggered", "acknowledged"),
    ).gather(request())

    assert result.facts[0] == "1 incident in the last 30 days: 1 SEV4"
    query = pagerduty.requests[0].query
    assert query["service_ids[]"] == ["PSVC002"]
    assert query["team_ids[]"] == ["PTEAM01"]
    assert query["urgencies[]"] == ["low"]
    assert query["statuses[]"] == ["triggered", "acknowledged"]


def test_severity_follows_the_mapping_then_urgency_and_old_records_still_resolve(
    pagerduty: PagerDutyApi,
) -> None:
    start = NOW - timedelta(days=1)
    pagerduty.add(
        pd_incident(1, "Named priority", created_at=start, priority="Critical"),
        pd_incident(2, "Unmapped priority", created_at=start, priority="Sev-9", urgency="low"),
        pd_incident(
            3,
            "Old record",
            created_at=start,
            status="resolved",
            resolved_at=start + timedelta(hours=5),
            legacy=True,
        ),
    )

    result = provider_for(pagerduty, severity_by_priority={"critical": "SEV1"}).gather(request())

    by_id = {i["id"]: i for i in result.data["incidents"]}
    assert (by_id["PD-1"]["severity"], by_id["PD-2"]["severity"]) == ("SEV1", "SEV4")
    assert by_id["PD-3"]["resolved_at"] == "2026-11-29T17:00:00Z"
    assert "Mean time to resolve: 5.0 h across 1 resolved incident" in result.facts


def test_an_empty_window_is_said_not_failed(pagerduty: PagerDutyApi) -> None:
    result = provider_for(pagerduty).gather(request())

    assert result.available
    assert result.facts == ("No incidents in the last 30 days.",)


def test_a_refused_token_is_named_without_its_value(pagerduty: PagerDutyApi) -> None:
    provider = provider_for(pagerduty, store=secrets(PAGERDUTY_API_TOKEN="u+wrongTokenValue42"))

    result = gather_one(provider, request(), 5)

    assert not result.available
    assert result.reason == "PagerDuty refused the API token (Authentication failed)"
    assert "wrongTokenValue42" not in (result.reason or "")


def test_a_token_that_may_not_read_incidents_is_told_apart(pagerduty: PagerDutyApi) -> None:
    pagerduty.deny()

    with pytest.raises(ContextSourceUnavailable) as caught:
        provider_for(pagerduty).gather(request())

    assert caught.value.reason == (
        "PagerDuty does not let this token read these incidents (Access Denied)"
    )


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("", "no PagerDuty API token (PAGERDUTY_API_TOKEN is not set)"),
        ("abc\r\nX-Evil: 1", "PAGERDUTY_API_TOKEN holds spaces, line breaks or other characters"),
    ],
)
def test_a_missing_or_mangled_token_sends_nothing(
    pagerduty: PagerDutyApi, token: str, reason: str
) -> None:
    provider = provider_for(pagerduty, store=secrets(PAGERDUTY_API_TOKEN=token))

    with pytest.raises(ContextSourceUnavailable) as caught:
        provider.gather(request())

    assert caught.value.reason.startswith(reason)
    assert pagerduty.requests == []


def test_rate_limiting_waits_what_ratelimit_reset_says_then_reads(
    pagerduty: PagerDutyApi,
) -> None:
    pagerduty_sample(pagerduty)
    pagerduty.throttle(2, reset=2)
    waits: list[float] = []

    result = provider_for(pagerduty, waits=waits).gather(request())

    assert result.facts[0] == "3 incidents in the last 30 days: 1 SEV1, 2 SEV4"
    assert waits == [2.0, 2.0]
    assert len(pagerduty.requests) == 3


def test_a_wait_past_the_deadline_is_not_waited(pagerduty: PagerDutyApi) -> None:
    pagerduty.throttle(reset=30)
    waits: list[float] = []
    started = time.monotonic()

    with pytest.raises(ContextSourceUnavailable) as caught:
        provider_for(pagerduty, timeout=5, waits=waits).gather(request())

    assert re.fullmatch(
        r"PagerDuty is rate-limiting requests \(it answered HTTP 429 and asks to wait 30 s, "
        r"more than the 4\.[45] s this prep may still wait\)",
        caught.value.reason,
    )
    assert waits == []
    assert time.monotonic() - started < 1


def test_a_short_wait_that_would_end_past_the_deadline_is_not_waited(
    pagerduty: PagerDutyApi,
) -> None:
    pagerduty.throttle(reset=1, delay=0.4)
    waits: list[float] = []

    with pytest.raises(ContextSourceUnavailable) as caught:
        provider_for(pagerduty, timeout=1.5, waits=waits).gather(request())

    assert re.search(
        r"asks to wait 1 s, more than the 0\.[4-6] s this prep may", caught.value.reason
    )
    assert waits == []


def test_a_failing_pagerduty_is_asked_again_then_given_up(pagerduty: PagerDutyApi) -> None:
    error = {"error": {"message": "Internal Server Error", "code": 2000}}
    pagerduty.faults.add(Fault.answer_with(503, error), times=1)
    waits: list[float] = []

    recovered = provider_for(pagerduty, waits=waits).gather(request())
    pagerduty.faults.add(Fault.answer_with(500, error), times=10)
    with pytest.raises(ContextSourceUnavailable) as caught:
        provider_for(pagerduty, waits=waits).gather(request())

    assert recovered.available
    assert caught.value.reason.startswith("PagerDuty is failing on its side (it answered HTTP 500")
    assert waits == [1.0, 1.0, 2.0]


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (
            Fault.garbage(),
            "PagerDuty answered with something other than JSON (HTTP 200, text/html)",
        ),
        (
            # Not followed: the token would go wherever the redirect points.
            Fault.answer_with(302, b"", {"Location": "https://elsewhere.example/"}),
            "PagerDuty answered HTTP 302",
        ),
        (Fault.answer_with(200, [1, 2]), "PagerDuty answered with something other than JSON"),
        (Fault.answer_with(200, b"[" * 100_000), "PagerDuty answered with something other than"),
        (
            Fault.answer_with(200, {"incidents": "none", "more": False}),
            "PagerDuty answered in a shape it should not (a page without its incidents)",
        ),
        (
            Fault.answer_with(200, {"incidents": [{"incident_number": 7, "urgency": "high"}]}),
            "PagerDuty answered in a shape it should not (incident PD-7: title: Field required)",
        ),
        (
            Fault.answer_with(200, b'{"incidents": [' + b" " * (9 * 1024 * 1024) + b"]}"),
            "PagerDuty: an answer is larger than 8 MB (it is 9 MB); the incidents API sent far",
        ),
    ],
)
def test_an_answer_that_is_not_pagerdutys_is_refused(
    pagerduty: PagerDutyApi, fault: Fault, reason: str
) -> None:
    pagerduty.faults.add(fault)

    with pytest.raises(ContextSourceUnavailable) as caught:
        provider_for(pagerduty).gather(request())

    assert caught.value.reason.startswith(reason)


@pytest.mark.parametrize("fault", [Fault.stall(), Fault.endless()], ids=["stalls", "trickles"])
def test_a_peer_that_never_finishes_is_cut_off_before_the_prep_stops_waiting(
    pagerduty: PagerDutyApi, fault: Fault
) -> None:
    pagerduty.faults.add(fault, times=5)
    provider = provider_for(pagerduty, timeout=1)
    started = time.monotonic()

    result = gather_one(provider, request(), 1)

    assert time.monotonic() - started < 1
    assert re.match(r"PagerDuty: no complete answer within 0\.[345] s", result.reason or "")


def test_markup_and_control_characters_in_a_title_stay_text_on_one_line(
    pagerduty: PagerDutyApi,
) -> None:
    title = "\x1b[2J[link=https://evil.example]Pay[/link] <script>x</script>\n# Heading\u2028more"
    pagerduty.add(pd_incident(9, title, created_at=NOW - timedelta(hours=2), status="triggered"))

    result = provider_for(pagerduty).gather(request())

    [highlight] = result.highlights
    assert "\n" not in highlight and "\u2028" not in highlight
    assert "[link=https://evil.example]Pay[/link] <script>x</script> # Heading more" in highlight
    assert result.questions[0].startswith("What is the plan and ETA to resolve PD-9 (\x1b[2J")
