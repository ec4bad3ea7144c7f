"""`doctor` for `staffing` from Greenhouse: the HRIS export is readable, the credentials are
stored and get a token, each endpoint the source reads lets them in (one record each), the
clock agrees with Greenhouse's, and the department mapping names teams that exist."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from exec_assistant.context.deadlines import provider_deadline
from exec_assistant.context.doctor_steps import Step, run_steps, usual_fix
from exec_assistant.context.files import ContextFileMissing, StaffingContextProvider
from exec_assistant.context.greenhouse import FIELDS, SCOPES
from exec_assistant.context.greenhouse_api import HarvestClient
from exec_assistant.domain.errors import ContextSourceUnavailable
from exec_assistant.domain.integrations import CheckStatus, IntegrationCheck, clock_check
from exec_assistant.domain.text import plural
from exec_assistant.ports import Clock, SecretStore

if TYPE_CHECKING:
    from exec_assistant.context.greenhouse import GreenhouseStaffingSource

NAME = "staffing (greenhouse)"


class GreenhouseDoctor:
    name = NAME

    def __init__(
        self,
        config: GreenhouseStaffingSource,
        export: StaffingContextProvider,
        secrets: SecretStore,
        clock: Clock,
    ) -> None:
        self._config = config
        self._export = export
        self._secrets = secrets
        self._clock = clock
        self._client: HarvestClient | None = None
        self._teams: list[str] = []

    def check(self, deadline_seconds: float) -> list[IntegrationCheck]:
        deadline = time.monotonic() + provider_deadline(deadline_seconds)
        steps: list[Step] = [
            ("export", self._read_export),
            ("credentials", lambda: self._sign_in(deadline)),
            ("permissions", lambda: self._permissions(deadline)),
        ]
        checks = run_steps(NAME, steps, deadline_seconds, default_fix=usual_fix)
        if self._client is not None:
            checks.append(clock_check(NAME, self._client.last_date, self._clock.now()))
            self._client.close()
        return checks

    def _read_export(self) -> list[IntegrationCheck]:
        try:
            _header, teams = self._export.read(reqs_from_file=False)
        except ContextFileMissing as exc:
            raise ContextSourceUnavailable(
                str(exc),
                fix="Export headcount, attrition and on-call per team from the HRIS as "
                f"{self._export.file_name} in the context folder.",
            ) from None
        except Exception as exc:  # what a prep would report as unavailable
            raise ContextSourceUnavailable(
                str(exc)[:300], fix=f"Fix {self._export.file_name} as the message says."
            ) from None
        self._teams = [team.name for team in teams]
        checks = [
            IntegrationCheck(
                NAME,
                "export",
                CheckStatus.OK,
                f"{self._export.file_name}: {plural(len(teams), 'team')}",
            )
        ]
        known = {name.casefold() for name in self._teams}
        unknown = [t for t in self._config.departments.values() if t.casefold() not in known]
        if unknown:
            checks.append(
                IntegrationCheck(
                    NAME,
                    "departments",
                    CheckStatus.WARNING,
                    f"staffing.departments maps to teams {self._export.file_name} does not "
                    f"have: {', '.join(sorted(set(unknown)))[:200]}",
                    fix=f"Use the team names of {self._export.file_name}.",
                )
            )
        return checks

    def _sign_in(self, deadline: float) -> list[IntegrationCheck]:
        self._client = self._config.client(self._secrets)
        self._client.token(deadline=deadline)
        return [IntegrationCheck(NAME, "credentials", CheckStatus.OK, "Greenhouse issued a token")]

    def _permissions(self, deadline: float) -> list[IntegrationCheck]:
        client = self._client
        assert client is not None  # the credentials step made it
        for resource, fields in FIELDS.items():
            client.list(resource, {"fields": fields}, deadline=deadline, per_page=1, pages=1)
        return [
            IntegrationCheck(
                NAME,
                "permissions",
                CheckStatus.OK,
                f"the credentials may read {', '.join(SCOPES)}",
            )
        ]
