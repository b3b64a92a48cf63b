"""ID card reads: decode + parse time of a 1295-byte answer, and card-placed-to-identity
time through the real driver and the pty mock reader at 115200 baud.

Peers in the same run: a naive decoder (concatenate bytes, rescan the whole buffer
on every chunk, copy the frame out) for the decode step; the line's own wire time
for the end-to-end step (1295 bytes of read answer take 112 ms at 115200 8N1), and the
driver with the 50 ms rest between finds it had before issue 17. The end-to-end reads
poll as the identify screen does with the card placed at random moments, so the
figures include the wait for the next find. The line's load is counted at the mock
reader: commands per second and the share of time their bytes occupy the wire, with
nobody at the reader and with a card read already lying on it.

    python bench/idcard_read.py [--decodes 20000] [--reads 40] [--profile]
"""

from __future__ import annotations

import argparse
import queue
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from devices.idcard import (
    CardRead,
    CardRemoved,
    FrameDecoder,
    MockCardReader,
    SerialIdCardReader,
    build_response,
    load_deck,
    parse_card_holder,
    parse_read_answer,
)
from devices.idcard.answers import build_read_answer
from devices.idcard.deck import DeckCard
from devices.idcard.driver import FIND_REST_S
from devices.idcard.frames import PREAMBLE, Command, CommandFrame, Frame
from devices.idcard.mock_reader import wire_time_s
from devices.serialport import PathPort
from wiring.config import DEMO_DECK

CHUNK = 32  # a USB-serial adapter hands over a few dozen bytes per read


def naive_decode(chunks: list[bytes]) -> bytes:
    """The approach a first driver takes: grow an immutable buffer, rescan it whole."""
    buf = b""
    for chunk in chunks:
        buf = buf + chunk
        start = buf.find(PREAMBLE)
        if start < 0 or len(buf) < start + 7:
            continue
        length = int.from_bytes(buf[start + 5:start + 7], "big")
        end = start + 7 + length
        if len(buf) >= end:
            body = buf[start + 5:end - 1]
            chk = 0
            for byte in body:
                chk ^= byte
            if chk != buf[end - 1]:
                raise ValueError("checksum")
            return body[5:]
    raise ValueError("incomplete")


def per_call_us(fn, n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - started) / n * 1e6


def bench_decode(n: int) -> list[str]:
    card = load_deck(DEMO_DECK)[0]
    wire = build_response(0x90, build_read_answer(card.record))
    assert len(wire) == 1295
    chunks = [wire[i:i + CHUNK] for i in range(0, len(wire), CHUNK)]

    def ours_whole() -> None:
        (frame,) = FrameDecoder().feed(wire)
        parse_card_holder(parse_read_answer(frame.data).text)

    def ours_chunked() -> None:
        decoder = FrameDecoder()
        frames = [f for chunk in chunks for f in decoder.feed(chunk)]
        parse_card_holder(parse_read_answer(frames[0].data).text)

    def naive_chunked() -> None:
        parse_card_holder(parse_read_answer(naive_decode(chunks)).text)

    def parse_only() -> None:
        parse_card_holder(card.record.text)

    for fn in (ours_whole, ours_chunked, naive_chunked):
        fn()  # warm up
    rows = [
        ("kiosk decoder, one 1295-byte chunk", per_call_us(ours_whole, n)),
        (f"kiosk decoder, {CHUNK}-byte chunks", per_call_us(ours_chunked, n)),
        (f"naive decoder, {CHUNK}-byte chunks", per_call_us(naive_chunked, n)),
        ("parse_card_holder alone (256-byte text block)", per_call_us(parse_only, n)),
    ]
    ours = rows[1][1]
    out = [f"Decode + parse of one 30 01 answer (1295 bytes), {n} runs each", "",
           "| approach | us per read | vs kiosk chunked |", "| --- | ---: | ---: |"]
    out += [f"| {name} | {us:.1f} | {us / ours:.2f}x |" for name, us in rows]
    return out


def _poll(driver: SerialIdCardReader, events: queue.Queue[tuple[float, object]],
          running: threading.Event) -> None:
    """What the identify screen's worker does: read in a loop, hand events over."""
    while running.is_set():
        event = driver.read(timeout=0.1)
        if event is not None:
            events.put((time.perf_counter(), event))


class _CountingReader(MockCardReader):
    """The mock reader, counting the commands it answers (the line's load)."""

    def __init__(self, deck: list[DeckCard], link: Path, *, pace: bool) -> None:
        super().__init__(deck, link, pace=pace)
        self.commands: Counter[str] = Counter()

    def _answer(self, command: CommandFrame) -> bytes:
        try:
            self.commands[Command((command.cmd, command.para)).name] += 1
        except ValueError:
            self.commands["other"] += 1
        return super()._answer(command)


StageLog = list[tuple[str, float, float]]  # command name, sent, answered (perf_counter)
_STAGES = ("FIND_CARD", "SELECT_CARD", "READ_TEXT_PHOTO", "READ_APPENDED_ADDRESS")


def _spans(log: StageLog, placed: float, delivered: float) -> list[float]:
    """Wait for the find that saw the card, each command's exchange, the rest, the total."""
    stages = {name: (start, end) for name, start, end in log}  # the last of each
    spans = [stages["FIND_CARD"][0] - placed]
    spans += [end - start for start, end in (stages[name] for name in _STAGES)]
    return [*spans, delivered - placed - sum(spans), delivered - placed]


def _reads(mock: MockCardReader, driver: SerialIdCardReader, reads: int,
           log: StageLog | None = None) -> list[list[float]]:
    """Card placed -> CardRead delivered, ``reads`` times at random moments: per read the
    stage spans (with ``log``, which the driver's commands fill) or just the total, s."""
    events: queue.Queue[tuple[float, object]] = queue.Queue()
    running = threading.Event()
    running.set()
    poller = threading.Thread(target=_poll, args=(driver, events, running), daemon=True)
    poller.start()
    rng = random.Random(7)
    rows = []
    for _ in range(reads):
        time.sleep(rng.uniform(0.05, 0.15))  # placed at a random point of the poll cycle
        if log is not None:
            log.clear()
        placed = time.perf_counter()
        mock.place(0)
        delivered, event = events.get(timeout=5)
        while isinstance(event, CardRemoved):  # the last card leaving, said once
            delivered, event = events.get(timeout=5)
        assert isinstance(event, CardRead), event
        rows.append(_spans(log, placed, delivered) if log is not None else [delivered - placed])
        mock.remove()
    running.clear()
    poller.join()
    return rows


def _load(mock: _CountingReader, driver: SerialIdCardReader, seconds: float) -> str:
    """Commands per second and wire busy % while nobody is there, then while a card read
    already lies on the reader (presence checks)."""
    cells = []
    for holding in (False, True):
        while driver.holding_card():
            mock.remove()
            driver.read(timeout=0.2)
        if holding:
            mock.place(1)  # the elder's card: 30 03 answers 82 bytes, the heaviest check
            while not isinstance(driver.read(timeout=0.5), CardRead):
                pass
        mock.commands.clear()
        started = time.perf_counter()
        while time.perf_counter() - started < seconds:
            assert driver.read(timeout=0.1) is None
        elapsed = time.perf_counter() - started
        count = sum(mock.commands.values())
        per_exchange = 10 + (82 + 11 if holding else 15)  # command + answer bytes
        busy = count * wire_time_s(per_exchange, 115200) / elapsed * 100
        cells.append(f"{count / elapsed:.0f}/s, {busy:.0f}%")
    mock.remove()
    return " | ".join(cells)


def bench_profile(reads: int) -> list[str]:
    """Where placed -> delivered goes, stage by stage: every command the driver sends is
    timed (a wrapper around its one line method), on the paced line, per rest."""
    log: StageLog = []
    plain = SerialIdCardReader._transact

    def timed(self: SerialIdCardReader, command: Command, timeout: float | None = None
              ) -> Frame:
        started = time.perf_counter()
        try:
            return plain(self, command, timeout)
        finally:
            log.append((command.name, started, time.perf_counter()))

    out = [f"Profile of placed -> delivered, paced line, {reads} reads; median ms per stage",
           "", "| rest between finds ms | wait for the next find | find | select | read 30 01 "
           "| appended address 30 03 | gaps and delivery | total |",
           "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    SerialIdCardReader._transact = timed  # type: ignore[method-assign]
    try:
        for rest in (0.05, FIND_REST_S):
            with tempfile.TemporaryDirectory() as tmp:
                mock = MockCardReader(load_deck(DEMO_DECK), Path(tmp) / "reader").start()
                driver = SerialIdCardReader(PathPort(mock.port), poll_s=rest)
                driver.check()
                rows = _reads(mock, driver, reads, log)
                driver.close()
                mock.close()
            medians = [statistics.median(column) * 1000 for column in zip(*rows, strict=True)]
            out.append(f"| {rest * 1000:.0f} | " + " | ".join(f"{m:.1f}" for m in medians) + " |")
    finally:
        SerialIdCardReader._transact = plain  # type: ignore[method-assign]
    return out


def bench_end_to_end(reads: int) -> list[str]:
    deck = load_deck(DEMO_DECK)
    out = [f"Card placed -> identity delivered through the driver, {reads} reads each", "",
           "| line | rest between finds ms | median ms | p95 ms | min ms "
           "| wire time of the exchange ms | median over wire ms "
           "| commands, line busy: idle | same, card held |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"]
    # Wire bytes of one read: 4 commands of 10 bytes; answers find 15, select 19,
    # read 1295, appended address 11 (no content) or 82.
    exchange = 4 * 10 + 15 + 19 + 1295 + 11
    # The peer in the same run: the 50 ms rest the driver had before issue 17.
    for paced, rest in ((True, 0.05), (True, FIND_REST_S), (False, 0.05), (False, FIND_REST_S)):
        with tempfile.TemporaryDirectory() as tmp:
            mock = _CountingReader(deck, Path(tmp) / "reader", pace=paced).start()
            driver = SerialIdCardReader(PathPort(mock.port), poll_s=rest)
            driver.check()
            times = sorted(row[-1] * 1000 for row in _reads(mock, driver, reads))
            load = _load(mock, driver, 2.0) if paced else "- | -"
            driver.close()
            mock.close()
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        wire_ms = wire_time_s(exchange, 115200) * 1000 if paced else 0.0
        label = "pty paced at 115200 baud" if paced else "pty unpaced (driver overhead)"
        median = statistics.median(times)
        out.append(f"| {label} | {rest * 1000:.0f} | {median:.1f} | {p95:.1f} | {times[0]:.1f} "
                   f"| {wire_ms:.1f} | {median - wire_ms:+.1f} | {load} |")
    out += ["", f"Wire time of the 1295-byte read answer alone: "
                f"{wire_time_s(1295, 115200) * 1000:.1f} ms."]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--decodes", type=int, default=20000)
    parser.add_argument("--reads", type=int, default=40)
    parser.add_argument("--profile", action="store_true",
                        help="also time every stage of a read (where the latency goes)")
    args = parser.parse_args()
    for line in bench_decode(args.decodes):
        print(line, flush=True)
    print()
    for line in bench_end_to_end(args.reads):
        print(line, flush=True)
    if args.profile:
        print()
        for line in bench_profile(args.reads):
            print(line, flush=True)


if __name__ == "__main__":
    main()
