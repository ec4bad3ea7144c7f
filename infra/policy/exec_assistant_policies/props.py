"""Reading resource properties as the Pulumi engine sends them: camelCase keys, nested mappings
and sequences (the policy SDK wraps them in read-only proxies, so nothing here asks for `dict`
or `list`), values absent when the program left them unset."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy.proxy import UnknownValueError

Props = Mapping[str, Any]


def mapping(value: Any) -> Props:
    """`value` if it is a mapping, else an empty one (an unset nested block)."""
    return value if isinstance(value, Mapping) else {}


def items(value: Any) -> list[Any]:
    """A list property's elements; a lone value counts as a list of one (IAM's `"Action": "x"`)."""
    if value is None:
        return []
    if isinstance(value, Sequence) and not isinstance(value, str):
        return list(value)
    return [value]


def strings(value: Any) -> list[str]:
    return [item for item in items(value) if isinstance(item, str)]


def is_true(value: Any) -> bool:
    return value is True or value == "true"


def is_set(props: Props, key: str) -> bool:
    """Whether the program gave `key` a value. A value the engine cannot know before the
    deployment (the ARN of a key created in the same update) counts as given: it will be."""
    if not any(name == key for name in props):
        return False
    try:
        value = props[key]
    except UnknownValueError:
        return True
    return value is not None and value != ""
