"""An outbox that cannot be written fails the prep visibly; what the other channel (the
terminal) already showed is not shown again at every retry of the state."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli_user import CliUser


@pytest.fixture
def user(tmp_path: Path) -> CliUser:
    return CliUser(tmp_path, columns=200)


def test_the_terminal_shows_the_questions_once_while_the_outbox_is_failing(
    user: CliUser,
) -> None:
    calendar = user.leadership_calendar()
    user.ok("sync", "-c", str(calendar))
    meeting_id = user.meeting_id()
    answers = user.tmp / "answers.yaml"
    answers.write_text("- Ship it\n")
    # Every write to /dev/full fails: the outbox cannot deliver the questions.
    failed = user.run(
        "prep", meeting_id, "--answers", str(answers), EXEC_ASSISTANT_OUTBOX="/dev/full"
    )
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert failed.stdout.count("Prep for Leadership team") == 1, failed.stdout
