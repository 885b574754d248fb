"""The one exception users see for a configuration that AWS would reject or that would fail at runtime."""

from __future__ import annotations

from typing import Any


class ConfigError(ValueError):
    """A rejected configuration, raised at construction on the line that built it.

    The message always names the property, the value given, the rule it breaks and the way out, so that the
    user can fix it without reading AWS documentation or a jsii stack trace.
    """

    def __init__(self, prop: str, value: Any, rule: str, fix: str, *, path: str | None = None) -> None:
        self.prop = prop
        self.value = value
        self.rule = rule
        self.fix = fix
        self.path = path
        where = f"[{path}] " if path else ""
        super().__init__(f"{where}{prop}={_show(value)}: {rule}. Fix: {fix}")

    def at(self, path: str) -> ConfigError:
        """The same error, naming the construct it came from (as CDK's ValidationError does), so that a user with
        forty consumers knows which one."""
        return self if self.path else ConfigError(self.prop, self.value, self.rule, self.fix, path=path)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."
