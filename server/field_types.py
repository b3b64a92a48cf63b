"""Field types for request bodies that take JSON as the schema says and nothing
looser: pydantic would otherwise read 0 as False or as 1970-01-01, and a request
the published schema calls invalid would be accepted."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator, StringConstraints


def _iso_text(value: Any) -> Any:
    if isinstance(value, str | date | datetime):  # datetime: a TOML file's own type
        return value
    raise ValueError("expected an ISO 8601 text")


Day = Annotated[date, BeforeValidator(_iso_text)]
Moment = Annotated[AwareDatetime, BeforeValidator(_iso_text)]
Ident = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
RegionCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{2,6}$")]
SlotName = Annotated[str, StringConstraints(
    pattern=r"^[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9-]*(/[a-z0-9][a-z0-9-]*)?$")]
