"""The kiosk's one entry point: ``python main.py [COMMAND] [options]``.

    python main.py                 run the kiosk (demo config: mock devices, embedded platform)
    python main.py web [--host H --port P]   serve the kiosk to a browser (textual-serve)
    python main.py sync [--once]   push the outbox to the platform (staff, headless)
    python main.py queue [--json]  where every queued transaction stands
    python main.py export-outbox --out FILE   the queued records still readable (0600)
    python main.py simulate --transactions N   enqueue synthetic transactions (field tests)
    python main.py mock-reader     a protocol-faithful ID card reader on a pseudo-terminal
    python main.py mock-cabinet    lock boards of a pickup cabinet on a pseudo-terminal
    python main.py cabinet-test --cabinet serial:PATH --door N   open one door, show the states
    python main.py staff-pin       make the hash of a staff PIN for the config
    python main.py test-print --printer KIND:TARGET   print the demo pickup slip
    python main.py preview JOB.bin --out slip.png     a picture of a printed slip
    python main.py say-test [--lang en] [--out F.wav]  say a sentence with espeak-ng

The platform server has its own: ``python -m server``. Everything is put together in
the ``wiring`` package, the composition root.
"""

from __future__ import annotations

from wiring.cli import main
from wiring.logs import install_crash_hooks

__all__ = ["main"]

if __name__ == "__main__":
    install_crash_hooks()  # a thread's crash too: its type and place, never its locals
    raise SystemExit(main())
