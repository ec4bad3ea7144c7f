"""Which calendars the calendar monitor syncs on AWS: the configured ones, and the account
the deployment's CALENDAR_API_TYPE names, read at CALENDAR_API_ENDPOINT when one is given."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from exec_assistant.aws_bootstrap import monitored_calendars
from exec_assistant.deployment_settings import DeploymentSettings, load_deployment_settings
from exec_assistant.domain.errors import ConfigError
from exec_assistant.settings import Settings

FEED = "https://calendar.example.com/private/abc/basic.ics"


def _settings(tmp_path: Path, calendars: list[str]) -> Settings:
    return Settings(data_dir=tmp_path, calendars=calendars)


def _deployment(**values: Any) -> DeploymentSettings:
    return DeploymentSettings(documents_s3_bucket="exec-assistant-documents", **values)


def test_an_ics_deployment_syncs_the_feeds_only(tmp_path: Path) -> None:
    settings = _settings(tmp_path, [FEED, FEED])
    for deployment in (_deployment(), _deployment(calendar_api_type="ics")):
        assert monitored_calendars(settings, deployment) == (settings, [FEED])


@pytest.mark.parametrize("provider", ["google", "microsoft", " Google "])
def test_the_connected_accounts_primary_calendar_joins_the_feeds(
    tmp_path: Path, provider: str
) -> None:
    _, locations = monitored_calendars(
        _settings(tmp_path, [FEED]), _deployment(calendar_api_type=provider)
    )
    assert locations == [FEED, f"{provider.strip().lower()}:primary"]


def test_a_named_calendar_of_the_account_stands_for_it(tmp_path: Path) -> None:
    team = "google:team@group.calendar.google.com"
    _, locations = monitored_calendars(
        _settings(tmp_path, [team]), _deployment(calendar_api_type="google")
    )
    assert locations == [team]
    _, both = monitored_calendars(
        _settings(tmp_path, ["microsoft:AAMk"]), _deployment(calendar_api_type="google")
    )
    assert both == ["microsoft:AAMk", "google:primary"]


def test_the_api_endpoint_is_the_accounts_apis_address(tmp_path: Path) -> None:
    google, _ = monitored_calendars(
        _settings(tmp_path, []),
        _deployment(
            calendar_api_type="google",
            calendar_api_endpoint="https://calendar-proxy.example.com/calendar/v3/",
        ),
    )
    assert google.google_api_endpoint == "https://calendar-proxy.example.com/calendar/v3"
    graph, _ = monitored_calendars(
        _settings(tmp_path, []),
        _deployment(
            calendar_api_type="microsoft", calendar_api_endpoint="https://graph.microsoft.us/v1.0"
        ),
    )
    assert graph.microsoft_graph_endpoint == "https://graph.microsoft.us/v1.0"
    assert graph.google_api_endpoint is None


@pytest.mark.parametrize(
    "values",
    [
        {"calendar_api_type": "outlook"},
        {"calendar_api_endpoint": "http://graph.example.com"},
        {"calendar_api_endpoint": "https://graph.example.com/?token=abc"},
        {"web_url": "https://d1.cloudfront.net/oauth"},
        {"web_url": "http://d1.cloudfront.net"},
    ],
)
def test_a_calendar_or_web_setting_the_functions_cannot_use_is_refused(
    values: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCUMENTS_S3_BUCKET", "exec-assistant-documents")
    for name, value in values.items():
        monkeypatch.setenv(name.upper(), value)
    with pytest.raises(ConfigError, match=next(iter(values)).upper()):
        load_deployment_settings()
