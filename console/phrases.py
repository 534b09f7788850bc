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

Wordings are written in English inside ``gettext_lazy`` (``makemessages`` collects them into
the catalogs): the sentence is translated into the active language each time it is
rendered, so the same stored row reads in Korean for one user and in English for another.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Choices
from django.utils.functional import Promise, lazy

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

    def lazy(self) -> Promise:
        """The sentence, written in the active language each time it is used (for a
        message defined at import and shown later)."""
        return _render_lazy(self)


def _wording(text: Any) -> Any:
    """The English words of a template, lazy or not, without translating them (comparing
    lazy strings would translate them, which cannot happen while the apps load)."""
    return tuple(text._args) if isinstance(text, Promise) else text


# eq=False: comparing or hashing a phrase must not translate its lazy template.
@dataclass(frozen=True, eq=False)
class Phrase:
    code: str
    # English, usually wrapped in gettext_lazy so that it is translated when shown.
    template: str | Promise = ""
    # Labels of the choices some parameters hold, by parameter name.
    labels: Mapping[str, type[Choices] | Mapping[str, str]] = field(default_factory=dict)
    # For phrases that are a formatted value (a size) rather than a sentence.
    formatter: Callable[..., str] | None = None

    def __call__(self, **params: Any) -> Message:
        return Message(self.code, params)

    def same_words(self, other: "Phrase") -> bool:
        return (
            self.code == other.code
            and _wording(self.template) == _wording(other.template)
            and getattr(self.formatter, "__code__", None)
            == getattr(other.formatter, "__code__", None)
            and self.labels.keys() == other.labels.keys()
        )

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
    template: str | Promise = "",
    *,
    labels: Mapping[str, type[Choices] | Mapping[str, str]] | None = None,
    formatter: Callable[..., str] | None = None,
) -> Phrase:
    """Define the phrase ``code`` (once; defining it again with other words is a mistake)."""
    defined = Phrase(code, template, labels or {}, formatter)
    existing = _PHRASES.get(code)
    if existing is not None and not existing.same_words(defined):
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


# Sentences written before messages were kept as data: shown exactly as they were written
# (in the language they were written in; there are no words here to translate).
TEXT = phrase(LEGACY_TEXT, "{text}")


_render_lazy = lazy(lambda message: render(message), str)
