"""What a rule is and what it reports: pure functions over a resource's type and properties
(camelCase keys, as the Pulumi engine sends them), so the same rules run in the policy pack,
in unit tests and over a whole program run under Pulumi's mocks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from exec_assistant_policies.props import Props


@dataclass(frozen=True)
class ResourceRule:
    """A rule about one resource at a time: `check(resource_type, props)` lists what is wrong."""

    name: str
    description: str
    resource_types: frozenset[str]
    check: Callable[[str, Props], list[str]]

    def applies_to(self, resource_type: str) -> bool:
        return resource_type in self.resource_types


@dataclass(frozen=True)
class StackResource:
    resource_type: str
    name: str
    props: Props
    urn: str = ""


@dataclass(frozen=True)
class Finding:
    """A stack rule's complaint about one resource of the stack."""

    resource: StackResource
    message: str


@dataclass(frozen=True)
class StackRule:
    """A rule about how resources relate (a bucket and its public access block)."""

    name: str
    description: str
    check: Callable[[Sequence[StackResource]], list[Finding]]


@dataclass(frozen=True)
class Violation:
    rule: str
    resource_type: str
    resource_name: str
    message: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.resource_type} {self.resource_name}: {self.message}"
