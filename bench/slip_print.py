"""Slip size, render time and line time: our text-mode ESC/POS slip against the same
slip fully rasterised (what a driver that prints everything as an image sends),
measured in the same run, for 58 and 80 mm paper.

    python bench/slip_print.py [--runs 200]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from escpos.printer import Dummy

from devices.printer import render_slip
from devices.printer.preview import DOTS, MARGIN, preview_slip
from kiosk.slips import demo_slip


def rasterised(slip_bytes: bytes, paper_mm: int) -> bytes:
    """The same slip as one raster image (GS v 0), as an image-only driver prints it."""
    picture = preview_slip(slip_bytes, paper_mm)
    picture = picture.crop((MARGIN, 0, MARGIN + DOTS[paper_mm], picture.height)).convert("1")
    printer = Dummy()
    printer.profile.profile_data["media"]["width"]["pixels"] = DOTS[paper_mm]
    printer.hw("INIT")
    printer.image(picture, impl="bitImageRaster")
    printer.cut()
    return bytes(printer.output)


def median_ms(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    slip = dataclasses.replace(demo_slip(), marker="离线受理 待确认")
    print(f"The demo pickup slip (offline marker, 3 rows, 2 notes, QR), {args.runs} runs each")
    print()
    print("| paper | slip as | bytes | render ms (median) | at 9600 baud s | at 115200 baud ms |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for paper in (58, 80):
        text = render_slip(slip, paper)
        text_ms = median_ms(partial(render_slip, slip, paper), args.runs)
        raster = rasterised(text, paper)
        raster_ms = median_ms(partial(rasterised, text, paper), max(10, args.runs // 10))
        for name, data, ms in (("text (kiosk)", text, text_ms),
                               ("raster image", raster, raster_ms)):
            print(f"| {paper} mm | {name} | {len(data):,} | {ms:.2f} | {len(data) * 10 / 9600:.2f} "
                  f"| {len(data) * 10 / 115200 * 1000:.0f} |")
        print(f"| {paper} mm | raster/text | {len(raster) / len(text):.0f}x | "
              f"{raster_ms / text_ms:.0f}x | | |")


if __name__ == "__main__":
    main()
