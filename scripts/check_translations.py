#!/usr/bin/env python
"""Check that Daraport reads the same in every language it offers.

    python scripts/check_translations.py templates   # text left out of translation
    python scripts/check_translations.py catalogs    # every message translated and compiled
    python scripts/check_translations.py             # both
    python scripts/check_translations.py refresh     # update the catalogs, compile them (`make messages`)

`templates`: every template (.html, .txt) is read as Django reads it, with
what the translate tags produce, variables and other tags left out, then as
HTML. Whatever a person sees or hears that is still written in the template
fails: text between tags, <title>, and the attributes alt, title,
placeholder, aria-label, aria-description and the value of submit buttons.
<script> and <style> are skipped, and so is text without a letter (numbers,
punctuation, symbols). Names that read the same in every language go in
SAME_IN_EVERY_LANGUAGE.

`catalogs`: a fresh makemessages run (into a temporary folder, the
committed catalogs untouched) lists every message in the code; each must be
in locale/<language>/LC_MESSAGES/django.po for every language of
settings.LANGUAGES but English, translated (every plural form) and not
fuzzy, and django.mo must hold exactly the translations of its django.po.

Each problem is printed as `path:line: text`; the exit status is 1 when
there is any.
"""

from __future__ import annotations

import gettext
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIRS = [ROOT / "templates"]
TEMPLATE_SUFFIXES = {".html", ".txt"}

# Names, not words: they read the same in every language.
SAME_IN_EVERY_LANGUAGE = {
    "Daraport",
    "GAD-7",
    "PHQ-9",
    "FHIR",
    "Stripe",
    "Google Calendar",
    "Apple Calendar",
    "Outlook",
    "UTC",
    "utm_source=",
    "utm_medium=",
    "utm_campaign=",
    ".ndjson",
}

# The folders makemessages leaves out: not shipped, or not ours. The
# catalogs are made with the same list (`--ignore` of makemessages).
MAKEMESSAGES_IGNORE = [
    "bench/*",
    "deploy/*",
    "docs/*",
    "locale/*",
    "node_modules/*",
    "scripts/*",
    "static/*",
    "tests/*",
    "var/*",
]

# What a translate tag or a variable leaves in a template's text: no
# letters, so never reported, and no markup, so HTML still parses.
TRANSLATED = "\ue000"
VARIABLE = "\ue001"
CHECKED_ATTRIBUTES = {"alt", "title", "placeholder", "aria-label", "aria-description"}
BUTTON_INPUTS = {"submit", "button", "reset"}
LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.text}"


# --- Templates -------------------------------------------------------------------------


# Tags whose content is not shown where it stands: skipped up to their end.
SKIPPED_BLOCKS = {"comment": "endcomment", "setvar": "endsetvar"}  # setvar: allauth's element attributes
TRANSLATING_BLOCKS = {"blocktranslate": "endblocktranslate", "blocktrans": "endblocktrans"}
# Elements whose text is not language: code; and text no one perceives
# (.visually-hidden and aria-hidden, such as a state kept for scripts).
UNREAD_ELEMENTS = {"script", "style", "code", "pre", "kbd", "samp"}


def _rendered_shape(source: str) -> str:
    """`source` with each Django tag replaced by what it leaves to read:
    TRANSLATED for translate tags and blocktranslate blocks, VARIABLE for
    variables, nothing for other tags, comments and blocks that fill an
    attribute (`{% block body_class %}`). Line breaks stay where they were,
    so lines still match the file."""
    from django.template.base import DebugLexer, TokenType

    out: list[str] = []
    skip_until: str | None = None
    replace_with = ""
    for token in DebugLexer(source).tokenize():
        start, end = token.position
        raw = source[start:end]
        keep_lines = "\n" * raw.count("\n")
        bits = token.contents.split() if token.token_type == TokenType.BLOCK else []
        name = bits[0] if bits else ""
        if skip_until:
            if name == skip_until:
                out.append(replace_with)
                skip_until = None
            out.append(keep_lines)
        elif name in TRANSLATING_BLOCKS or name in SKIPPED_BLOCKS:
            skip_until = TRANSLATING_BLOCKS.get(name) or SKIPPED_BLOCKS[name]
            replace_with = TRANSLATED if name in TRANSLATING_BLOCKS else ""
            out.append(keep_lines)
        elif name == "block" and len(bits) > 1 and bits[1].endswith("_class"):
            skip_until, replace_with = "endblock", ""
            out.append(keep_lines)
        elif name in {"translate", "trans"} and "as" not in bits[2:]:
            out.append(TRANSLATED + keep_lines)
        elif token.token_type == TokenType.VAR:
            out.append(VARIABLE + keep_lines)
        elif token.token_type == TokenType.TEXT:
            out.append(raw)
        else:
            out.append(keep_lines)
    return "".join(out)


def _untranslated(text: str) -> str | None:
    """`text`, tidied, if a person would read it untranslated; else None."""
    text = " ".join(text.split())
    rest = text
    for name in sorted(SAME_IN_EVERY_LANGUAGE, key=len, reverse=True):
        rest = rest.replace(name, " ")
    return text if LETTER.search(rest) else None


def _pieces(text: str, first_line: int) -> Iterator[tuple[str, int]]:
    """The runs of `text` between translations and variables, each with its line."""
    line = first_line
    for piece in re.split(f"[{TRANSLATED}{VARIABLE}]", text):
        yield piece, line + piece[: len(piece) - len(piece.lstrip())].count("\n")
        line += piece.count("\n")


class _TextFinder(HTMLParser):
    def __init__(self, path: str):
        super().__init__(convert_charrefs=True)
        self.path = path
        self.problems: list[Problem] = []
        self._unread: str | None = None  # the element being skipped …
        self._depth = 0  # … and how deep inside it the parser is

    def _report(self, text: str, line: int) -> None:
        for piece, piece_line in _pieces(text, line):
            found = _untranslated(piece)
            if found:
                self.problems.append(Problem(self.path, piece_line, found))

    def handle_starttag(self, tag, attrs):
        if self._unread:
            self._depth += tag == self._unread
            return
        line = self.getpos()[0]
        attributes = dict(attrs)
        for name, value in attrs:
            if name in CHECKED_ATTRIBUTES and value:
                self._report(value, line)
        if tag == "input" and (attributes.get("type") or "").lower() in BUTTON_INPUTS and attributes.get("value"):
            self._report(attributes["value"], line)
        unseen = "visually-hidden" in (attributes.get("class") or "").split()
        if tag in UNREAD_ELEMENTS or (unseen and attributes.get("aria-hidden") == "true"):
            self._unread, self._depth = tag, 1

    def handle_startendtag(self, tag, attrs):
        if not self._unread:
            self.handle_starttag(tag, attrs)
            if self._unread == tag and self._depth == 1:
                self._unread = None

    def handle_endtag(self, tag):
        if tag == self._unread:
            self._depth -= 1
            if not self._depth:
                self._unread = None

    def handle_data(self, data):
        if not self._unread:
            self._report(data, self.getpos()[0])


def template_problems(path: Path) -> list[Problem]:
    shown = str(path.relative_to(ROOT))
    shape = _rendered_shape(path.read_text(encoding="utf-8"))
    finder = _TextFinder(shown)
    if path.suffix == ".txt":
        # Plain text (emails): all of it is read.
        finder.handle_data(shape)
        return finder.problems
    if path.stem.endswith("_attrs"):
        # Attributes for an element of the including template.
        shape = f"<div {shape}>"
    finder.feed(shape)
    finder.close()
    return finder.problems


def template_paths() -> Iterator[Path]:
    for folder in TEMPLATE_DIRS:
        for path in sorted(folder.rglob("*")):
            if path.suffix in TEMPLATE_SUFFIXES and path.is_file():
                yield path


def check_templates() -> list[Problem]:
    return [problem for path in template_paths() for problem in template_problems(path)]


# --- Catalogs --------------------------------------------------------------------------


@dataclass
class Entry:
    context: str | None = None
    msgid: str = ""
    plural: str | None = None
    translations: dict[int, str] = field(default_factory=dict)
    fuzzy: bool = False
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.context, self.msgid)


ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _unquote(text: str) -> str:
    """A quoted .po string's text."""
    return re.sub(r"\\(.)", lambda match: ESCAPES.get(match[1], match[0]), text.strip()[1:-1])


def read_po(path: Path) -> dict[tuple[str | None, str], Entry]:
    """The live entries of a .po file (not the header, not obsolete ones)."""
    entries: dict[tuple[str | None, str], Entry] = {}
    entry: Entry | None = None
    part: str | int | None = None
    flags = ""

    def keep(entry: Entry | None) -> None:
        if entry is not None and entry.msgid:
            entries[entry.key] = entry

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if line.startswith("#,"):
            flags += line
            continue
        if not line or line.startswith("#"):
            continue
        if line.startswith('"'):
            keyword, rest = part, line
        else:
            keyword, _, rest = line.partition(" ")
            if keyword == "msgctxt" or (keyword == "msgid" and part != "msgctxt"):
                keep(entry)
                entry, flags = Entry(line=number, fuzzy="fuzzy" in flags), ""
            match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
            part = keyword = int(match[1]) if match else (0 if keyword == "msgstr" else keyword)
            if keyword == "msgctxt":
                entry.context = ""
        value = _unquote(rest)
        if keyword == "msgctxt":
            entry.context += value
        elif keyword == "msgid":
            entry.msgid += value
        elif keyword == "msgid_plural":
            entry.plural = (entry.plural or "") + value
        elif isinstance(keyword, int):
            entry.translations[keyword] = entry.translations.get(keyword, "") + value
    keep(entry)
    return entries


def _copy_sources(folder: Path) -> None:
    """What makemessages reads (.py, .html, .txt) into `folder`: it then
    runs there, never beside the committed catalogs (it merges into any
    locale folder it finds)."""
    ignored = [pattern.removesuffix("/*") for pattern in MAKEMESSAGES_IGNORE]
    for path in ROOT.rglob("*"):
        relative = path.relative_to(ROOT)
        if (
            path.suffix in {".py", ".html", ".txt"}
            and path.is_file()
            and not any(part.startswith(".") for part in relative.parts)
            and relative.parts[0] not in ignored
        ):
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            (folder / relative).write_bytes(path.read_bytes())


def fresh_messages() -> dict[tuple[str | None, str], Entry]:
    """Every message of the code now, from makemessages on a copy of it."""
    import django
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import override_settings

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "daraport.settings.test")
    django.setup()
    language = next(code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE)
    with tempfile.TemporaryDirectory() as folder:
        sources, catalogs = Path(folder) / "sources", Path(folder) / "catalogs"
        _copy_sources(sources)
        cwd = Path.cwd()
        os.chdir(sources)
        try:
            with override_settings(LOCALE_PATHS=[str(catalogs)]):
                call_command("makemessages", locale=[language], ignore_patterns=MAKEMESSAGES_IGNORE, verbosity=0)
        finally:
            os.chdir(cwd)
        return read_po(catalogs / language / "LC_MESSAGES" / "django.po")


def _mo_catalog(path: Path) -> dict:
    with path.open("rb") as file:
        catalog = dict(gettext.GNUTranslations(file)._catalog)
    catalog.pop("", None)  # the header
    return catalog


def compiled_problems(po: Path) -> list[Problem]:
    mo = po.with_suffix(".mo")
    shown = str(mo.relative_to(ROOT))
    if not mo.exists():
        return [Problem(shown, 0, "missing: run compilemessages")]
    with tempfile.TemporaryDirectory() as folder:
        expected = Path(folder) / "django.mo"
        subprocess.run(["msgfmt", "--check-format", "-o", str(expected), str(po)], check=True)  # noqa: S603,S607
        if _mo_catalog(expected) != _mo_catalog(mo):
            return [Problem(shown, 0, "out of date with django.po: run compilemessages")]
    return []


def check_catalogs() -> list[Problem]:
    from django.conf import settings

    wanted = fresh_messages()
    problems = []
    for language, _ in settings.LANGUAGES:
        if language == settings.LANGUAGE_CODE:
            continue
        po = ROOT / "locale" / language / "LC_MESSAGES" / "django.po"
        shown = str(po.relative_to(ROOT))
        if not po.exists():
            problems.append(Problem(shown, 0, "missing: run makemessages"))
            continue
        committed = read_po(po)
        for key, fresh in wanted.items():
            entry = committed.get(key)
            if entry is None:
                problems.append(Problem(shown, 0, f"not in the catalog: {fresh.msgid!r}"))
            elif entry.fuzzy:
                problems.append(Problem(shown, entry.line, f"fuzzy: {entry.msgid!r}"))
            elif not entry.translations or not all(entry.translations.values()):
                problems.append(Problem(shown, entry.line, f"not translated: {entry.msgid!r}"))
        problems += compiled_problems(po)
    return problems


def refresh_catalogs() -> None:
    """The committed catalogs brought up to date with the code (new messages
    added untranslated, gone ones kept as obsolete), then compiled."""
    import django
    from django.conf import settings
    from django.core.management import call_command

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "daraport.settings.test")
    django.setup()
    languages = [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
    os.chdir(ROOT)
    call_command(
        "makemessages", locale=languages, ignore_patterns=MAKEMESSAGES_IGNORE, add_location="file", verbosity=0
    )
    call_command("compilemessages", locale=languages, verbosity=0)


def _say(text: str, *, to=sys.stdout) -> None:
    to.write(text + "\n")


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(ROOT))
    if argv == ["refresh"]:
        refresh_catalogs()
        return 0
    checks = argv or ["templates", "catalogs"]
    if set(checks) - {"templates", "catalogs"}:
        _say(f"usage: {Path(__file__).name} [templates] [catalogs] | refresh", to=sys.stderr)
        return 2
    problems: list[Problem] = []
    for check, heading, run in [
        ("templates", "Text in templates outside translate tags:", check_templates),
        ("catalogs", "Messages missing from the translations:", check_catalogs),
    ]:
        if check not in checks:
            continue
        found = run()
        if found:
            _say(heading)
            for problem in found:
                _say(f"  {problem}")
        problems += found
    if problems:
        _say(f"{len(problems)} translation problem(s).")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
