"""`exec-assistant doctor` for the Jira sections: the account is set, Jira takes it, this
machine's clock agrees with Jira's, and the account may do what the section needs (browse
the epics; create, assign and find people for the action items)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from exec_assistant.context.jira import JiraBigRocksSource, JiraSite, JiraTrackerSource
from exec_assistant.context.jira_client import (
    JIRA_API_TOKEN,
    JIRA_EMAIL,
    TOKEN_HINT,
    JiraClient,
    JiraError,
    jira_account,
)
from exec_assistant.context.sources import ContextSourceDeps
from exec_assistant.domain.integrations import CheckStatus, IntegrationCheck
from exec_assistant.ports import Clock, SecretStore

CLOCK_SKEW_WARNING_SECONDS = 300.0
"""Past this, "due in 2 days" and "overdue" may be told a day off."""

S = CheckStatus
_PERMISSION_NAMES = {
    "BROWSE_PROJECTS": "Browse Projects",
    "CREATE_ISSUES": "Create Issues",
    "ASSIGN_ISSUES": "Assign Issues",
    "USER_PICKER": "Browse users and groups",
}


Checks = Callable[[JiraClient, "JiraDoctor"], list[IntegrationCheck]]


@dataclass
class JiraDoctor:
    """The checks of one Jira section: `integration` names it (`jira:big_rocks`)."""

    integration: str
    site: JiraSite
    secrets: SecretStore
    clock: Clock
    section_checks: Checks
    monotonic: Callable[[], float] = time.monotonic

    @property
    def name(self) -> str:
        return self.integration

    def check(self, deadline_seconds: float) -> list[IntegrationCheck]:
        deadline = self.monotonic() + deadline_seconds
        try:
            account = jira_account(self.site.base_url, self.secrets)
        except JiraError as exc:
            return [
                self.result("credentials", S.FAILED, exc.message, TOKEN_HINT),
                *self.skipped("reachable", "clock", "permissions"),
            ]
        found = [self.result("credentials", S.OK, f"{JIRA_EMAIL} and {JIRA_API_TOKEN} are set")]
        timeout = max(min(self.site.timeout_seconds, deadline_seconds), 0.1)
        with JiraClient(account, timeout_seconds=timeout, pause=lambda _: None) as client:
            try:
                me = client.get("/rest/api/3/myself")
            except JiraError as exc:
                found.append(self.result("reachable", S.FAILED, exc.message, exc.hint))
                return [*found, *self.skipped("clock", "permissions")]
            me = me if isinstance(me, dict) else {}
            who = me.get("emailAddress") or me.get("displayName") or "the account"
            found.append(
                self.result(
                    "reachable",
                    S.OK,
                    f"{account.host} answers, signed in as {who}",
                )
            )
            found.append(self._clock(client))
            if self.monotonic() >= deadline:
                return [*found, *self.skipped("permissions")]
            try:
                found += self.section_checks(client, self)
            except JiraError as exc:
                found.append(self.result("permissions", S.FAILED, exc.message, exc.hint))
        return found

    def _clock(self, client: JiraClient) -> IntegrationCheck:
        if client.last_date is None:
            return self.result("clock", S.WARNING, "Jira's answer had no Date to compare with")
        skew = (self.clock.now() - client.last_date).total_seconds()
        if abs(skew) <= CLOCK_SKEW_WARNING_SECONDS:
            return self.result("clock", S.OK, f"within {max(abs(skew), 1):.0f} s of Jira's")
        side = "ahead of" if skew > 0 else "behind"
        return self.result(
            "clock",
            S.WARNING,
            f"this machine's clock is {abs(skew):,.0f} s {side} Jira's",
            "Set the clock to synchronise (NTP); due dates near midnight may be a day off.",
        )

    def result(
        self, check: str, status: CheckStatus, detail: str, fix: str | None = None
    ) -> IntegrationCheck:
        return IntegrationCheck(self.integration, check, status, detail, fix)

    def skipped(self, *checks: str) -> list[IntegrationCheck]:
        why = "not checked: an earlier check failed or the time ran out"
        return [self.result(c, S.SKIPPED, why) for c in checks]


def big_rocks_doctor(config: JiraBigRocksSource, deps: ContextSourceDeps) -> JiraDoctor:
    return JiraDoctor("jira:big_rocks", config, deps.secrets, deps.clock, _epic_checks(config))


def tracker_doctor(config: JiraTrackerSource, deps: ContextSourceDeps) -> JiraDoctor:
    return JiraDoctor(
        "jira:action_items", config, deps.secrets, deps.clock, _tracker_checks(config)
    )


def _epic_checks(config: JiraBigRocksSource) -> Checks:
    def checks(client: JiraClient, doctor: JiraDoctor) -> list[IntegrationCheck]:
        found = []
        for project in config.projects:
            have = _permissions(client, project, ("BROWSE_PROJECTS",))
            if not have["BROWSE_PROJECTS"]:
                found.append(_missing(doctor, project, "BROWSE_PROJECTS", S.FAILED))
        epics = list(client.search(config.epics_jql(), ["summary"], page_size=1, max_pages=1))
        if epics:
            found.append(doctor.result("permissions", S.OK, "the epics' search runs and finds"))
        else:
            found.append(
                doctor.result(
                    "permissions",
                    S.WARNING,
                    "the epics' search runs but finds no epic this account can see",
                    "Check the label or JQL in context.yaml, and that the account may browse "
                    "the projects.",
                )
            )
        return found

    return checks


def _tracker_checks(config: JiraTrackerSource) -> Checks:
    def checks(client: JiraClient, doctor: JiraDoctor) -> list[IntegrationCheck]:
        project = config.project
        wanted = ("BROWSE_PROJECTS", "CREATE_ISSUES", "ASSIGN_ISSUES", "USER_PICKER")
        have = _permissions(client, project, wanted)
        found = [
            _missing(doctor, project, key, S.FAILED)
            for key in ("BROWSE_PROJECTS", "CREATE_ISSUES")
            if not have[key]
        ]
        if not have["ASSIGN_ISSUES"] or not have["USER_PICKER"]:
            missing = [k for k in ("ASSIGN_ISSUES", "USER_PICKER") if not have[k]]
            found.append(
                doctor.result(
                    "permissions",
                    S.WARNING,
                    f"no {' or '.join(_PERMISSION_NAMES[k] for k in missing)} permission: "
                    "issues are created unassigned",
                    "Ask a Jira admin to grant it to the account, or assign them by hand.",
                )
            )
        types = client.get(f"/rest/api/3/issue/createmeta/{project}/issuetypes")
        names = (
            [
                str(t.get("name"))
                for t in (types.get("issueTypes") or types.get("values") or [])
                if isinstance(t, dict)
            ]
            if isinstance(types, dict)
            else []
        )
        if config.issue_type.casefold() not in {n.casefold() for n in names}:
            found.append(
                doctor.result(
                    "permissions",
                    S.FAILED,
                    f"project {project} has no issue type '{config.issue_type}' this account "
                    "may create",
                    f"Set issue_type in context.yaml to one of: {', '.join(names) or 'none'}.",
                )
            )
        if not found:
            found.append(
                doctor.result(
                    "permissions",
                    S.OK,
                    f"may create, assign and browse {config.issue_type} issues in {project}",
                )
            )
        return found

    return checks


def _permissions(client: JiraClient, project: str, keys: tuple[str, ...]) -> dict[str, bool]:
    answer = client.get(
        "/rest/api/3/mypermissions", {"projectKey": project, "permissions": ",".join(keys)}
    )
    granted = answer.get("permissions") if isinstance(answer, dict) else None
    granted = granted if isinstance(granted, dict) else {}
    return {
        key: isinstance(granted.get(key), dict) and granted[key].get("havePermission") is True
        for key in keys
    }


def _missing(
    doctor: JiraDoctor, project: str, permission: str, status: CheckStatus
) -> IntegrationCheck:
    return doctor.result(
        "permissions",
        status,
        f"the account may not {_PERMISSION_NAMES[permission].lower()} in project {project}",
        f"Ask a Jira admin to grant '{_PERMISSION_NAMES[permission]}' in {project}.",
    )
