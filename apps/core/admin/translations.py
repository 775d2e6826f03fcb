"""Finding English on a translated admin page, for the tests that keep the admin in every
language (apps/core/tests/test_admin_languages.py).

A page's visible text is its text outside scripts, styles, hidden elements, code and what is
marked translate="no"; its title; the attributes people see or hear (title, placeholder, alt,
aria-label, a button's value); and the texts a page gives its scripts: the strings of the JSON
in a <script> whose id ends in "-texts" (`{{ texts|json_script:"graph-map-texts" }}`). Each of
its pieces is English when it is the msgid of a message some catalog translates (Django's,
every installed app's, the project's) and no catalog of the page's language says it that way.
That leaves data alone (nobody's catalog holds a user's note) and accepts words two languages
share ("Status" in German). Messages with placeholders (`Select %s to change`) are matched as
patterns.

`admin_pages(site, request)` lists the pages to look at, from the site's registry and URL
patterns, so a page added anywhere (a module's register_page, a new model admin) is covered.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from typing import Any

from django.conf import settings
from django.contrib.admin import AdminSite
from django.http import HttpRequest
from django.urls import URLPattern, URLResolver, reverse
from django.utils.translation import trans_real

HIDDEN = frozenset({"script", "style", "template", "noscript"})
TEXTS_SUFFIX = "-texts"  # json_script's id for the words a page's script shows (other JSON: data)
# Code is the same in every language (a module's code, a file name); so is what a page marks
# translate="no" (HTML's way to say "data, not words": a graph label, an event type).
CODE = frozenset({"code", "kbd", "samp"})
# The admin's template row for "add another" in inlines, hidden until copied by its JavaScript.
EMPTY_FORM = "empty-form"
VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
)
SHOWN_ATTRIBUTES = frozenset({"title", "placeholder", "alt", "aria-label"})
BUTTONS = frozenset({"submit", "button", "reset"})
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[sdif]|\{[^}]*\}")
# Punctuation a template puts around a message: "Name:" is the label of "Name".
AROUND = " \t\n:.…,;!?()[]«»\"'*"
MIN_LETTERS = 3  # a shorter message ("No", "OK", "Go") is too likely to be data or a symbol
SKIPPED_URL_NAMES = frozenset({"logout", "jsi18n", "autocomplete", "login", "set_language"})


class _VisibleText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self._skipped_tag = ""  # an element whose content nobody sees, while inside it
        self._skipped_depth = 0
        self._json: list[str] | None = None  # inside a <script type="application/json">

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skipped_depth:
            self._skipped_depth += tag == self._skipped_tag
            return
        values = dict(attrs)
        if tag == "script" and (values.get("id") or "").endswith(TEXTS_SUFFIX):
            self._json = []  # the texts a page gives its script (json_script), shown by it
            return
        if (
            tag in HIDDEN
            or tag in CODE
            or "hidden" in values
            or values.get("translate") == "no"
            or EMPTY_FORM in (values.get("class") or "").split()
        ):
            if tag not in VOID:
                self._skipped_tag, self._skipped_depth = tag, 1
            return
        self.pieces.extend(value for name, value in attrs if name in SHOWN_ATTRIBUTES and value)
        if tag == "input" and values.get("type") in BUTTONS and values.get("value"):
            self.pieces.append(values["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if self._skipped_depth and tag == self._skipped_tag:
            self._skipped_depth -= 1
        if tag == "script" and self._json is not None:
            with contextlib.suppress(ValueError):
                self.pieces.extend(_strings(json.loads("".join(self._json))))
            self._json = None

    def handle_data(self, data: str) -> None:
        if self._json is not None:
            self._json.append(data)
        elif not self._skipped_depth:
            self.pieces.append(data)


def _strings(value: Any) -> Iterator[str]:
    """The strings of a JSON value (not its keys: names for the script)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def visible_texts(html: str) -> list[str]:
    """The page's text pieces as people see them, whitespace collapsed, empty ones left out."""
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    found = (" ".join(piece.split()) for piece in parser.pieces)
    return [piece for piece in found if piece]


@dataclass(frozen=True)
class Catalogs:
    """What the catalogs of one language know: the English messages and how it says things."""

    english: frozenset[str]  # every msgid some language's catalog translates
    said: frozenset[str]  # every translation in this language
    patterns: re.Pattern[str] | None  # the English messages with placeholders, untranslated here


def _catalog(language: str) -> dict[Any, str]:
    """Every message of `language` Django knows (all installed catalogs, merged)."""
    return dict(trans_real.translation(language)._catalog.items())  # type: ignore[attr-defined]


def _msgid(key: Any) -> str:
    text = key[0] if isinstance(key, tuple) else key  # plural forms are (msgid, index)
    return text.rpartition("\x04")[2]  # a message with a context is "context\x04msgid"


@cache
def catalogs(language: str) -> Catalogs:
    languages = [code for code, _name in settings.LANGUAGES if code != "en"]
    english = frozenset(
        _msgid(key) for code in languages for key in _catalog(code) if _msgid(key).strip()
    )
    said = frozenset(_catalog(language).values())
    with_placeholders = sorted(
        message
        for message in english
        if PLACEHOLDER.search(message)
        and message not in said
        and _letters(PLACEHOLDER.sub("", message)) >= MIN_LETTERS
    )
    patterns = (
        re.compile("|".join(_pattern(message) for message in with_placeholders))
        if with_placeholders
        else None
    )
    return Catalogs(english, said, patterns)


def untranslated(html: str, language: str, allowed: Iterable[str] = ()) -> list[str]:
    """The English messages on a page shown in `language` (none for English itself), less the
    `allowed` ones (brand names, data the page shows that happens to be a message)."""
    if language == "en":
        return []
    known = catalogs(language)
    exempt = set(allowed)
    found = []
    for piece in visible_texts(html):
        text = piece.strip(AROUND)
        if text in exempt or _letters(text) < MIN_LETTERS or text in known.said:
            continue
        if text in known.english or (known.patterns and known.patterns.fullmatch(text)):
            found.append(text)
    return sorted(set(found))


def _letters(text: str) -> int:
    return sum(character.isalpha() for character in text)


def _pattern(message: str) -> str:
    parts = PLACEHOLDER.split(message.strip(AROUND))
    return "(?:" + ".+?".join(re.escape(part) for part in parts) + ")"


# --- The pages ------------------------------------------------------------------------------


def admin_pages(site: AdminSite, request: HttpRequest) -> list[str]:
    """Every page of the admin `request.user` may see: the index, each app's index, each
    model's list, add form and change form (of its first object, when it has one), and every
    other page of the site that takes no argument (the pages modules register).

    Models whose pages say the same things (the same admin class, names and field names, as
    every module's L1 memory models) are looked at once."""
    name = site.name
    pages = [reverse(f"{name}:index")]
    registry = site._registry  # Django offers no public view of it
    labels = sorted({model._meta.app_label for model in registry})
    pages += [reverse(f"{name}:app_list", kwargs={"app_label": label}) for label in labels]
    seen = set()
    for model, model_admin in sorted(registry.items(), key=lambda item: item[0]._meta.label):
        info = f"{name}:{model._meta.app_label}_{model._meta.model_name}"
        wording = _wording(model, model_admin)
        if wording in seen or not model_admin.has_view_or_change_permission(request):
            continue
        seen.add(wording)
        pages.append(reverse(f"{info}_changelist"))
        if model_admin.has_add_permission(request):
            pages.append(reverse(f"{info}_add"))
        first = model_admin.get_queryset(request).order_by("pk").first()
        if first is not None:
            pages.append(reverse(f"{info}_change", args=[first.pk]))
    pages += [
        reverse(f"{name}:{pattern.name}")
        for pattern in _patterns(site.get_urls())
        if pattern.name and pattern.name not in SKIPPED_URL_NAMES and not _takes_arguments(pattern)
    ]
    return list(dict.fromkeys(pages))


def _wording(model: Any, model_admin: Any) -> tuple[Any, ...]:
    """What a model's admin pages say, less data: its admin class, names and field names."""
    meta = model._meta
    fields = tuple((field.name, str(field.verbose_name)) for field in meta.fields)
    kind = type(model_admin)  # by name: register_memory_admin makes one class per module
    names = (str(meta.verbose_name), str(meta.verbose_name_plural))
    return kind.__module__, kind.__qualname__, *names, fields


def _patterns(urls: Iterable[URLPattern | URLResolver]) -> Iterator[URLPattern]:
    """The site's own patterns (not the model admins' included ones, listed above)."""
    for url in urls:
        if isinstance(url, URLPattern):
            yield url


def _takes_arguments(pattern: URLPattern) -> bool:
    return bool(pattern.pattern.regex.groups) or "<" in str(pattern.pattern)
