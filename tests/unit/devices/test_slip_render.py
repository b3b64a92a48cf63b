"""The pickup slip: ESC/POS bytes with Chinese mode around Han text, native QR, masked data."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from contracts.slip import Slip
from devices.printer import render_slip
from devices.printer.layout import COLUMNS, display_width, wrap

SLIP = Slip(
    title="政务服务受理凭条",
    branch="建设银行上海徐汇支行",
    printed_at="2026-11-23 09:30",
    reference_label="受理编号",
    reference="XH-CCB-0001-000001",
    rows=(("姓名", "张*"), ("证件号", "310***********1230"), ("事项", "婚姻登记记录证明" * 4)),
    notes=("审核结果：已通过",),
    qr_payload="REF:XH-CCB-0001-000001",
)


def test_slip_bytes_follow_the_escpos_sequence() -> None:
    data = render_slip(SLIP, 80)
    assert data.startswith(b"\x1b@")  # ESC @ first
    assert data.endswith(b"\x1dV\x00")  # full cut last
    # Every Han line sits between FS & and FS . in GB18030.
    han = "姓名：张*".encode("gb18030")
    at = data.index(han)
    assert data.rindex(b"\x1c&", 0, at) > data.rfind(b"\x1c.", 0, at)
    assert data.index(b"\x1c.", at) > at
    # Size with GS ! (double for the reference), native QR with GS ( k holding the payload.
    assert b"\x1d!\x11" in data and b"\x1d!\x00" in data
    store = b"\x1d(k" + (len(SLIP.qr_payload) + 3).to_bytes(2, "little") + b"1P0"
    assert store + SLIP.qr_payload.encode() in data
    assert data.count(b"\x1d(k") == 5  # model, size, error level, store, print


def test_offline_marker_is_printed_first() -> None:
    offline = replace(SLIP, marker="离线受理 待确认")
    data = render_slip(offline, 58)
    assert data.index("离线受理".encode("gb18030")) < data.index(SLIP.title.encode("gb18030"))


def test_long_values_wrap_and_nothing_is_cut_off() -> None:
    for paper in (58, 80):
        data = render_slip(SLIP, paper).decode("gb18030", errors="replace")
        assert "婚姻登记记录证明" in data
        lines = [line for line in data.split("\n")]
        for line in lines:
            text = line.split("\x1c&")[-1]
            if "\x1d" not in text and "\x1b" not in text:
                assert display_width(text) <= COLUMNS[paper]


@given(st.text(alphabet=st.sampled_from(list("政务服务abc XYZ12,。")), max_size=200),
       st.sampled_from([32, 48]))
def test_wrap_keeps_every_character_within_width(text: str, columns: int) -> None:
    lines = wrap(text, columns)
    assert all(display_width(line) <= columns for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


def test_a_printer_without_native_qr_gets_the_code_as_an_image() -> None:
    from kiosk.slips import demo_slip

    native = render_slip(demo_slip(), 80)
    image = render_slip(demo_slip(), 80, native_qr=False)
    assert b"\x1d(k" in native and b"\x1d(k" not in image
    assert b"\x1dv0" in image  # GS v 0: a raster image
    assert len(image) > len(native)
