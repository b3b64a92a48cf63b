"""ID card reads: decode + parse time of a 1295-byte answer, and card-placed-to-identity
time through the real driver and the pty mock reader at 115200 baud.

Peers in the same run: a naive decoder (concatenate bytes, rescan the whole buffer
on every chunk, copy the frame out) for the decode step; the line's own wire time
for the end-to-end step (1295 bytes of read answer take 112 ms at 115200 8N1). The
end-to-end reads poll as the identify screen does (find every 50 ms) with the card
placed at random moments, so the figures include the wait for the next find.

    python bench/idcard_read.py [--decodes 20000] [--reads 40]
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
from devices.idcard.frames import PREAMBLE
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


def bench_end_to_end(reads: int) -> list[str]:
    deck = load_deck(DEMO_DECK)
    out = [f"Card placed -> identity delivered through the driver, {reads} reads each", "",
           "| line | median ms | p95 ms | min ms | wire time of the exchange ms |",
           "| --- | ---: | ---: | ---: | ---: |"]
    # Wire bytes of one read: 4 commands of 10 bytes; answers find 15, select 19,
    # read 1295, appended address 11 (no content) or 82.
    exchange = 4 * 10 + 15 + 19 + 1295 + 11
    for paced in (True, False):
        with tempfile.TemporaryDirectory() as tmp:
            mock = MockCardReader(deck, Path(tmp) / "reader", pace=paced).start()
            driver = SerialIdCardReader(PathPort(mock.port))
            driver.check()
            events: queue.Queue[tuple[float, object]] = queue.Queue()
            running = threading.Event()
            running.set()

            poller = threading.Thread(target=_poll, args=(driver, events, running), daemon=True)
            poller.start()
            rng = random.Random(7)
            times = []
            for _ in range(reads):
                time.sleep(rng.uniform(0.05, 0.15))  # placed at a random point of the poll cycle
                placed = time.perf_counter()
                mock.place(0)
                delivered, event = events.get(timeout=5)
                while isinstance(event, CardRemoved):  # the last card leaving, said once
                    delivered, event = events.get(timeout=5)
                assert isinstance(event, CardRead), event
                times.append((delivered - placed) * 1000)
                mock.remove()
            running.clear()
            poller.join()
            driver.close()
            mock.close()
        times.sort()
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        wire_ms = wire_time_s(exchange, 115200) * 1000 if paced else 0.0
        label = "pty paced at 115200 baud" if paced else "pty unpaced (driver overhead)"
        out.append(f"| {label} | {statistics.median(times):.1f} | {p95:.1f} | {times[0]:.1f} "
                   f"| {wire_ms:.1f} |")
    out += ["", f"Wire time of the 1295-byte read answer alone: "
                f"{wire_time_s(1295, 115200) * 1000:.1f} ms."]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--decodes", type=int, default=20000)
    parser.add_argument("--reads", type=int, default=40)
    args = parser.parse_args()
    for line in bench_decode(args.decodes):
        print(line, flush=True)
    print()
    for line in bench_end_to_end(args.reads):
        print(line, flush=True)


if __name__ == "__main__":
    main()
