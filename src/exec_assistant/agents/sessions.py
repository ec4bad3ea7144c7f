"""Where an agent's conversations persist: one Strands session per chat session, under the
documents' `agents/{agent_name}/sessions/` (the data folder locally, the sessions bucket on
AWS).

Each Strands session is the folder (or key prefix) `session_{session_id}/` holding
`session.json` and `agents/agent_{agent_id}/messages/message_{n}.json`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from strands.session.file_session_manager import FileSessionManager
from strands.session.session_manager import SessionManager

SessionStore = Callable[[str], SessionManager]
"""A session manager for a session id (a chat session's id)."""


def sessions_prefix(agent_name: str) -> str:
    """`agents/meeting_coordinator/sessions/`: the spec's layout of the documents."""
    if not agent_name or "/" in agent_name or agent_name in {".", ".."}:
        raise ValueError(f"an agent name is one path segment, not {agent_name!r}")
    return f"agents/{agent_name}/sessions/"


def file_sessions(data_dir: Path, agent_name: str) -> SessionStore:
    """Sessions as files under `data_dir/agents/{agent_name}/sessions/`."""
    storage = data_dir / sessions_prefix(agent_name)

    def open_session(session_id: str) -> SessionManager:
        return FileSessionManager(session_id, storage_dir=str(storage))

    return open_session


def s3_sessions(
    bucket: str,
    agent_name: str,
    *,
    boto_session: Any,
    endpoint_url: str | None = None,
) -> SessionStore:
    """Sessions as objects under `s3://{bucket}/agents/{agent_name}/sessions/`."""
    from strands.session.s3_session_manager import S3SessionManager  # needs boto3

    prefix = sessions_prefix(agent_name)

    def open_session(session_id: str) -> SessionManager:
        return S3SessionManager(
            session_id,
            bucket=bucket,
            prefix=prefix,
            boto_session=boto_session,
            endpoint_url=endpoint_url,
        )

    return open_session
