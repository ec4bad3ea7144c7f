"""The terminal as a chat channel: prompts when a person is at the keyboard."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from rich.console import Console, Group
from rich.panel import Panel
from rich.prompt import Prompt
from rich.text import Text

from exec_assistant.channels.answers_file import AnswersFile
from exec_assistant.domain.models import ChatSession, FinalReminder, Meeting, PrepPack
from exec_assistant.domain.text import plural
from exec_assistant.ports import Clock


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

    def _line(self, text: str) -> None:
        assert self._compact_clock is not None
        at = self._compact_clock.now().astimezone(self._zone)
        self._console.print(f"[dim]{at:%a %d %b %H:%M}[/]  {text}", highlight=False)

    def _when(self, meeting: Meeting) -> str:
        return f"{meeting.start.astimezone(self._zone):%a %d %b %H:%M}"

    def ask(self, meeting: Meeting, session: ChatSession) -> dict[str, str] | None:
        header = f"Prep for [bold]{meeting.title}[/] ({self._when(meeting)})"
        if self._answers is not None:
            given = self._answers.answers_for(meeting)
            if given is not None:
                if self._compact_clock is not None:
                    self._line(
                        f"asked {plural(len(session.questions), 'prep question')} for [bold]"
                        f"{meeting.title}[/]; answered from {self._answers.path.name}"
                    )
                else:
                    self._console.print(f"{header}: answers taken from {self._answers.path}")
                return given
        if self._compact_clock is not None:
            due = session.answers_due.astimezone(self._zone) if session.answers_due else None
            self._line(
                f"asked {plural(len(session.questions), 'prep question')} for "
                f"[bold]{meeting.title}[/]; "
                + (f"no answers yet (waiting until {due:%a %d %H:%M})" if due else "no answers")
            )
            return None
        if self._interactive:
            self._console.print(header)
            self._console.print("[dim]Answer each question; leave empty to skip.[/]")
            answers = {}
            for number, question in enumerate(session.questions, start=1):
                reply = Prompt.ask(f"{number}. {question}", default="", console=self._console)
                if reply.strip():
                    answers[str(number)] = reply.strip()
            return answers
        due = session.answers_due.astimezone(self._zone) if session.answers_due else None
        lines = [f"{i}. {q}" for i, q in enumerate(session.questions, start=1)]
        self._console.print(
            Panel(
                "\n".join(lines)
                + (f"\n\n[dim]Answer by {due:%a %d %b %H:%M} with:[/] " if due else "\n\n")
                + f"exec-assistant answer {meeting.meeting_id} --answers FILE",
                title=header,
                title_align="left",
            )
        )
        return None

    def deliver_pack(self, meeting: Meeting, pack: PrepPack, location: str) -> None:
        if self._compact_clock is not None:
            self._line(
                f"[green]pack delivered[/] for [bold]{meeting.title}[/]: "
                f"{plural(len(pack.agenda), 'agenda item')}, "
                f"{plural(len(pack.questions), 'question')} to ask, "
                f"{plural(len(pack.open_action_items), 'open action item')}"
                + ("" if pack.answers_received else ", without your answers")
            )
            return
        agenda = Text()
        for item in pack.agenda:
            agenda.append(f"{item.minutes:>3} min  ", style="cyan")
            agenda.append(f"{item.title}\n")
        body = [agenda]
        if pack.questions:
            body.append(Text("Ask: " + pack.questions[0], style="dim"))
        if not pack.answers_received:
            body.append(Text("Prepared without your answers.", style="yellow"))
        body.append(Text(f"Pack: {location}", style="dim"))
        self._console.print(
            Panel(
                Group(*body),
                title=f"Prep pack: {meeting.title} ({self._when(meeting)})",
                title_align="left",
                border_style="green",
            )
        )

    def remind(self, meeting: Meeting, reminder: FinalReminder) -> None:
        if self._compact_clock is not None:
            self._line(
                f"[yellow]reminder[/]: [bold]{meeting.title}[/] at "
                f"{meeting.start.astimezone(self._zone):%H:%M} — "
                + " · ".join(reminder.headline[:3])
            )
            return
        lines = [f"Starts {self._when(meeting)}: " + " · ".join(reminder.headline[:4])]
        lines += [f"Ask: {q}" for q in reminder.questions]
        lines += [f"Open: {i}" for i in reminder.open_items[:3]]
        self._console.print(
            Panel(
                "\n".join(lines),
                title=f"In 2 hours: {meeting.title}",
                title_align="left",
                border_style="yellow",
            )
        )

    def tell(self, meeting: Meeting, text: str) -> None:
        if self._compact_clock is not None:
            self._line(f"[bold]{meeting.title}[/]: {text}")
            return
        self._console.print(f"[dim]{meeting.title}:[/] {text}")
