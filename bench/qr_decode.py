"""QR decoding on camera-like 720p frames: every backend alone and the kiosk pipeline,
side by side in one run, per corpus category (bench/qr_corpus.py).

A read counts when the decoder returns the frame's payload; a false read is any
other payload, or anything at all from an empty frame. The last row counts the
frames a backend alone read that the pipeline missed (the target: none). Pinned
to one core.

    python bench/qr_decode.py [--per-category 100]
    python bench/qr_decode.py --photos DIR   # real photographs: see qr_corpus.photos
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import cv2
import numpy as np

from bench.qr_corpus import CATEGORIES, Photo, Sample, corpus, photos
from devices.qr.backends import BACKENDS
from devices.qr.pipeline import decode_raw
from devices.qr.text import PayloadTextError, payload_text

Decoder = Callable[[np.ndarray], list[bytes]]


def score(decoder: Decoder, samples: list[Sample],
          read: set[int] | None = None) -> tuple[int, int, float]:
    """(reads, false reads, median ms) over the samples; ``read`` collects the ids of
    the samples read."""
    reads = false = 0
    times = []
    for sample in samples:
        started = time.perf_counter()
        got = decoder(sample.gray)
        times.append((time.perf_counter() - started) * 1000)
        if sample.payload is not None and sample.payload in got:
            reads += 1
            if read is not None:
                read.add(id(sample))
        false += sum(1 for payload in got if payload != sample.payload)
    return reads, false, statistics.median(times)


def _texts(raws: list[bytes]) -> list[str]:
    texts = []
    for raw in raws:
        try:
            texts.append(payload_text(raw))
        except PayloadTextError:
            texts.append(f"<{len(raw)} bytes, not text>")
    return texts


def photo_table(pictures: list[Photo], decoders: dict[str, Decoder]) -> None:
    """Real photographs: a read counts when the right text comes out (declared or
    guessed encoding included); a wrong text is any other text."""
    coded = [p for p in pictures if p.text is not None]
    print(f"{len(pictures)} photographs ({len(coded)} with a code), one core")
    print()
    print("| decoder | right text | wrong text | read by it, missed by the pipeline | median ms |")
    print("| --- | ---: | ---: | ---: | ---: |")
    right: dict[str, set[str]] = {}
    rows = []
    for name, decoder in decoders.items():
        right[name], wrong, times = set(), 0, []
        for picture in pictures:
            started = time.perf_counter()
            got = _texts(decoder(picture.gray))
            times.append((time.perf_counter() - started) * 1000)
            if picture.text is not None and picture.text in got:
                right[name].add(picture.name)
            wrong += sum(1 for text in got if text != picture.text)
        rows.append((name, wrong, statistics.median(times) if times else 0.0))
    for name, wrong, ms in rows:
        missed = len(right[name] - right["kiosk pipeline"])
        print(f"| {name} | {len(right[name])}/{len(coded)} | {wrong} | {missed} | {ms:.1f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-category", type=int, default=100)
    parser.add_argument("--photos", type=Path, help="a folder of labelled photographs")
    args = parser.parse_args()
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    cv2.setNumThreads(1)
    if args.photos is not None:
        photo_decoders: dict[str, Decoder] = {name: cls().decode
                                              for name, cls in BACKENDS.items()}
        photo_decoders["kiosk pipeline"] = decode_raw
        photo_table(list(photos(args.photos)), photo_decoders)
        return
    samples = list(corpus(args.per_category))
    decoders: dict[str, Decoder] = {name: cls().decode for name, cls in BACKENDS.items()}
    decoders["kiosk pipeline"] = decode_raw
    names = list(decoders)
    results = {}
    read: dict[str, set[int]] = {name: set() for name in names}
    for name, decoder in decoders.items():
        decoder(samples[0].gray)  # warm up
        for category in CATEGORIES:
            results[name, category] = score(
                decoder, [s for s in samples if s.category == category], read[name])
        print(f"measured {name}", file=sys.stderr, flush=True)

    n = args.per_category
    print(f"{n} frames per category, 1280x720 greyscale, one core; cell: read % (median ms)")
    print()
    print("| category | " + " | ".join(names) + " |")
    print("| --- | " + " | ".join("---:" for _ in names) + " |")
    for category in CATEGORIES:
        cells = []
        for name in names:
            reads, false, ms = results[name, category]
            rate = (n - false) / n * 100 if category == "empty" else reads / n * 100
            cells.append(f"{rate:.0f}% ({ms:.1f})")
        print(f"| {category} | " + " | ".join(cells) + " |")
    coded = [c for c in CATEGORIES if c != "empty"]
    totals = []
    for name in names:
        reads = sum(results[name, c][0] for c in coded)
        false = sum(results[name, c][1] for c in CATEGORIES)
        all_ms = [results[name, c][2] for c in CATEGORIES]
        totals.append((reads / (n * len(coded)) * 100, false, statistics.median(all_ms)))
    print("| **all frames with a code: read** | " +
          " | ".join(f"**{rate:.2f}%**" for rate, _, _ in totals) + " |")
    print("| false reads (any category) | " + " | ".join(str(f) for _, f, _ in totals) + " |")
    missed = [len(read[name] - read["kiosk pipeline"]) for name in names]
    print("| read by it, missed by the pipeline | " + " | ".join(str(m) for m in missed) + " |")
    print("| median of category medians, ms | " +
          " | ".join(f"{ms:.2f}" for _, _, ms in totals) + " |")
    overall = []
    for decoder in decoders.values():
        times = []
        for sample in samples[:: max(1, len(samples) // 240)]:
            started = time.perf_counter()
            decoder(sample.gray)
            times.append((time.perf_counter() - started) * 1000)
        overall.append(statistics.median(times))
    print("| median ms over all frames | " + " | ".join(f"{ms:.2f}" for ms in overall) + " |")


if __name__ == "__main__":
    main()
