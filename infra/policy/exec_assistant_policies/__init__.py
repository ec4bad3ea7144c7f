"""The exec-assistant deployment's security rules, as pure functions over resources (type and
camelCase properties, as the Pulumi engine sends them) and as a Pulumi policy pack.

`check_resources(resources)` runs every rule over a whole stack in one call."""

from exec_assistant_policies.catalog import (
    RESOURCE_RULES,
    RULE_NAMES,
    STACK_RULES,
    check_resource,
    check_resources,
)
from exec_assistant_policies.model import Violation

__all__ = [
    "RESOURCE_RULES",
    "RULE_NAMES",
    "STACK_RULES",
    "Violation",
    "check_resource",
    "check_resources",
]
