"""What the incidents rules say beyond an export's columns: counts by urgency and priority, and
what the rows leave out of the window (a read cut at its cap, a source that gave nothing)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from exec_assistant.domain.context_rules.incidents import (
    Coverage,
    CutOff,
    Incident,
    incidents_result,
)

from incident_fixtures import NOW, request


def incident(id: str, **more: Any) -> Incident:
    fields: dict[str, Any] = {
        "severity": "SEV3",
        "title": "Checkout slow",
        "started_at": NOW - timedelta(days=2),
        "resolved_at": NOW - timedelta(days=2) + timedelta(hours=2),
        "status": "resolved",
        **more,
    }
    return Incident(id=id, **fields)


def test_incidents_count_by_urgency_and_priority_when_the_source_has_them() -> None:
    rows = [
        incident("PD-1", urgency="high", priority="P1", severity="SEV1"),
        incident("PD-2", urgency="High", priority="P3"),
        incident("PD-3", urgency="low"),
    ]

    result = incidents_result(rows, request())

    assert "By urgency: 2 high, 1 low" in result.facts
    assert "By priority: 1 P1, 1 P3, 1 without a priority" in result.facts
    assert result.data["by_urgency"] == {"high": 2, "low": 1}
    assert result.data["by_priority"] == {"P1": 1, "P3": 1}


def test_an_export_without_urgency_or_priority_reads_as_it_always_did() -> None:
    result = incidents_result([incident("I-1")], request())

    assert not any(fact.startswith("By ") for fact in result.facts)
    assert "by_urgency" not in result.data
    assert set(result.data["incidents"][0]) >= {"id", "severity", "owner"}
    assert "urgency" not in result.data["incidents"][0]


def test_a_read_cut_at_its_cap_says_how_many_of_how_many() -> None:
    coverage = Coverage(cut_off=(CutOff("PagerDuty", 1000, 4210),), read_from=("PagerDuty",))

    result = incidents_result([incident("PD-1")], request(), coverage=coverage)

    assert result.facts[-1] == (
        "Only the 1,000 most recent of 4,210 PagerDuty incidents in the window were read: "
        "the figures above cover those"
    )
    assert result.data["cut_off"] == [{"source": "PagerDuty", "read": 1000, "total": 4210}]


def test_a_cut_without_a_total_says_there_were_more() -> None:
    coverage = Coverage(cut_off=(CutOff("Opsgenie", 300),), read_from=("Opsgenie",))

    result = incidents_result([incident("OG-1")], request(), coverage=coverage)

    assert "300 most recent of more Opsgenie incidents" in result.facts[-1]


def test_a_missing_source_is_named_even_when_the_other_has_nothing() -> None:
    coverage = Coverage(
        unavailable=(("Opsgenie", "Opsgenie refused the API key"),), read_from=("PagerDuty",)
    )

    result = incidents_result([], request(), coverage=coverage)

    assert result.facts == (
        "No incidents in the last 30 days.",
        "Incidents from Opsgenie are missing, the figures are PagerDuty's alone: "
        "Opsgenie refused the API key",
    )
    assert result.data["unavailable"] == {"Opsgenie": "Opsgenie refused the API key"}
