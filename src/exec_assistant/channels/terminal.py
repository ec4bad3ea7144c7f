"""The terminal as a chat channel: prompts when a person is at the keyboard.

Titles, questions, facts and answers come from calendars, files and people: they are shown as
text, never interpreted as markup or terminal control sequences.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from rich.console import Console, Group
from rich.panel import Panel
from rich.prompt import Prompt
from rich.text import Text

from exec_assistant.channels.answers_file import AnswersFile
from exec_assistant.display_text import LINE_LIMIT, TITLE_LIMIT, safe_text, visible
from exec_assistant.domain.models import (
    ChatSession,
    FinalReminder,
    FollowUpTurn,
    Meeting,
    PrepPack,
)
from exec_assistant.domain.text import plural
from exec_assistant.ports import Clock


def _title(meeting: Meeting) -> Text:
    return safe_text(meeting.title, limit=TITLE_LIMIT)


def _line(text: str) -> Text:
    return safe_text(text, limit=LINE_LIMIT)


class TerminalChannel:
    """Asks at the keyboard when interactive; otherwise takes answers from a file, or says how
    to give them later with `exec-assistant answer`."""

    name = "terminal"

    def __init__(
        self,
        console: Console,
        zone: ZoneInfo,
        *,
        interactive: bool,
        answers: AnswersFile | None = None,
        compact_clock: Clock | None = None,
    ) -> None:
        self._console = console
        self._zone = zone
        self._interactive = interactive
        self._answers = answers
        self._compact_clock = compact_clock
        """With a clock: one timestamped line per message instead of panels (the demo)."""

    def _stamped(self, *parts: str | Text) -> None:
        assert self._compact_clock is not None
        at = self._compact_clock.now().astimezone(self._zone)
        line = Text(f"{at:%a %d %b %H:%M}  ", style="dim")
        for part in parts:
            line.append(part if isinstance(part, Text) else Text(part))
        self._console.print(line)

    def _when(self, meeting: Meeting) -> str:
        return f"{meeting.start.astimezone(self._zone):%a %d %b %H:%M}"

    def _header(self, meeting: Meeting) -> Text:
        return Text.assemble("Prep for ", _bold(meeting), f" ({self._when(meeting)})")

    def ask(self, meeting: Meeting, session: ChatSession, key: str) -> dict[str, str] | None:
        questions = plural(len(session.questions), "prep question")
        if self._answers is not None:
            given = self._answers.answers_for(meeting, session.questions)
            if given is not None:
                if self._compact_clock is not None:
                    self._stamped(
                        f"asked {questions} for ",
                        _bold(meeting),
                        f"; answered from {self._answers.path.name}",
                    )
                else:
                    source = f": answers taken from {self._answers.path}"
                    self._console.print(Text.assemble(self._header(meeting), source))
                return given
        due = session.answers_due.astimezone(self._zone) if session.answers_due else None
        if self._compact_clock is not None:
            waiting = f"no answers yet (waiting until {due:%a %d %H:%M})" if due else "no answers"
            self._stamped(f"asked {questions} for ", _bold(meeting), f"; {waiting}")
            return None
        if self._interactive:
            return self._prompt(meeting, session)
        body = Text("\n").join(
            Text.assemble(f"{i}. ", _line(q)) for i, q in enumerate(session.questions, start=1)
        )
        body.append("\n\n")
        if due:
            body.append(f"Answer by {due:%a %d %b %H:%M} with: ", style="dim")
        body.append(f"exec-assistant answer {meeting.meeting_id} --answers FILE")
        self._console.print(Panel(body, title=self._header(meeting), title_align="left"))
        return None

    def _prompt(self, meeting: Meeting, session: ChatSession) -> dict[str, str]:
        """The questions one by one; end of input (Ctrl-D) means no (more) answers."""
        self._console.print(self._header(meeting))
        self._console.print("Answer each question; leave empty to skip.", style="dim")
        answers: dict[str, str] = {}
        for number, question in enumerate(session.questions, start=1):
            prompt = Text.assemble(f"{number}. ", _line(question))
            try:
                reply = Prompt.ask(prompt, default="", console=self._console, show_default=False)
            except EOFError:
                self._console.print()
                self._console.print("End of input: going on without more answers.", style="dim")
                break
            if reply.strip():
                answers[str(number)] = reply.strip()
        return answers

    def follow_up(
        self, meeting: Meeting, session: ChatSession, follow_up: FollowUpTurn, key: str
    ) -> str | None:
        """The follow-up question on one answer: read from the keyboard (one line; empty or
        end of input for nothing to add), from the answers file, or answered later."""
        number = follow_up.question_number
        if self._answers is not None:
            given = self._answers.follow_up_for(meeting, session.questions, number)
            if given is not None:
                if self._compact_clock is not None:
                    self._stamped(
                        f"follow-up on answer {number} for ",
                        _bold(meeting),
                        f"; answered from {self._answers.path.name}",
                    )
                else:
                    self._console.print(
                        Text.assemble(
                            self._header(meeting),
                            f": follow-up on answer {number} taken from {self._answers.path}",
                        )
                    )
                return given
        if self._compact_clock is not None:
            self._stamped(
                f"follow-up on answer {number} for ",
                _bold(meeting),
                ": ",
                _line(follow_up.question),
            )
            return None
        said = session.answers.get(number, "")
        asked = Text.assemble(
            (f"About your answer {number} ", "dim"),
            (f"(“{visible(said, limit=80)}”)" if said else "", "dim"),
            "\n",
            _line(follow_up.question),
        )
        if self._interactive:
            self._console.print(self._header(meeting))
            self._console.print(asked)
            try:
                reply = Prompt.ask(
                    Text("Answer (empty: nothing to add)"),
                    default="",
                    console=self._console,
                    show_default=False,
                )
            except EOFError:
                self._console.print()
                return ""
            return reply.strip()
        body = asked
        body.append("\n\n")
        body.append(
            f"Answer with: exec-assistant answer {meeting.meeting_id} --answers FILE", style="dim"
        )
        body.append(
            f"\nwhere FILE holds the answer as question {number}'s, e.g. {number}: ...", style="dim"
        )
        self._console.print(Panel(body, title=self._header(meeting), title_align="left"))
        return None

    def deliver_pack(self, meeting: Meeting, pack: PrepPack, location: str, key: str) -> None:
        if self._compact_clock is not None:
            self._stamped(
                Text("pack delivered", style="green"),
                " for ",
                _bold(meeting),
                f": {plural(len(pack.agenda), 'agenda item')}, "
                f"{plural(len(pack.questions), 'question')} to ask, "
                f"{plural(len(pack.open_action_items), 'open action item')}"
                + ("" if pack.answers_received else ", without your answers"),
            )
            return
        agenda = Text()
        for item in pack.agenda:
            agenda.append(f"{item.minutes:>3} min  ", style="cyan")
            agenda.append(_line(item.title))
            agenda.append("\n")
        body: list[Text] = [agenda]
        if pack.questions:
            body.append(Text.assemble(("Ask: ", "dim"), _line(pack.questions[0])))
        if not pack.answers_received:
            body.append(Text("Prepared without your answers.", style="yellow"))
        body.append(Text.assemble(("Pack: ", "dim"), safe_text(location)))
        title = Text.assemble("Prep pack: ", _title(meeting), f" ({self._when(meeting)})")
        self._console.print(
            Panel(Group(*body), title=title, title_align="left", border_style="green")
        )

    def remind(self, meeting: Meeting, reminder: FinalReminder, key: str) -> None:
        late = " (late: the assistant was not running at its time)" if reminder.late else ""
        if self._compact_clock is not None:
            headline = Text(" · ").join(_line(h) for h in reminder.headline[:3])
            self._stamped(
                Text("reminder", style="yellow"),
                ": ",
                _bold(meeting),
                f" at {meeting.start.astimezone(self._zone):%H:%M}{late} — ",
                headline,
            )
            return
        lines = [
            Text.assemble(
                f"Starts {self._when(meeting)}{late}: ",
                Text(" · ").join(_line(h) for h in reminder.headline[:4]),
            )
        ]
        lines += [Text.assemble("Ask: ", _line(q)) for q in reminder.questions]
        lines += [Text.assemble("Open: ", _line(i)) for i in reminder.open_items[:3]]
        self._console.print(
            Panel(
                Text("\n").join(lines),
                title=Text.assemble(_lead(meeting, reminder), ": ", _title(meeting)),
                title_align="left",
                border_style="yellow",
            )
        )

    def tell(self, meeting: Meeting, text: str, key: str) -> None:
        if self._compact_clock is not None:
            self._stamped(_bold(meeting), ": ", _line(text))
            return
        title = _title(meeting)
        title.stylize("dim")
        self._console.print(Text.assemble(title, ": ", _line(text)))

    def notify(self, text: str, key: str) -> None:
        if self._compact_clock is not None:
            self._stamped(_line(text))
            return
        self._console.print(_line(text))

    def ask_for_notes(self, meeting: Meeting, key: str) -> None:
        command = f"exec-assistant notes {meeting.meeting_id} FILE"
        if self._compact_clock is not None:
            self._stamped(_bold(meeting), " has ended; give its notes with: ", command)
            return
        self._console.print(
            Text.assemble(
                _bold(meeting),
                f" ended {meeting.end.astimezone(self._zone):%a %d %b %H:%M}. ",
                ("Give its notes with: ", "dim"),
                command,
            )
        )


def _lead(meeting: Meeting, reminder: FinalReminder) -> str:
    """'In 2 hours', 'In 30 min': how long before the start a reminder on time goes out."""
    if reminder.late or meeting.reminder_at is None:
        return "Coming up"
    minutes = round((meeting.start - meeting.reminder_at).total_seconds() / 60)
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"In {rest} min"
    unit = "hour" if hours == 1 else "hours"
    return f"In {hours} {unit}" + (f" {rest} min" if rest else "")


def _bold(meeting: Meeting) -> Text:
    title = _title(meeting)
    title.stylize("bold")
    return title
