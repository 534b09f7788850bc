"""Sentences kept as data and rendered when shown.

What the console records for later (work-history details, why an import failed) is stored
as a message code and its parameters (JSON), like the change messages of Django's admin
log, never as a finished sentence. The sentence is made when a page shows it, so rows
written long ago read in the language of whoever reads them today, and a wording fixed
later applies to old rows too.

Each app defines the phrases it writes, next to the code that writes them::

    DELETED = phrase("image.deleted", "Deleted image {name}")
    record(..., message=DELETED(name=image.name))

A parameter is a plain JSON value, or another message (a unit, a label, a reason) that is
rendered first. ``labels`` maps a parameter to the choices whose label it shows (a share
status stored as ``"Pending"`` reads as that status's label).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Choices

_PHRASES: dict[str, "Phrase"] = {}

LEGACY_TEXT = "text"


@dataclass(frozen=True)
class Message:
    """A phrase's code with the values of its parameters: what is stored."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def as_data(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "params": {
                name: value.as_data() if isinstance(value, Message) else value
                for name, value in self.params.items()
            },
        }

    def __str__(self) -> str:
        return render(self.as_data())


@dataclass(frozen=True)
class Phrase:
    code: str
    template: str = ""
    # Labels of the choices some parameters hold, by parameter name.
    labels: Mapping[str, type[Choices] | Mapping[str, str]] = field(default_factory=dict)
    # For phrases that are a formatted value (a size) rather than a sentence.
    formatter: Callable[..., str] | None = None

    def __call__(self, **params: Any) -> Message:
        return Message(self.code, params)

    def render(self, params: Mapping[str, Any]) -> str:
        values = {name: _render_value(name, value, self.labels) for name, value in params.items()}
        if self.formatter is not None:
            return self.formatter(**values)
        try:
            return str(self.template).format(**values)
        except (KeyError, IndexError, ValueError):
            # Parameters that no longer fit the wording: show what was recorded.
            return " ".join([self.code, *(f"{k}={v}" for k, v in params.items())])


def phrase(
    code: str,
    template: str = "",
    *,
    labels: Mapping[str, type[Choices] | Mapping[str, str]] | None = None,
    formatter: Callable[..., str] | None = None,
) -> Phrase:
    """Define the phrase ``code`` (once; defining it again with other words is a mistake)."""
    defined = Phrase(code, template, labels or {}, formatter)
    existing = _PHRASES.get(code)
    if existing is not None and existing != defined:
        raise ValueError(f"The phrase {code!r} is defined twice with different words.")
    _PHRASES[code] = defined
    return defined


def _render_value(name: str, value: Any, labels: Mapping[str, Any]) -> Any:
    if isinstance(value, Mapping) and "code" in value:
        return render(value)
    choices = labels.get(name)
    if choices is not None and isinstance(value, str):
        mapping = dict(choices.choices) if hasattr(choices, "choices") else choices
        return mapping.get(value, value)
    return value


def render(data: Mapping[str, Any] | Message | None) -> str:
    """The sentence a stored message stands for."""
    if data is None:
        return ""
    if isinstance(data, Message):
        data = data.as_data()
    code = data.get("code", "")
    params = data.get("params") or {}
    defined = _PHRASES.get(code)
    if defined is None:
        # A code no app defines any more: show what was recorded rather than nothing.
        return " ".join([code, *(f"{k}={v}" for k, v in params.items())]).strip()
    return defined.render(params)


# Sentences written before messages were kept as data: shown exactly as they were written.
TEXT = phrase(LEGACY_TEXT, "{text}")
