"""context.yaml: which system each kind of context comes from, checked before any prep."""

from __future__ import annotations

from pathlib import Path

import pytest

from exec_assistant.context.configured import load_context_sources
from exec_assistant.context.sources import FileSource
from exec_assistant.domain.errors import ConfigError


def _write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "context.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_without_a_context_file_every_kind_reads_its_export(tmp_path: Path) -> None:
    sources = load_context_sources(tmp_path)
    assert sources.read_from == ""
    for kind in ("budget", "big_rocks", "incidents", "staffing"):
        assert isinstance(sources.source_of(kind), FileSource)
    assert sources.tracker is None


def test_a_file_source_may_have_its_own_time_limit(tmp_path: Path) -> None:
    _write(tmp_path, "budget:\n  source: file\n  timeout_seconds: 3\nincidents:\n")
    sources = load_context_sources(tmp_path)
    assert sources.source_of("budget").timeout_seconds == 3
    assert "timeout_seconds" in sources.source_of("budget").model_fields_set
    assert "timeout_seconds" not in sources.source_of("incidents").model_fields_set


def test_an_unknown_section_is_named_with_the_known_ones(tmp_path: Path) -> None:
    path = _write(tmp_path, "budgets:\n  source: aws\n")
    with pytest.raises(ConfigError) as caught:
        load_context_sources(tmp_path)
    assert caught.value.source == str(path)
    assert "budgets" in str(caught.value)
    assert "budget, big_rocks, incidents, staffing" in (caught.value.hint or "")


def test_an_unknown_source_is_named_with_the_choices(tmp_path: Path) -> None:
    _write(tmp_path, "staffing:\n  source: '[red]workday'\n")
    with pytest.raises(ConfigError) as caught:
        load_context_sources(tmp_path)
    assert "'[red]workday' is not a source of staffing" in str(caught.value)
    assert "file" in (caught.value.hint or "")


def test_a_bad_value_names_its_key(tmp_path: Path) -> None:
    _write(tmp_path, "incidents:\n  timeout_seconds: -1\n")
    with pytest.raises(ConfigError) as caught:
        load_context_sources(tmp_path)
    assert "incidents.timeout_seconds" in str(caught.value)


def test_a_section_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, "budget: aws\n")
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_context_sources(tmp_path)


def test_a_file_that_is_not_yaml_is_refused_with_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "budget:\n  source: [file\n")
    with pytest.raises(ConfigError) as caught:
        load_context_sources(tmp_path)
    assert str(path) in (caught.value.source or "")


def test_the_systems_of_record_are_sources_of_their_kind(tmp_path: Path) -> None:
    from exec_assistant.context.aws_costs import AwsBudgetSource
    from exec_assistant.context.greenhouse import GreenhouseStaffingSource

    _write(
        tmp_path,
        "budget:\n  source: aws\n  over_budget_percent: 5\n"
        "staffing:\n  source: greenhouse\n  user_id: 4080123\n",
    )
    sources = load_context_sources(tmp_path)
    assert isinstance(sources.source_of("budget"), AwsBudgetSource)
    assert isinstance(sources.source_of("staffing"), GreenhouseStaffingSource)
    assert isinstance(sources.source_of("incidents"), FileSource)


def test_a_system_is_not_a_source_of_another_kind(tmp_path: Path) -> None:
    _write(tmp_path, "incidents:\n  source: greenhouse\n")
    with pytest.raises(ConfigError) as caught:
        load_context_sources(tmp_path)
    assert "'greenhouse' is not a source of incidents" in str(caught.value)
