"""Meeting types and notification rules: shipped defaults, user overrides, clear errors."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from exec_assistant.configuration import load_config, load_meeting_types, load_notification_rules
from exec_assistant.domain.errors import ConfigError
from exec_assistant.domain.meeting_types import DetectionRules

EXPECTED_LEAD_HOURS = {
    "leadership_team": 24,
    "one_on_one": 12,
    "reliability_review": 48,
    "qbr": 72,
    "executive_staff": 48,
    "interview_debrief": 4,
    "vendor_meeting": 24,
    "general": 24,
}


def test_the_shipped_types_are_the_built_in_ones_with_their_lead_times() -> None:
    catalog, sources = load_meeting_types(None)
    assert {t.id: t.prep_lead_hours for t in catalog} == EXPECTED_LEAD_HOURS
    assert sources == ["<shipped meeting_types.yaml>"]
    for meeting_type in catalog:
        assert meeting_type.name
        assert meeting_type.prep_questions
        assert meeting_type.agenda
        assert meeting_type.notes_template


def test_default_quiet_hours() -> None:
    rules, _ = load_notification_rules(None)
    assert rules.quiet_hours is not None
    assert (rules.quiet_hours.start, rules.quiet_hours.end) == (time(21), time(7))
    assert rules.final_reminder_minutes == 120


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def test_a_user_file_changes_only_the_keys_it_gives(tmp_path: Path) -> None:
    write(
        tmp_path,
        "meeting_types.yaml",
        "meeting_types:\n  one_on_one:\n    prep_lead_hours: 6\n",
    )
    catalog, sources = load_meeting_types(tmp_path)
    one_on_one = catalog.get("one_on_one")
    assert one_on_one.prep_lead_hours == 6
    assert "1:1" in one_on_one.detection[0].title_keywords  # kept from the shipped file
    assert sources[-1] == str(tmp_path / "meeting_types.yaml")


def test_a_user_file_can_add_a_type(tmp_path: Path) -> None:
    write(
        tmp_path,
        "meeting_types.yaml",
        """
meeting_types:
  board_prep:
    name: Board prep
    priority: 95
    detection: {title_keywords: ["board prep"]}
    prep_lead_hours: 96
    agenda:
      - {title: Narrative, minutes: 30}
""",
    )
    catalog, _ = load_meeting_types(tmp_path)
    assert catalog.ids[0] == "board_prep"


def test_a_type_may_be_recognised_several_ways(tmp_path: Path) -> None:
    write(
        tmp_path,
        "meeting_types.yaml",
        """
meeting_types:
  board_prep:
    name: Board prep
    priority: 95
    detection:
      - {title_keywords: ["board prep"]}
      - {title_keywords: ["board"], also_title_keywords: ["deck", "pre-read"], min_attendees: 2}
    prep_lead_hours: 96
    agenda:
      - {title: Narrative, minutes: 30}
""",
    )
    board_prep = load_meeting_types(tmp_path)[0].get("board_prep")
    assert board_prep.detection == (
        DetectionRules(title_keywords=("board prep",)),
        DetectionRules(
            title_keywords=("board",), also_title_keywords=("deck", "pre-read"), min_attendees=2
        ),
    )


def test_detection_given_for_a_type_shipped_with_several_ways_replaces_them(
    tmp_path: Path,
) -> None:
    write(
        tmp_path,
        "meeting_types.yaml",
        "meeting_types:\n  interview_debrief:\n    detection: {title_keywords: [panel review]}\n",
    )
    debrief = load_meeting_types(tmp_path)[0].get("interview_debrief")
    assert debrief.detection == (DetectionRules(title_keywords=("panel review",)),)


@pytest.mark.parametrize("off", ["", "[]"])
def test_detection_can_be_turned_off_for_a_type(tmp_path: Path, off: str) -> None:
    write(tmp_path, "meeting_types.yaml", f"meeting_types:\n  qbr:\n    detection: {off}\n")
    assert load_meeting_types(tmp_path)[0].get("qbr").detection == ()


def test_notification_rules_override(tmp_path: Path) -> None:
    write(tmp_path, "notification_rules.yaml", "quiet_hours:\n  start: '22:30'\n")
    rules, _ = load_notification_rules(tmp_path)
    assert rules.quiet_hours is not None
    assert rules.quiet_hours.start == time(22, 30)
    assert rules.quiet_hours.end == time(7)


def test_no_quiet_hours(tmp_path: Path) -> None:
    write(tmp_path, "notification_rules.yaml", "quiet_hours: null\n")
    assert load_notification_rules(tmp_path)[0].quiet_hours is None


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        (
            "meeting_types:\n  qbr:\n    prep_lead_hours: -5\n",
            "meeting_types.qbr.prep_lead_hours",
            "greater than 0",
        ),
        (
            "meeting_types:\n  qbr:\n    prep_lead_hours: soon\n",
            "meeting_types.qbr.prep_lead_hours",
            "'soon'",
        ),
        (
            "meeting_types:\n  qbr:\n    detection:\n      max_attendes: 3\n",
            "meeting_types.qbr.detection.max_attendes",
            "unknown key",
        ),
        (
            "meeting_types:\n  qbr:\n    context_providers: [budget, weather]\n",
            "meeting_types.qbr.context_providers.1",
            "'weather'",
        ),
        (
            "meeting_types:\n  custom:\n    name: Custom\n    prep_lead_hours: 2\n",
            "meeting_types.custom.agenda",
            "required",
        ),
        (
            "meeting_types:\n  one_on_one:\n    detection: {min_attendees: 4, max_attendees: 2}\n",
            "meeting_types.one_on_one.detection",
            "greater than max_attendees",
        ),
        ("meeting_typos: {}\n", "meeting_typos", "unknown key"),
        (
            "meeting_types:\n  qbr:\n    detection:\n      - {title_keywords: [QBR]}\n"
            "      - {max_attendes: 3}\n",
            "meeting_types.qbr.detection.1.max_attendes",
            "unknown key",
        ),
        (
            "meeting_types:\n  qbr:\n    detection:\n      - {title_keywords: [QBR]}\n"
            "      - {min_attendees: 4, max_attendees: 2}\n",
            "meeting_types.qbr.detection.1",
            "min_attendees (4) is greater than max_attendees (2)",
        ),
        (
            "meeting_types:\n  qbr:\n    detection:\n      - {title_keywords: [QBR]}\n      - {}\n",
            "meeting_types.qbr.detection.1",
            "this rule set has no conditions, so it would never match",
        ),
        (
            "meeting_types:\n  qbr:\n    detection:\n      - {title_keywords: [QBR]}\n      -\n",
            "meeting_types.qbr.detection.1",
            "expected a mapping of conditions",
        ),
        (
            "meeting_types:\n  qbr:\n    detection: QBR\n",
            "meeting_types.qbr.detection",
            "expected a mapping of conditions, or a list of such mappings",
        ),
        (
            "meeting_types:\n  qbr:\n    detection: {title_keywords: QBR}\n",
            "meeting_types.qbr.detection.title_keywords",
            "expected a list, e.g. ['QBR']",
        ),
        (
            "meeting_types:\n  qbr:\n    detection: {also_title_keywords: [quarterly]}\n",
            "meeting_types.qbr.detection",
            "also_title_keywords needs title_keywords",
        ),
        (
            "meeting_types:\n  qbr:\n    detection:\n"
            "      - {title_keywords: [QBR], also_title_keywords: ['  ']}\n",
            "meeting_types.qbr.detection.0.also_title_keywords",
            "title keywords must not be blank",
        ),
    ],
)
def test_a_bad_file_names_the_file_the_key_and_the_problem(
    tmp_path: Path, text: str, key: str, problem: str
) -> None:
    path = write(tmp_path, "meeting_types.yaml", text)
    with pytest.raises(ConfigError) as caught:
        load_meeting_types(tmp_path)
    assert str(caught.value).startswith(f"invalid configuration in {path} at '{key}': ")
    assert problem in str(caught.value)
    assert "Value error" not in str(caught.value)


def test_invalid_yaml_points_at_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "meeting_types.yaml", "meeting_types:\n  qbr: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML") as caught:
        load_config(tmp_path)
    assert str(caught.value).startswith(f"invalid configuration in {path}:3:")


def test_a_file_that_is_not_a_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, "notification_rules.yaml", "- just\n- a list\n")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert str(caught.value) == (
        f"invalid configuration in {path}: expected a mapping of keys at the top, found list"
    )


def test_bad_quiet_hours(tmp_path: Path) -> None:
    path = write(
        tmp_path, "notification_rules.yaml", "quiet_hours: {start: '25:00', end: '07:00'}\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_notification_rules(tmp_path)
    assert str(path) in str(caught.value)
    assert "quiet_hours.start" in str(caught.value)


def test_an_empty_user_file_changes_nothing(tmp_path: Path) -> None:
    write(tmp_path, "meeting_types.yaml", "")
    catalog, _ = load_meeting_types(tmp_path)
    assert len(catalog) == 8


@pytest.mark.parametrize(
    ("source", "key", "expected"),
    [
        (
            "/c/settings.yaml",
            "lookahead_days",
            "invalid configuration in /c/settings.yaml at 'lookahead_days': the problem",
        ),
        (
            "/c/meeting_types.yaml:3:9",
            None,
            "invalid configuration in /c/meeting_types.yaml:3:9: the problem",
        ),
        (None, "EXEC_ASSISTANT_TIMEZONE", "invalid EXEC_ASSISTANT_TIMEZONE: the problem"),
        (None, "--data-dir", "invalid --data-dir: the problem"),
        (None, None, "invalid configuration: the problem"),
    ],
)
def test_a_config_error_says_where_as_far_as_it_is_known(
    source: str | None, key: str | None, expected: str
) -> None:
    error = ConfigError("the problem", source=source, key=key, hint="The fix.")
    assert str(error) == f"{expected}\nThe fix."
    assert (error.source, error.key, error.problem) == (source, key, "the problem")


def test_quiet_hours_that_start_when_they_end(tmp_path: Path) -> None:
    path = write(
        tmp_path, "notification_rules.yaml", "quiet_hours: {start: '07:00', end: '07:00'}\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_notification_rules(tmp_path)
    assert str(caught.value).startswith(
        f"invalid configuration in {path} at 'quiet_hours': quiet hours start and end must differ"
    )
