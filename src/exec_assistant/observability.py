"""Structured logs with the fields of powertools' Logger (what the Lambda functions are to use).

Never log meeting content, notes or answers at INFO: ids, types, counts and timings only.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

SERVICE = "exec-assistant"
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "level": record.levelname,
            "location": f"{record.funcName}:{record.lineno}",
            "message": record.getMessage(),
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "service": SERVICE,
            "logger": record.name,
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class _StderrHandler(logging.Handler):
    """Writes to whatever sys.stderr is at the time (it is replaced under test runners)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:  # logging must never break the command
            self.handleError(record)


def configure_logging(level: str) -> None:
    logger = logging.getLogger("exec_assistant")
    logger.setLevel(level)
    for handler in list(logger.handlers):
        if getattr(handler, "_exec_assistant", False):
            logger.removeHandler(handler)
    handler = _StderrHandler()
    handler.setFormatter(JsonFormatter())
    handler._exec_assistant = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.propagate = False
