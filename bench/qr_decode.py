"""QR decoding on camera-like 720p frames: every backend alone and the kiosk pipeline,
side by side in one run, per corpus category (bench/qr_corpus.py).

A read counts when the decoder returns the frame's payload; a false read is any
other payload, or anything at all from an empty frame. The last row counts the
frames a backend alone read that the pipeline missed (the target: none). Pinned
to one core.

    python bench/qr_decode.py [--per-category 100]
    python bench/qr_decode.py --real-photos  # real photographs: bench/qr_photos.py
    python bench/qr_decode.py --photos DIR   # a folder of them: name.jpg + name.txt
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

from bench.qr_corpus import CATEGORIES, Photo, Sample, corpus
from bench.qr_photos import GROUPS, default_cache, extract, fetch, group, load
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


def photo_outcomes(pictures: list[Photo], decoders: dict[str, Decoder]
                   ) -> tuple[dict[str, dict[str, str]], dict[str, float]]:
    """Each decoder on each photo: ``right`` (the labelled text among what it read),
    ``wrong`` (it read a text that is not the label: on a photo with no code, any
    text), ``missed`` (nothing) or ``clean`` (nothing, on a photo with no code); and
    each decoder's median ms a photo."""
    outcomes: dict[str, dict[str, str]] = {}
    medians = {}
    for name, decoder in decoders.items():
        outcomes[name], times = {}, []
        for picture in pictures:
            started = time.perf_counter()
            got = _texts(decoder(picture.gray))
            times.append((time.perf_counter() - started) * 1000)
            if any(text != picture.text for text in got):
                outcomes[name][picture.name] = "wrong"
            elif got:
                outcomes[name][picture.name] = "right"
            else:
                outcomes[name][picture.name] = "missed" if picture.text is not None else "clean"
        medians[name] = statistics.median(times) if times else 0.0
    return outcomes, medians


def photo_table(pictures: list[Photo], decoders: dict[str, Decoder],
                pipeline: str = "kiosk pipeline") -> None:
    """Real photographs: a read counts when the right text comes out (declared or
    guessed encoding included); a wrong text is any other text. Per group of photos
    (bench/qr_photos.GROUPS) and in all."""
    outcomes, medians = photo_outcomes(pictures, decoders)
    names = list(decoders)
    coded = [p for p in pictures if p.text is not None]
    groups: dict[str, list[Photo]] = {}
    for picture in pictures:
        groups.setdefault(group(picture.name), []).append(picture)
    print(f"{len(pictures)} photographs ({len(coded)} with a QR code, "
          f"{len(pictures) - len(coded)} without), one core; "
          "cell: right text / photos with a code (wrong text, if any)")
    print()
    print("| group | photos (no code) | " + " | ".join(names) + " |")
    print("| --- | ---: | " + " | ".join("---:" for _ in names) + " |")
    for key, members in groups.items():
        with_code = [p for p in members if p.text is not None]
        cells = []
        for name in names:
            right = sum(outcomes[name][p.name] == "right" for p in members)
            wrong = sum(outcomes[name][p.name] == "wrong" for p in members)
            cells.append(f"{right}/{len(with_code)}" + (f" ({wrong} wrong)" if wrong else ""))
        print(f"| {key}: {GROUPS.get(key, '')} | {len(members)} "
              f"({len(members) - len(with_code)}) | " + " | ".join(cells) + " |")

    def row(title: str, values: list[str]) -> None:
        print(f"| {title} | | " + " | ".join(values) + " |")

    def count(name: str, outcome: str, among: list[Photo]) -> int:
        return sum(outcomes[name][p.name] == outcome for p in among)

    negatives = [p for p in pictures if p.text is None]
    row("**right text, all photos with a code**",
        [f"**{count(n, 'right', coded)}/{len(coded)}**" for n in names])
    row("wrong text on a photo with a code", [str(count(n, "wrong", coded)) for n in names])
    row("missed", [str(count(n, "missed", coded)) for n in names])
    row("false read on a photo without a code",
        [str(count(n, "wrong", negatives)) for n in names])
    read = {n: {p for p, o in outcomes[n].items() if o == "right"} for n in names}
    row("**read by it, missed by the pipeline**",
        [f"**{len(read[n] - read[pipeline])}**" for n in names])
    row("median ms a photo", [f"{medians[n]:.1f}" for n in names])
    alone = sorted(set().union(*read.values()) - read[pipeline])
    print()
    print("read by a backend, missed by the pipeline: " + (", ".join(
        f"{p} ({'/'.join(n for n in names if p in read[n])})" for p in alone) or "none"))
    unread = sorted(p.name for p in coded if not any(p.name in read[n] for n in names))
    print(f"read by none ({len(unread)}): " + (", ".join(unread) or "none"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-category", type=int, default=100)
    parser.add_argument("--photos", type=Path, help="a folder of labelled photographs")
    parser.add_argument("--real-photos", action="store_true",
                        help="fetch the real-photo corpus (bench/qr_photos.py) and run on it")
    args = parser.parse_args()
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    cv2.setNumThreads(1)
    if args.real_photos:
        fetch(default_cache())
        args.photos = extract(default_cache())
    if args.photos is not None:
        photo_decoders: dict[str, Decoder] = {name: cls().decode
                                              for name, cls in BACKENDS.items()}
        photo_decoders["kiosk pipeline"] = decode_raw
        photo_table(list(load(args.photos)), photo_decoders)
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
