"""Reading a TOML file into a pydantic model, with errors a person can act on.

Every message names the file and the offending key ("idle.warning_s"), and
list entries by their id where they have one ("items[mask-reservation]").
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from contracts.errors import KioskError

M = TypeVar("M", bound=BaseModel)


def read_toml(path: Path, error: type[KioskError]) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise error(f"{path}: file not found") from exc
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text") from exc
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML: {exc}") from exc


def validate(raw: dict[str, Any], model: type[M], path: Path, error: type[KioskError]) -> M:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise error(f"{path}: {describe_validation_error(exc, raw)}") from exc


def describe_validation_error(exc: ValidationError, raw: object) -> str:
    """The first error as 'key.path: message'."""
    err = exc.errors()[0]
    where = ""
    node = raw
    for loc in err["loc"]:
        if isinstance(loc, int):
            node = node[loc] if isinstance(node, list) and loc < len(node) else None
            ident = (node.get("id") or node.get("key")) if isinstance(node, dict) else None
            where += f"[{ident or loc}]"
        elif isinstance(node, dict) and loc not in node and node.get("kind") == loc:
            continue  # a union's tag ("min_age") says which variant, not where
        else:
            node = node.get(loc) if isinstance(node, dict) else None
            where += f".{loc}" if where else str(loc)
    return f"{where or '(top level)'}: {err['msg']}"
