"""User-facing text in zh-CN (default) and en.

Messages live in ``kiosk/locales/<lang>.toml`` (nested tables, looked up by
dotted key); a test keeps the two files' keys identical and checks that every
key the screens use exists.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from offline_cache.sync_errors import error_parts

LANGUAGES = ("zh-CN", "en")
_DIR = Path(__file__).parent / "locales"


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = str(value)
    return flat


@cache
def messages(lang: str) -> dict[str, str]:
    if lang not in LANGUAGES:
        raise ValueError(f"unsupported language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    with open(_DIR / f"{lang}.toml", "rb") as fh:
        return _flatten(tomllib.load(fh))


class Translator:
    def __init__(self, lang: str) -> None:
        self.lang = lang
        self._messages = messages(lang)

    def __call__(self, key: str, **values: object) -> str:
        text = self._messages[key]  # a missing key is a bug the tests catch
        return text.format(**values) if values else text

    def has(self, key: str) -> bool:
        return key in self._messages

    @property
    def is_zh(self) -> bool:
        return self.lang.startswith("zh")

    def pick(self, zh: str, en: str) -> str:
        """Choose between a data file's paired texts (catalog names, reasons)."""
        return zh if self.is_zh else en


def sync_error_text(t: Translator, stored: str) -> str:
    """A sync error as the outbox stores it (a code, maybe a detail), in ``t``'s language;
    what is not a code (a platform's own reason) is shown as recorded."""
    code, detail = error_parts(stored)
    return t(f"sync_error.{code or 'other'}", detail=detail)
