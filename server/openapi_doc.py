"""The published schema names what a batch carries, kind by kind.

A batch's items are read one by one (one bad item never sinks a batch), so the batch
endpoint's own request schema leaves them open. The typed shape is published beside
it: ``components/schemas/Transaction``, a union on ``kind`` of one model per kind with
its payload (contracts.wire), so a reader of /openapi.json sees a rating's score 1-5
and its reasons.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import TypeAdapter

from contracts.wire import TypedTransaction

REF = "#/components/schemas/{model}"


def transaction_schemas() -> dict[str, Any]:
    """``Transaction`` and the models it names, as OpenAPI components."""
    schema = TypeAdapter(TypedTransaction).json_schema(ref_template=REF)
    components: dict[str, Any] = schema.pop("$defs", {})
    schema["description"] = ("One item of POST /api/v1/transactions/batch, by kind."
                             " Each item is checked on its own; a refused one gets its"
                             " reason in the batch result.")
    components["Transaction"] = schema
    return components


def publish_transactions(app: FastAPI) -> None:
    """Make ``app.openapi()`` include the typed transaction components."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = get_openapi(title=app.title, version=app.version, routes=app.routes,
                               description=app.description)
            schemas = spec.setdefault("components", {}).setdefault("schemas", {})
            for name, body in transaction_schemas().items():
                schemas.setdefault(name, body)  # the API's own models stay as FastAPI made them
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
