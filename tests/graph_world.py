"""A Microsoft 365 account on the fake Graph, and the calendar sources that read it.

world = GraphWorld(graph)               # an authorization stored, as after signing in
source = world.source("primary")        # a MicrosoftCalendarSource on the fake
world.waits                             # the waits between attempts, in seconds
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from exec_assistant.adapters.memory import (
    InMemoryCalendarSnapshotRepository,
    InMemoryCredentialStore,
)
from exec_assistant.calendars.microsoft import MicrosoftCalendarSource
from exec_assistant.clocks import FixedClock
from exec_assistant.settings import Settings

from graph_calendar_api import GraphCalendarApi

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)  # 07:00 in New York
WINDOW = (NOW, NOW + timedelta(days=14))


@dataclass
class GraphWorld:
    graph: GraphCalendarApi
    credentials: InMemoryCredentialStore = field(default_factory=InMemoryCredentialStore)
    snapshots: InMemoryCalendarSnapshotRepository = field(
        default_factory=InMemoryCalendarSnapshotRepository
    )
    waits: list[float] = field(default_factory=list)
    abort: threading.Event = field(default_factory=threading.Event)
    settings_overrides: dict[str, Any] = field(default_factory=dict)
    connected: bool = True

    def __post_init__(self) -> None:
        if self.connected:
            self.credentials.save("microsoft", self.graph.authorization())

    @property
    def settings(self) -> Settings:
        values: dict[str, Any] = {
            "timezone": "America/New_York",
            "microsoft_graph_endpoint": self.graph.endpoint,
            "microsoft_authority": self.graph.authority,
            "microsoft_client_id": self.graph.client_id,
            "http_timeout_seconds": 5,
            **self.settings_overrides,
        }
        return Settings(**values)

    def http_client(self) -> httpx.Client:
        return httpx.Client(verify=self.graph.ssl_context())

    def source(self, calendar: str = "primary", **options: Any) -> MicrosoftCalendarSource:
        return MicrosoftCalendarSource(
            calendar,
            settings=self.settings,
            clock=FixedClock(options.pop("now", NOW)),
            credentials=self.credentials,
            snapshots=self.snapshots,
            abort=self.abort,
            http_client=self.http_client,
            pause=self.waits.append,
            **options,
        )

    def stored(self) -> dict[str, Any]:
        value = self.credentials.load("microsoft")
        assert value is not None
        return value
