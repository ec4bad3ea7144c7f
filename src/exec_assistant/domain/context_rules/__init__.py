"""The rules that turn rows from a system of record into facts for a prep pack.

One module per source: `budget`, `big_rocks`, `incidents`, `staffing` (and `cloud_spend`, a
billing API's account-wide figures beside its budgets). Each has the row models,
the thresholds (a frozen rules object with the shipped defaults), and one function from rows
to a `ContextResult`: facts, highlights, questions and the data summary for context.json. A
provider only reads its source (a file, an API) into rows and calls that function, so the
file providers and the API providers judge and word the same rows the same way.

    header = BudgetHeader(period="FY2026-Q4", currency="USD")
    result = budget_result(header, centers, request, source="Cost Explorer")
"""

from __future__ import annotations

from exec_assistant.domain.context_rules.big_rocks import (
    BIG_ROCK_RULES,
    BigRock,
    BigRockRules,
    BigRocksHeader,
    RockStatus,
    big_rocks_result,
)
from exec_assistant.domain.context_rules.budget import (
    BUDGET_RULES,
    BudgetHeader,
    BudgetRules,
    CostCenter,
    budget_result,
)
from exec_assistant.domain.context_rules.cloud_spend import (
    MOVER_RULES,
    AccountSpend,
    CostGroup,
    MoverRules,
    cloud_spend_result,
)
from exec_assistant.domain.context_rules.incidents import (
    INCIDENT_RULES,
    Incident,
    IncidentRules,
    incidents_result,
)
from exec_assistant.domain.context_rules.rows import SourceRow
from exec_assistant.domain.context_rules.staffing import (
    STAFFING_RULES,
    OpenReq,
    StaffingHeader,
    StaffingRules,
    Team,
    staffing_result,
)

__all__ = [
    "BIG_ROCK_RULES",
    "BUDGET_RULES",
    "INCIDENT_RULES",
    "MOVER_RULES",
    "STAFFING_RULES",
    "AccountSpend",
    "BigRock",
    "BigRockRules",
    "BigRocksHeader",
    "BudgetHeader",
    "BudgetRules",
    "CostCenter",
    "CostGroup",
    "Incident",
    "IncidentRules",
    "MoverRules",
    "OpenReq",
    "RockStatus",
    "SourceRow",
    "StaffingHeader",
    "StaffingRules",
    "Team",
    "big_rocks_result",
    "budget_result",
    "cloud_spend_result",
    "incidents_result",
    "staffing_result",
]
