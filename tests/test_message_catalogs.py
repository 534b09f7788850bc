"""The Korean catalogs: complete, current with the code, compiled, and in the glossary's terms.

Collecting the strings of the code needs GNU gettext (``xgettext``); ``.ci/run`` installs it.
Without it the comparison with the code is skipped, saying why, except in a strict run,
where it fails.
"""

import re
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings

from console.management.commands.catalog import DOMAINS, TRANSLATED, collect
from tests.conftest import STRICT

LOCALE = Path(settings.BASE_DIR) / "locale"
GLOSSARY = Path(settings.BASE_DIR) / "docs" / "glossary-ko.md"


def _catalog(language: str, domain: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / f"{domain}.po"))


def _key(entry) -> tuple[str, str, str]:
    return (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")


CATALOGS = [(language, domain) for language in TRANSLATED for domain in DOMAINS]


@pytest.mark.parametrize(("language", "domain"), CATALOGS)
def test_it_translates_every_string(language, domain):
    catalog = _catalog(language, domain)
    assert len(catalog) > (300 if domain == "django" else 5)
    untranslated = [e.msgid for e in catalog.untranslated_entries()]
    fuzzy = [e.msgid for e in catalog.fuzzy_entries()]
    obsolete = [e.msgid for e in catalog.obsolete_entries()]
    assert not untranslated, f"Untranslated in {language}/{domain}.po: {untranslated}"
    assert not fuzzy, f"Fuzzy in {language}/{domain}.po: {fuzzy}"
    assert not obsolete, f"Obsolete in {language}/{domain}.po: {obsolete}"
    assert not catalog.metadata_is_fuzzy
    assert catalog.metadata["Plural-Forms"].startswith("nplurals=1;")


@pytest.mark.parametrize(("language", "domain"), CATALOGS)
def test_it_keeps_the_placeholders_of_every_string(language, domain):
    placeholder = re.compile(r"%\([a-z_]+\)s|\{[a-z_]+(?::[^}]*)?\}|<[^>]+>")
    for entry in _catalog(language, domain):
        english = set(placeholder.findall(entry.msgid + (entry.msgid_plural or "")))
        for text in [entry.msgstr] if not entry.msgid_plural else entry.msgstr_plural.values():
            assert set(placeholder.findall(text)) == english, (entry.msgid, text)


def test_it_has_a_catalog_entry_for_every_string_of_the_code_and_no_other(tmp_path):
    if shutil.which("xgettext") is None or shutil.which("msgmerge") is None:
        message = "GNU gettext (xgettext, msgmerge) is missing: apt-get install gettext"
        if STRICT:
            pytest.fail(message)
        pytest.skip(message)
    collect(tmp_path)
    for language, domain in CATALOGS:
        current = {
            _key(e) for e in polib.pofile(str(tmp_path / language / "LC_MESSAGES" / f"{domain}.po"))
        }
        committed = {_key(e) for e in _catalog(language, domain)}
        missing = sorted(current - committed)
        stale = sorted(committed - current)
        assert not missing, (
            f"Strings of the code missing from {language}/{domain}.po (run "
            f"`python manage.py catalog` and translate them): {missing}"
        )
        assert not stale, f"Strings in {language}/{domain}.po the code no longer has: {stale}"


@pytest.mark.parametrize(("language", "domain"), CATALOGS)
def test_it_ships_compiled_catalogs_that_match_the_translations(language, domain, tmp_path):
    source = _catalog(language, domain)
    compiled = tmp_path / f"{domain}.mo"
    source.save_as_mofile(str(compiled))
    shipped = polib.mofile(str(LOCALE / language / "LC_MESSAGES" / f"{domain}.mo"))

    def entries(catalog) -> dict:
        return {
            _key(e): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
            for e in catalog
            if e.msgid and not e.obsolete and "fuzzy" not in e.flags
        }

    expected = entries(polib.mofile(str(compiled)))
    assert entries(shipped) == expected, (
        f"{language}/{domain}.mo is not the compiled {domain}.po: "
        "run `python manage.py catalog --compile-only`"
    )
    assert shipped.metadata.get("Plural-Forms") == source.metadata["Plural-Forms"]


def _glossary() -> dict[str, str]:
    """English label -> Korean, for the glossary rows that name one term each."""
    terms = {}
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 2 or cells[0] in ("English label", "---"):
            continue
        english = re.sub(r"\s*\(.*?\)", "", cells[0]).strip()
        korean = re.sub(r"\s*\(.*?\)", "", cells[1]).strip()
        if "/" in english or english.startswith('"') or not english:
            continue
        terms[english] = korean
    return terms


def test_it_uses_the_glossary_terms():
    glossary = _glossary()
    assert len(glossary) > 40
    translations = {
        e.msgid: e.msgstr for e in _catalog("ko", "django") if not e.msgctxt and not e.msgid_plural
    }
    checked = {english: korean for english, korean in glossary.items() if english in translations}
    assert len(checked) > 30
    wrong = {
        english: (translations[english], korean)
        for english, korean in checked.items()
        if translations[english] != korean
    }
    assert not wrong, f"Translations that differ from the glossary (catalog, glossary): {wrong}"
