"""Accessibility and layout checks for the browser tests.

axe-core comes from the npm registry (``package.json`` pins it; ``make`` installs it into
``node_modules``). It is evaluated in the page through the browser's debugging protocol,
which the page's Content-Security-Policy does not govern, so the real pages keep their
strict policy (no ``bypass_csp``) while they are checked.
"""

from functools import cache
from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}
BLOCKING = {"serious", "critical"}


@cache
def axe_source() -> str:
    if not AXE.exists():
        from tests.conftest import STRICT

        message = f"axe-core is missing at {AXE}: run `make venv` (it runs `npm ci`)"
        if STRICT:
            pytest.fail(message)
        pytest.skip(message)
    return AXE.read_text()


def axe_violations(page, *, include: str | None = None) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now (WCAG 2.1 AA
    and best practices), each with the first nodes it names."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source())
    results = page.evaluate(
        """async (include) => {
            const context = include ? {include: [include]} : document;
            const r = await axe.run(context, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' :: ' +
                    (n.failureSummary || '').split('\\n').slice(0, 2).join(' '))}));
        }""",
        include,
    )
    return [v for v in results if v["impact"] in BLOCKING]


def assert_accessible(page, where: str = "", *, include: str | None = None) -> None:
    violations = axe_violations(page, include=include)
    assert not violations, f"axe-core on {where or page.url}: {violations}"


def assert_fits(page, where: str = "") -> None:
    """Nothing wider than the screen: no sideways scrolling of the whole page."""
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]"
    )
    if max(widths[0], widths[1]) <= widths[2]:
        return
    # Name the elements that stick out, innermost last, to say what to fix.
    culprits = page.evaluate(
        """() => {
            const clipped = e => {
                for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
                    if (getComputedStyle(p).overflowX !== 'visible') return true;
                }
                return false;
            };
            return Array.from(document.querySelectorAll('body *'))
                .filter(e => e.getClientRects().length
                    && e.getBoundingClientRect().right > window.innerWidth + 0.5 && !clipped(e))
                .slice(-4).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                    (typeof e.className === 'string' && e.className.trim() ? '.' +
                     e.className.trim().split(/\\s+/).join('.') : ''));
        }"""
    )
    raise AssertionError(
        f"{where or page.url} is {max(widths[:2])} px wide on a {widths[2]} px screen: {culprits}"
    )
