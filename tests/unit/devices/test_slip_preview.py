"""The slip preview: our ESC/POS bytes back into a picture a person can read, whose QR
code decodes back to the payload."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import zxingcpp
from PIL import Image

from devices.printer import render_slip
from devices.printer.preview import DOTS, MARGIN, PreviewError, preview_slip
from kiosk.slips import demo_slip
from tests.support import REPO_ROOT


def qr_texts(image: Image.Image) -> list[str]:
    qr = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    return [c.text for c in zxingcpp.read_barcodes(np.array(image), formats=qr)]


@pytest.mark.parametrize("paper", [58, 80])
def test_the_preview_is_paper_wide_and_its_qr_decodes(paper: int) -> None:
    image = preview_slip(render_slip(demo_slip(), paper), paper)
    assert image.width == DOTS[paper] + 2 * MARGIN
    assert qr_texts(image) == ["REF:XH-CCB-0001-000042"]


def test_text_is_drawn_where_the_printer_would_put_it() -> None:
    image = np.array(preview_slip(render_slip(demo_slip(), 80), 80))
    ink_rows = np.where((image < 128).any(axis=1))[0]
    assert ink_rows.size > 0
    # Every line is inside the paper: nothing drawn in the side margins.
    assert (image[:, :MARGIN] == 255).all() and (image[:, -MARGIN:] == 255).all()


def test_a_copy_marker_makes_the_slip_taller() -> None:
    plain = preview_slip(render_slip(demo_slip(), 80), 80)
    copy = preview_slip(render_slip(dataclasses.replace(demo_slip(), marker="副本 第1次补打"), 80))
    assert copy.height > plain.height


@pytest.mark.parametrize("data", [b"\x1b\x40\x1d\x28\x6b\x10\x00\x31", b"\x1bZ\x00",
                                  b"\x1c\x26\xff\xff\n"])
def test_a_stream_it_does_not_understand_is_a_preview_error(data: bytes) -> None:
    with pytest.raises(PreviewError):
        preview_slip(data)


def test_preview_command(tmp_path: Path) -> None:
    job = tmp_path / "job.bin"
    job.write_bytes(render_slip(demo_slip(), 80))
    out = tmp_path / "slip.png"
    done = subprocess.run([sys.executable, str(REPO_ROOT / "main.py"), "preview", str(job),
                           "--out", str(out)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes().startswith(b"\x89PNG")


def test_an_image_qr_previews_and_decodes_too() -> None:
    image = preview_slip(render_slip(demo_slip(), 80, native_qr=False), 80)
    assert qr_texts(image) == ["REF:XH-CCB-0001-000042"]
