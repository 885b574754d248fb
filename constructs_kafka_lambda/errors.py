"""The one exception users see for a configuration that AWS would reject or that would fail at runtime."""

from __future__ import annotations

from typing import Any


class ConfigError(ValueError):
    """A rejected configuration, raised at construction on the line that built it.

    The message always names the property, the value given, the rule it breaks and the way out, so that the
    user can fix it without reading AWS documentation or a jsii stack trace.
    """

    def __init__(self, prop: str, value: Any, rule: str, fix: str) -> None:
        self.prop = prop
        self.value = value
        self.rule = rule
        self.fix = fix
        super().__init__(f"{prop}={_show(value)}: {rule}. Fix: {fix}")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."
