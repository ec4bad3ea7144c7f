"""`config check` shows every setting whole, names its default, and says how to set it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.cells import cell_len
from rich.console import Console

from exec_assistant.configuration import load_config
from exec_assistant.presentation import config_report, settings_table
from exec_assistant.settings import Settings, load_settings


def render(width: int, **flags: object) -> str:
    settings, origins = load_settings(flags)
    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None)
    loaded = load_config(None)
    console.print(config_report(settings, origins, loaded, ["a note"], width))
    return out.getvalue()


def flat(out: str) -> str:
    return " ".join(out.split())


def value_of(out: str, name: str, *, joined: str = " ") -> str:
    """The Value column of one setting's row, its lines joined."""
    lines = out.splitlines()
    start = lines[0].index("Value")
    first = next(i for i, line in enumerate(lines) if line.split()[:1] == [name])
    row = []
    for line in lines[first:]:
        if not line.strip():
            break
        row.append(line[start:].strip())
    return joined.join(row)


@pytest.mark.parametrize("width", [60, 80, 100, 120, 200])
def test_no_line_is_wider_than_the_terminal(width: int, tmp_path: Path) -> None:
    out = render(width, home=tmp_path / ("long-folder-name-" * 8))
    assert [line for line in out.splitlines() if cell_len(line) > width] == []


def test_a_long_value_is_wrapped_whole_never_cut(tmp_path: Path) -> None:
    home = tmp_path / ("a-very-long-folder-name-without-spaces-" * 5) / "data"
    out = render(80, home=home)
    assert value_of(out, "home", joined="").startswith(str(home))
    assert "…" not in out


def test_defaults_are_named_for_what_they_stand_for(tmp_path: Path) -> None:
    settings, _ = load_settings({"home": tmp_path})
    out = render(120, home=tmp_path)
    assert "None" not in out
    assert value_of(out, "config_dir").startswith(f"DATA_FOLDER/config → {settings.config_path}")
    assert value_of(out, "context_dir").startswith(
        f"CONFIG_FOLDER/context → {settings.context_path}"
    )
    assert value_of(out, "timezone").startswith("UTC (the machine's timezone)")
    for name in ("user_email", "calendars", "outbox"):
        assert value_of(out, name).startswith("none default")
    assert value_of(out, "lookahead_days").startswith("14 days")
    assert value_of(out, "calendar_poll_hours").startswith("2 h")
    assert value_of(out, "serve_tick_seconds").startswith("30 s")


def test_the_default_data_folder_shows_where_it_is() -> None:
    shown = value_of(render(200), "home")
    assert shown.startswith(f"~/.exec-assistant → {Path('~/.exec-assistant').expanduser()}")


@pytest.mark.parametrize("width", [80, 120])
def test_every_setting_names_its_environment_variable_whole(width: int, tmp_path: Path) -> None:
    tokens = render(width, home=tmp_path).split()
    for name in Settings.model_fields:
        if name != "home":  # given on the command line here
            assert f"EXEC_ASSISTANT_{name.upper()}" in tokens


def test_where_each_value_came_from(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "data" / "config"
    config.mkdir(parents=True)
    (config / "settings.yaml").write_text("lookahead_days: 7\n", encoding="utf-8")
    monkeypatch.setenv("EXEC_ASSISTANT_TIMEZONE", "Europe/Paris")
    out = render(200, home=tmp_path / "data")
    assert value_of(out, "home").endswith("from the command line (--data-dir)")
    assert value_of(out, "timezone") == "Europe/Paris from EXEC_ASSISTANT_TIMEZONE"
    assert value_of(out, "lookahead_days") == (
        f"7 days from {config / 'settings.yaml'} · EXEC_ASSISTANT_LOOKAHEAD_DAYS overrides it"
    )
    assert value_of(out, "user_email") == "none default · set EXEC_ASSISTANT_USER_EMAIL to change"


def test_values_are_shown_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "EXEC_ASSISTANT_CALENDARS", "[link=https://evil.example]cal[/link],/tmp/\x1b[2Jx.ics"
    )
    out = render(120, home=tmp_path)
    assert "[link=https://evil.example]cal[/link]" in out
    assert "/tmp/\\x1b[2Jx.ics" in out
    assert "\x1b" not in out


def test_each_calendar_is_on_its_own_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXEC_ASSISTANT_CALENDARS", "/a/work.ics,https://cal.example/b.ics")
    settings, origins = load_settings({"home": tmp_path})
    out = io.StringIO()
    Console(file=out, width=120, color_system=None).print(settings_table(settings, origins, 120))
    lines = [line.rstrip() for line in out.getvalue().splitlines()]
    assert any(line.endswith("/a/work.ics") for line in lines)
    assert any(line.endswith("https://cal.example/b.ics") for line in lines)
    assert not any("work.ics" in line and "b.ics" in line for line in lines)


def test_the_report_lists_files_types_notes_and_validity(tmp_path: Path) -> None:
    out = flat(render(80, home=tmp_path))
    assert (
        "Config files read (later ones override earlier ones): <shipped meeting_types.yaml>" in out
    )
    assert "reliability_review Reliability review 90 48 h" in out
    assert "note: a note" in out
    assert out.endswith("✓ configuration is valid")
