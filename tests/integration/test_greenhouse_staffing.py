"""`staffing` with open reqs from Greenhouse's Harvest API (a local fake of it): the HRIS
export keeps headcount and attrition, Greenhouse gives each team its reqs, and the same rules
word them as they word the file's; and what a prep says when Greenhouse refuses, throttles,
stalls or answers garbage."""

from __future__ import annotations

import base64
import logging
import textwrap
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from exec_assistant.adapters.local.env_secrets import EnvSecretStore
from exec_assistant.clocks import FixedClock
from exec_assistant.context.files import StaffingContextProvider
from exec_assistant.context.greenhouse import GreenhouseStaffingProvider, GreenhouseStaffingSource
from exec_assistant.context.sources import ContextSourceDeps
from exec_assistant.domain.context import ContextRequest, ContextResult
from exec_assistant.domain.integrations import CheckStatus
from exec_assistant.services.context import gather_one

from factories import context_request
from greenhouse_api import FakeGreenhouse

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
PRIYA = "priya.raman@northwind.example"
SECRETS = {"GREENHOUSE_CLIENT_ID": "gh-client", "GREENHOUSE_CLIENT_SECRET": "gh-secret"}
EXPORT = """
    as_of: 2026-11-27
    org: Infrastructure
    teams:
      - name: Site Reliability Engineering
        manager: priya.raman@northwind.example
        headcount: 11
        approved_headcount: 13
        attrition_last_quarter: 1
        on_call_load: 14.5
      - name: Platform Engineering
        manager: marcus.webb@northwind.example
        headcount: 14
        approved_headcount: 15
        open_reqs:
          - {title: Left over from the last export, days_open: 300}
        attrition_last_quarter: 0
        on_call_load: 6.0
      - name: Storage
        manager: elena.park@northwind.example
        headcount: 7
        approved_headcount: 7
        attrition_last_quarter: 0
        on_call_load: 4
"""


def request(**overrides: Any) -> ContextRequest:
    return context_request(NOW, **overrides)


@pytest.fixture
def greenhouse() -> Iterator[FakeGreenhouse]:
    with FakeGreenhouse(now=NOW, client_id="gh-client", client_secret="gh-secret") as server:
        yield server


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "staffing.yaml").write_text(textwrap.dedent(EXPORT), encoding="utf-8")
    return tmp_path


def organisation(greenhouse: FakeGreenhouse) -> dict[str, int]:
    """SRE (with an on-call sub-department), Platform, and Sales (no team in the export)."""
    infra = greenhouse.department("Infrastructure")
    sre = greenhouse.department("Site Reliability Engineering", parent=infra)
    on_call = greenhouse.department("SRE On-call", parent=sre)
    platform = greenhouse.department("Platform", parent=infra)
    sales = greenhouse.department("Sales")
    staff = greenhouse.job("Staff Site Reliability Engineer", on_call, opened_days_ago=64)
    greenhouse.offer(staff, sent=True)
    greenhouse.job("Site Reliability Engineer II", sre, opened_days_ago=21)
    greenhouse.job("Senior Platform Engineer", platform, opened_days_ago=48, openings=2)
    greenhouse.job("Account Executive", sales, opened_days_ago=10, openings=3)
    greenhouse.job("Closed role", sre, opened_days_ago=99, status="closed")
    return {"sre": sre, "platform": platform, "sales": sales, "staff": staff}


def source(greenhouse: FakeGreenhouse, **config: Any) -> GreenhouseStaffingSource:
    config.setdefault("departments", {"Platform": "Platform Engineering"})
    return GreenhouseStaffingSource(
        base_url=greenhouse.base_url, token_url=greenhouse.token_url, **config
    )


def provider(
    greenhouse: FakeGreenhouse,
    folder: Path,
    *,
    secrets: dict[str, str] = SECRETS,
    waits: list[float] | None = None,
    **config: Any,
) -> GreenhouseStaffingProvider:
    def sleep(seconds: float) -> None:
        if waits is not None:
            waits.append(seconds)

    return GreenhouseStaffingProvider(
        source(greenhouse, **config),
        StaffingContextProvider(folder),
        EnvSecretStore(secrets),
        sleep=sleep,
    )


def deps(folder: Path, secrets: dict[str, str] = SECRETS, now: datetime = NOW) -> ContextSourceDeps:
    return ContextSourceDeps(folder, EnvSecretStore(secrets), FixedClock(now))


def reason(result: ContextResult) -> str:
    assert not result.available
    return result.reason or ""


# --- Happy paths -----------------------------------------------------------------------------


def test_each_team_gets_its_open_reqs_from_greenhouse(
    greenhouse: FakeGreenhouse, folder: Path
) -> None:
    organisation(greenhouse)

    started = time.perf_counter()
    result = provider(greenhouse, folder, user_id=4080123).gather(request())
    elapsed = time.perf_counter() - started

    assert result.facts == (
        "Infrastructure (as of 27 Nov): 32 of 35 approved headcount filled across 3 teams, "
        "4 open reqs, 1 departure last quarter",
        "Site Reliability Engineering: 11 of 13 approved headcount, 2 open reqs (oldest 64 "
        "days), 1 departure last quarter, on-call 14.5 pages/week",
        "Platform Engineering: 14 of 15 approved headcount, 2 open reqs (oldest 48 days), "
        "0 departures last quarter, on-call 6.0 pages/week",
        "Storage: 7 of 7 approved headcount, 0 open reqs, 0 departures last quarter, "
        "on-call 4.0 pages/week",
        "Greenhouse lists 3 open reqs outside the teams in staffing.yaml: Sales (3)",
    )
    assert result.questions[0] == (
        "What is holding up the Staff Site Reliability Engineer req in Site Reliability "
        "Engineering (open 64 days, at offer out)?"
    )
    token, *lists = greenhouse.seen
    assert (token.method, token.path) == ("POST", "/token")
    assert [s.path for s in lists] == ["/v3/departments", "/v3/jobs", "/v3/openings", "/v3/offers"]
    assert all(
        s.query["per_page"] == "500" and "custom_fields" not in s.query["fields"] for s in lists
    )
    assert {s.headers["authorization"].split()[0] for s in lists} == {"Bearer"}
    assert lists[3].query["status"] == "Created"
    print(f"\nfirst gather: 1 token + 4 list requests, {elapsed * 1000:.0f} ms")


def test_greenhouse_and_a_staffing_export_with_the_same_reqs_give_the_same_facts(
    greenhouse: FakeGreenhouse, folder: Path, tmp_path: Path
) -> None:
    organisation(greenhouse)
    exported = tmp_path / "exported"
    exported.mkdir()
    (exported / "staffing.yaml").write_text(
        textwrap.dedent(EXPORT)
        .replace(
            "open_reqs:\n      - {title: Left over from the last export, days_open: 300}",
            "open_reqs:\n      - {title: Senior Platform Engineer, days_open: 48}"
            "\n      - {title: Senior Platform Engineer, days_open: 48}",
        )
        .replace(
            "    manager: priya.raman@northwind.example\n",
            "    manager: priya.raman@northwind.example\n"
            "    open_reqs:\n"
            "      - {title: Staff Site Reliability Engineer, days_open: 64, stage: offer_out}\n"
            "      - {title: Site Reliability Engineer II, days_open: 21}\n",
        )
        .replace(
            "    manager: elena.park@northwind.example\n",
            "    manager: elena.park@northwind.example\n    open_reqs: []\n",
        ),
        encoding="utf-8",
    )
    from_file = StaffingContextProvider(exported)
    api = provider(greenhouse, folder)

    for ask in (request(), request(scope="people", people=(PRIYA,))):
        expected, got = from_file.gather(ask), api.gather(ask)
        outside = 1 if ask.scope == "organisation" else 0
        assert got.facts[: len(got.facts) - outside] == expected.facts
        assert got.highlights == expected.highlights
        assert got.questions == expected.questions
        assert got.data["teams"] == expected.data["teams"]


def test_a_one_to_one_gets_the_attendees_team_only(
    greenhouse: FakeGreenhouse, folder: Path
) -> None:
    organisation(greenhouse)

    result = provider(greenhouse, folder).gather(request(scope="people", people=(PRIYA,)))

    assert [f.split(":")[0] for f in result.facts] == [
        "Infrastructure (as of 27 Nov)",
        "Site Reliability Engineering",
    ]


def test_a_later_prep_keeps_the_token(greenhouse: FakeGreenhouse, folder: Path) -> None:
    organisation(greenhouse)
    reader = provider(greenhouse, folder)

    reader.gather(request())
    reader.gather(request())

    assert greenhouse.count("/token") == 1
    assert len(greenhouse.seen) == 1 + 8


def test_every_page_is_followed_by_its_next_link(greenhouse: FakeGreenhouse, folder: Path) -> None:
    sre = greenhouse.department("Site Reliability Engineering")
    for i in range(1100):
        greenhouse.job(f"Role {i:04}", sre, opened_days_ago=i % 90)

    result = provider(greenhouse, folder).gather(request())

    assert "1,100 open reqs (oldest 89 days)" in result.facts[1]
    jobs = [s for s in greenhouse.seen if s.path == "/v3/jobs"]
    assert len(jobs) == 3
    assert all(list(s.query) == ["cursor"] for s in jobs[1:])
    assert greenhouse.count("/v3/openings") == 3


def test_offers_confidential_jobs_and_the_department_tree(
    greenhouse: FakeGreenhouse, folder: Path
) -> None:
    ids = organisation(greenhouse)
    secret = greenhouse.job("VP <b>Successor</b>", ids["sre"], opened_days_ago=5, confidential=True)
    greenhouse.offer(secret, sent=False)
    platform = greenhouse.job("Platform Lead", ids["platform"], opened_days_ago=70, openings=2)
    _first, second = greenhouse.openings_of(platform)
    greenhouse.offer(platform, opening=second, sent=True)

    result = provider(greenhouse, folder).gather(request())

    sre, platform_team = result.data["teams"][0], result.data["teams"][1]
    assert {"title": "Confidential req", "days_open": 5, "stage": "offer_pending"} in sre[
        "open_reqs"
    ]
    assert not any("Successor" in text for text in (*result.facts, *result.questions))
    stages = [r["stage"] for r in platform_team["open_reqs"] if r["title"] == "Platform Lead"]
    assert sorted(stages, key=str) == [None, "offer_out"]


def test_a_department_tree_that_loops_and_a_name_pasted_whole_are_survived(
    greenhouse: FakeGreenhouse, folder: Path
) -> None:
    looped = greenhouse.department("Loop A")
    other = greenhouse.department("Loop B", parent=looped)
    greenhouse._state.records["departments"][0]["parent_id"] = other
    greenhouse.job("Lost", other, opened_days_ago=3)
    sre = greenhouse.department("Site Reliability Engineering")
    greenhouse.job("SRE " + "very long title " * 500 + "\n# not a heading", sre, opened_days_ago=60)

    result = provider(greenhouse, folder).gather(request())

    assert result.facts[-1] == (
        "Greenhouse lists 1 open req outside the teams in staffing.yaml: Loop B (1)"
    )
    title = result.data["teams"][0]["open_reqs"][0]["title"]
    assert len(title) == 120 and title.endswith("…")
    assert all("\n" not in text for text in (*result.highlights, *result.questions))


# --- Failures --------------------------------------------------------------------------------


def test_wrong_client_credentials_are_named_not_shown(
    greenhouse: FakeGreenhouse, folder: Path
) -> None:
    wrong = {"GREENHOUSE_CLIENT_ID": "gh-client", "GREENHOUSE_CLIENT_SECRET": "s3cr3t-wrong"}

    result = gather_one(provider(greenhouse, folder, secrets=wrong), request(), 5)

    assert reason(result) == "Greenhouse refused the client credentials (invalid_client)"
    assert "s3cr3t" not in reason(result)


def test_missing_credentials_name_the_secrets(greenhouse: FakeGreenhouse, folder: Path) -> None:
    result = gather_one(provider(greenhouse, folder, secrets={}), request(), 5)

    assert reason(result) == (
        "no Greenhouse credentials (GREENHOUSE_CLIENT_ID and GREENHOUSE_CLIENT_SECRET not set)"
    )
    assert greenhouse.seen == []


def test_a_revoked_token_is_renewed_once(greenhouse: FakeGreenhouse, folder: Path) -> None:
    organisation(greenhouse)
    reader = provider(greenhouse, folder)
    reader.gather(request())
    greenhouse.revoke_tokens()

    result = reader.gather(request())

    assert result.available
    assert greenhouse.count("/token") == 2


def test_a_token_refused_after_renewal_is_a_clear_reason(
    greenhouse: FakeGreenhouse, folder: Path
) -> None:
    greenhouse.fail("departments", 401, times=2)

    result = gather_one(provider(greenhouse, folder), request(), 5)

    assert reason(result) == "Greenhouse refused the access token (HTTP 401)"
    assert greenhouse.count("/token") == 2


def test_a_missing_scope_names_it(greenhouse: FakeGreenhouse, folder: Path) -> None:
    greenhouse.scopes.discard("harvest:offers:list")

    result = gather_one(provider(greenhouse, folder), request(), 5)

    assert reason(result) == (
        "Greenhouse refused /v3/offers (HTTP 403): the credentials need harvest:offers:list "
        "and a Site Admin user"
    )


def test_rate_limiting_waits_as_long_as_greenhouse_asks(
    greenhouse: FakeGreenhouse, folder: Path
) -> None:
    organisation(greenhouse)
    greenhouse.fail("jobs", 429, retry_after="7")
    waits: list[float] = []

    result = provider(greenhouse, folder, waits=waits).gather(request())

    assert result.available
    assert waits == [7.0]
    assert greenhouse.count("/v3/jobs") == 2


def test_without_retry_after_the_rate_limit_reset_says_how_long(
    greenhouse: FakeGreenhouse, folder: Path
) -> None:
    organisation(greenhouse)
    greenhouse.fail("offers", 429, headers={"X-RateLimit-Reset": str(int(time.time()) + 4)})
    waits: list[float] = []

    result = provider(greenhouse, folder, waits=waits).gather(request())

    assert result.available
    assert len(waits) == 1 and 2 < waits[0] <= 4


def test_a_wait_longer_than_the_time_left_is_not_waited(
    greenhouse: FakeGreenhouse, folder: Path
) -> None:
    greenhouse.fail("departments", 429, retry_after="60")
    waits: list[float] = []

    result = gather_one(provider(greenhouse, folder, waits=waits), request(), 20)

    assert reason(result) == (
        "Greenhouse is rate-limiting (HTTP 429) and asks to wait 60 s, past the time this "
        "source has"
    )
    assert waits == []


def test_server_errors_are_tried_again_then_named(greenhouse: FakeGreenhouse, folder: Path) -> None:
    greenhouse.fail("openings", 503, times=4)
    waits: list[float] = []

    result = gather_one(provider(greenhouse, folder, waits=waits), request(), 20)

    assert reason(result) == "Greenhouse kept answering HTTP 503 to /v3/openings (4 attempts)"
    assert waits == [0.5, 1.0, 2.0]


@pytest.mark.parametrize(
    "body",
    [b"<html>maintenance</html>", b'{"jobs": []}', b'[{"name": "no id"}]', b"[" * 100_000],
)
def test_garbage_is_refused_not_read_as_no_reqs(
    greenhouse: FakeGreenhouse, folder: Path, body: bytes
) -> None:
    greenhouse.fail("jobs", 200, body=body)

    result = gather_one(provider(greenhouse, folder), request(), 5)

    assert reason(result) == "Greenhouse answered /v3/jobs in an unexpected shape"


def test_a_page_too_large_to_be_a_page_is_refused(greenhouse: FakeGreenhouse, folder: Path) -> None:
    row = b'{"id": 1, "name": "' + b"x" * 1000 + b'"},'
    greenhouse.fail("departments", 200, body=b"[" + row * 9000 + b'{"id": 2}]')

    result = gather_one(provider(greenhouse, folder), request(), 5)

    assert reason(result) == ("Greenhouse answered more than 8 MB for one page of /v3/departments")


def test_a_slow_greenhouse_is_named_before_the_prep_stops_waiting(
    greenhouse: FakeGreenhouse, folder: Path
) -> None:
    greenhouse.stall(3)

    started = time.perf_counter()
    result = gather_one(provider(greenhouse, folder, timeout_seconds=1), request(), 1)
    elapsed = time.perf_counter() - started

    assert reason(result) == "Greenhouse gave no answer for the token endpoint within 0.5 s"
    assert elapsed < 1


def test_an_answer_that_trickles_in_is_cut_off_at_the_deadline(
    greenhouse: FakeGreenhouse, folder: Path
) -> None:
    organisation(greenhouse)
    greenhouse.trickle = 0.02

    started = time.perf_counter()
    result = gather_one(provider(greenhouse, folder, timeout_seconds=1), request(), 1)
    elapsed = time.perf_counter() - started

    assert (
        reason(result)
        == "Greenhouse's answer for the token endpoint was still arriving after 0.5 s"
    )
    assert elapsed < 1


def test_a_next_page_on_another_host_is_never_sent_the_token(
    greenhouse: FakeGreenhouse, folder: Path
) -> None:
    with FakeGreenhouse(now=NOW) as elsewhere:
        greenhouse.next_link = f"{elsewhere.base_url}/v3/departments?cursor=steal"

        result = gather_one(provider(greenhouse, folder), request(), 5)

        assert reason(result) == "Greenhouse's next page of /v3/departments points to another host"
        assert elsewhere.seen == []


def test_a_next_link_that_loops_is_cut_short(greenhouse: FakeGreenhouse, folder: Path) -> None:
    greenhouse.next_link = greenhouse.cursor_url("departments", 0, per_page="500")

    result = gather_one(provider(greenhouse, folder), request(), 5)

    assert reason(result) == "Greenhouse kept paging /v3/departments past 2 pages"


def test_no_secret_or_token_reaches_the_logs(
    greenhouse: FakeGreenhouse, folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    organisation(greenhouse)
    greenhouse.fail("jobs", 429, retry_after="1")
    caplog.set_level(logging.DEBUG)

    provider(greenhouse, folder).gather(request())

    basic = base64.b64encode(b"gh-client:gh-secret").decode()
    logged = caplog.text + " ".join(str(r.__dict__) for r in caplog.records)
    assert "gh-secret" not in logged and basic not in logged and "gh-token" not in logged
    assert "Staff Site Reliability" not in logged


# --- doctor ----------------------------------------------------------------------------------


def test_doctor_checks_the_export_the_credentials_each_scope_and_the_clock(
    greenhouse: FakeGreenhouse, folder: Path
) -> None:
    organisation(greenhouse)
    config = source(greenhouse, departments={"Platform": "Platform Engineering", "X": "Nope"})

    checks = config.doctor(deps(folder, now=datetime.now(UTC))).check(10)

    assert [(c.check, c.status) for c in checks] == [
        ("export", CheckStatus.OK),
        ("departments", CheckStatus.WARNING),
        ("credentials", CheckStatus.OK),
        ("permissions", CheckStatus.OK),
        ("clock", CheckStatus.OK),
    ]
    assert checks[1].detail == (
        "staffing.departments maps to teams staffing.yaml does not have: Nope"
    )
    assert {s.query.get("per_page") for s in greenhouse.seen if s.method == "GET"} == {"1"}


def test_doctor_names_a_missing_scope_and_a_wrong_clock(folder: Path) -> None:
    with FakeGreenhouse(now=NOW, clock_offset=timedelta(minutes=-10)) as greenhouse:
        greenhouse.scopes.discard("harvest:openings:list")

        checks = (
            source(greenhouse)
            .doctor(
                deps(
                    folder,
                    {"GREENHOUSE_CLIENT_ID": "gh-client", "GREENHOUSE_CLIENT_SECRET": "gh-secret"},
                    datetime.now(UTC),
                )
            )
            .check(10)
        )

    by_check = {c.check: c for c in checks}
    assert by_check["permissions"].status == CheckStatus.FAILED
    assert by_check["permissions"].fix == (
        "Grant harvest:openings:list to the Harvest v3 credentials and set staffing.user_id "
        "to a Site Admin's Greenhouse user id."
    )
    assert by_check["clock"].status == CheckStatus.WARNING


def test_doctor_without_credentials_checks_nothing_further(
    greenhouse: FakeGreenhouse, folder: Path
) -> None:
    checks = source(greenhouse).doctor(deps(folder, {})).check(10)

    assert [(c.check, c.status) for c in checks] == [
        ("export", CheckStatus.OK),
        ("credentials", CheckStatus.FAILED),
        ("permissions", CheckStatus.SKIPPED),
    ]
    assert "GREENHOUSE_CLIENT_SECRET" in (checks[1].fix or "")
    assert greenhouse.seen == []
