"""Journey A end to end through the real screens, with the mock ID card and printer."""

from __future__ import annotations

from typing import Any

import numpy as np
import zxingcpp
from textual.widgets import Input, RadioSet

from devices.printer.preview import preview_slip
from offline_cache.outbox import State
from screens.app import KioskApp
from screens.catalog import CatalogScreen
from screens.confirm import ConfirmScreen
from screens.done import DoneScreen
from screens.form import FormScreen
from screens.home import HomeScreen
from screens.identify import IdentifyScreen
from tests.support.kiosk_driver import (
    mock_printer,
    mock_reader,
    on_screen,
    screen_text,
    tap,
    until,
)
from wiring.assembly import Assembly

FULL_ID = "310104198506121230"


def outbox_rows(assembly: Assembly) -> list[dict[str, Any]]:
    db = assembly.store.outbox._db
    return [dict(r) for r in db.execute("SELECT * FROM outbox ORDER BY seq").fetchall()]


async def test_journey_a_by_keyboard(assembly: Assembly) -> None:
    app = KioskApp(assembly.api, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        await pilot.press("1")  # hot item 1: marriage registration record proof
        await on_screen(pilot, IdentifyScreen)
        assert "婚姻登记记录证明" in screen_text(app)

        mock_reader(assembly).place(0)  # 张伟 puts his card on the reader
        await until(lambda: "310***********1230" in screen_text(app))
        shown = screen_text(app)
        assert "张*" in shown and FULL_ID not in shown and "张伟" not in shown

        await pilot.press("enter")  # the continue button has focus
        await on_screen(pilot, FormScreen)
        assert "张*" in screen_text(app) and FULL_ID not in screen_text(app)
        # Purpose: the radio set has focus on "mortgage"; choosing the form's one choice
        # is the form done.
        assert app.focused is app.screen.query_one("#field-purpose", RadioSet)
        await pilot.press("enter")
        await on_screen(pilot, ConfirmScreen)
        confirm = screen_text(app)
        assert "办理住房贷款" in confirm and "310***********1230" in confirm
        assert FULL_ID not in confirm

        await pilot.press("enter")  # submit has focus
        await on_screen(pilot, DoneScreen)
        assert "办理成功" in screen_text(app)
        reference = f"{assembly.config.kiosk.id}-000001"
        assert reference in screen_text(app)
        await until(lambda: "凭条已打印" in screen_text(app))

        rows = outbox_rows(assembly)
        assert len(rows) == 1
        row = rows[0]
        assert (row["kind"], row["item_id"], row["seq"], row["reference"]) == (
            "application", "marriage-record-proof", 1, reference)
        assert row["state"] == State.PENDING
        assert FULL_ID.encode() not in row["sealed"] and "张伟".encode() not in row["sealed"]
        tx = assembly.store.outbox.get(row["id"])
        assert tx.payload["identity"]["id_number"] == FULL_ID
        assert tx.payload["answers"]["purpose"] == "mortgage"
        assert tx.payload["decision"]["outcome"] == "approved"

        jobs = mock_printer(assembly).jobs()
        assert len(jobs) == 1
        slip = jobs[0].read_bytes()
        assert slip.startswith(b"\x1b@")
        assert reference.encode() in slip
        assert "张*".encode("gb18030") in slip and b"310***********1230" in slip
        assert FULL_ID.encode() not in slip and "张伟".encode("gb18030") not in slip
        assert b"\x1d(k" in slip and slip.endswith(b"\x1dV\x00")
        # The picture of what was printed carries the slip's QR code back to the reference.
        picture = np.array(preview_slip(slip, 80))
        assert [c.text for c in zxingcpp.read_barcodes(picture)] == [f"REF:{reference}"]

        # Rating is offered once the slip is out and the number has been up a while.
        await until(lambda: not app.screen.query_one("#rate-5").disabled)
        await pilot.press("enter")  # 非常满意 has focus: one key rates
        await on_screen(pilot, HomeScreen)
        await until(lambda: len(outbox_rows(assembly)) == 2)
        rating = assembly.store.outbox.get(outbox_rows(assembly)[1]["id"])
        assert rating.kind == "rating"
        assert rating.payload == {"case": row["id"], "score": 5, "reason": ""}
        assert not app.session.holds_personal_data


async def test_journey_a_by_mouse(assembly: Assembly) -> None:
    app = KioskApp(assembly.api, sync_in_background=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await on_screen(pilot, HomeScreen)
        await tap(pilot, "#start")
        await on_screen(pilot, CatalogScreen)
        await tap(pilot, "#cat-personal")
        await until(lambda: bool(app.screen.query("#item-pension-qualification-certification")))
        button = app.screen.query_one("#item-pension-qualification-certification")
        button.scroll_visible(animate=False)
        await pilot.pause()
        await tap(pilot, "#item-pension-qualification-certification")
        await on_screen(pilot, IdentifyScreen)
        await tap(pilot, "#sim-card-1")  # 李秀英, 76
        await until(lambda: "310***********2441" in screen_text(app))
        await tap(pilot, "#continue")
        await on_screen(pilot, FormScreen)
        radio = app.screen.query_one("#field-pension_type", RadioSet)
        assert await pilot.click(radio.children[0])
        await tap(pilot, "#field-phone")
        for digit in "13812341234":
            await tap(pilot, f"#key-{digit}")
        assert app.screen.query_one("#field-phone", Input).value == "13812341234"
        await tap(pilot, "#next")
        await on_screen(pilot, ConfirmScreen)
        assert "138****1234" in screen_text(app) and "13812341234" not in screen_text(app)
        await tap(pilot, "#submit")
        await on_screen(pilot, DoneScreen)
        assert "办理成功" in screen_text(app)
        await until(lambda: "凭条已打印" in screen_text(app))
        await tap(pilot, "#rate-4")  # one tap on the done screen rates
        await on_screen(pilot, HomeScreen)
        await until(lambda: len(outbox_rows(assembly)) == 2)
        tx = assembly.store.outbox.get(outbox_rows(assembly)[0]["id"])
        assert tx.payload["answers"]["phone"] == "13812341234"
