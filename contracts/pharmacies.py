"""Pharmacies and their pickup windows, for scarce-supply reservations (journey B).

The platform owns this list; the kiosk holds the last copy it fetched
(``offline_cache.reference_cache``) so it can show stores while offline.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PickupWindow(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    label: str = Field(min_length=1, max_length=40)  # "09:00-11:30"
    quota: int = Field(ge=0)  # reservations one round may allocate in this window


class Pharmacy(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    district: str = Field(min_length=1)
    name: str = Field(min_length=1)
    address: str = Field(min_length=1)
    windows: tuple[PickupWindow, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_windows(self) -> Pharmacy:
        ids = [w.id for w in self.windows]
        if len(ids) != len(set(ids)):
            raise ValueError(f"pharmacy {self.id!r}: duplicate window ids")
        return self


class Pharmacies(_Strict):
    pharmacies: tuple[Pharmacy, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Pharmacies:
        ids = [p.id for p in self.pharmacies]
        if len(ids) != len(set(ids)):
            raise ValueError("duplicate pharmacy ids")
        return self

    def districts(self) -> list[str]:
        return list(dict.fromkeys(p.district for p in self.pharmacies))

    def in_district(self, district: str) -> list[Pharmacy]:
        return [p for p in self.pharmacies if p.district == district]
