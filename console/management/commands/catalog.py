"""``manage.py catalog``: collect the console's words into the message catalogs
(``locale/<language>/LC_MESSAGES/django.po`` and ``djangojs.po``, existing translations
kept) and compile them into the ``.mo`` files the console reads.

Collecting needs GNU gettext (``xgettext``, ``msgmerge``: the ``gettext`` package);
compiling does not (polib writes the ``.mo`` files), and running the console needs
neither: the compiled catalogs are part of the repository.
"""

import os
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.test.utils import override_settings

# Languages the console is translated into (English is the language of the source).
TRANSLATED = ["ko"]
DOMAINS = ("django", "djangojs")
# What is not the console's own text: the virtualenv, generated and vendored files, and
# the tests, benchmarks and tools that no console user reads.
IGNORE = [
    ".venv",
    "var",
    "build",
    "staticfiles",
    "static/vendor",
    "tests",
    "bench",
    "docs",
    "locale",
    ".catalog-*",
    "*.egg-info",
    "node_modules",
]


def collect(locale_dir: Path, languages: list[str] = TRANSLATED) -> None:
    """Write (or update) the .po files of ``languages`` under ``locale_dir``."""
    root = Path(settings.BASE_DIR)
    if locale_dir.resolve().parent != root.resolve():
        # makemessages writes each file's strings to the first locale folder whose parent
        # holds the file: collect into a folder beside the code, then move the catalogs.
        work = Path(tempfile.mkdtemp(prefix=".catalog-", dir=root))
        try:
            if locale_dir.exists():
                shutil.copytree(locale_dir, work, dirs_exist_ok=True)
            collect(work, languages)
            shutil.copytree(work, locale_dir, dirs_exist_ok=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return
    previous = Path.cwd()
    os.chdir(root)
    try:
        with override_settings(LOCALE_PATHS=[str(locale_dir)]):
            for domain in DOMAINS:
                call_command(
                    "makemessages",
                    locale=languages,
                    domain=domain,
                    ignore_patterns=IGNORE,
                    # File names without line numbers: a moved line does not change the
                    # catalog, so catalogs merge without conflicts more often.
                    add_location="file",
                    no_obsolete=True,
                    verbosity=0,
                )
    finally:
        os.chdir(previous)


def compile_catalog(po_path: Path) -> Path:
    """Write the .mo beside ``po_path`` (no fuzzy entries, like msgfmt)."""
    import polib

    catalog = polib.pofile(str(po_path))
    for entry in catalog.fuzzy_entries():
        catalog.remove(entry)
    mo_path = po_path.with_suffix(".mo")
    catalog.save_as_mofile(str(mo_path))
    return mo_path


class Command(BaseCommand):
    help = "Collect the console's words into the message catalogs and compile them."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--compile-only",
            action="store_true",
            help="Only compile the .po files into .mo files (no GNU gettext needed).",
        )

    def handle(self, *args, compile_only: bool = False, **options) -> None:
        locale_dir = Path(settings.LOCALE_PATHS[0])
        if not compile_only:
            collect(locale_dir)
        for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
            mo_path = compile_catalog(po_path)
            self.stdout.write(f"{mo_path.relative_to(settings.BASE_DIR)}")
