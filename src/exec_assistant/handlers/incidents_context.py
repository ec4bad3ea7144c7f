"""GetIncidentsContext: the incidents facts for one meeting (a GatherContext branch)."""

from __future__ import annotations

from exec_assistant.handlers.runtime import AppFactory, Handler, environment_handler
from exec_assistant.handlers.steps import step_handler

KEY = "incidents_context"


def make_handler(app: AppFactory) -> Handler:
    return step_handler(KEY, app)


lambda_handler = environment_handler(make_handler)
