"""The kiosk's configuration: one typed model read from TOML.

Relative paths in the file are relative to the file's own folder, so the
demo config works from any working directory. Command-line options
(``--data-dir``, ``--platform-url``, ``--mock``) override the file.
"""

from __future__ import annotations

import base64
import ipaddress
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from platformdirs import user_data_dir
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from contracts.datafile import read_toml, validate
from contracts.errors import ConfigError
from contracts.pickup_codes import public_keys_from_b64
from kiosk.staff import pin_hash_problem, verify_pin

REPO_ROOT = Path(__file__).resolve().parent.parent
DEMO_CONFIG = REPO_ROOT / "config" / "demo.toml"
DEMO_DECK = REPO_ROOT / "config" / "demo-cards.toml"
EMBEDDED = "embedded"
# The demo's staff PIN (config/demo.toml, the README): public, so only a demo kiosk takes it.
DEMO_PIN = "2468"
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})
# A camera's decoder: the kiosk's pipeline, or one of devices.qr.backends alone.
QrBackendName = Literal["pipeline", "zxing", "zbar", "opencv", "opencv_aruco"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class KioskSection(_Section):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{1,31}$")
    branch_zh: str
    branch_en: str
    language: Literal["zh-CN", "en"] = "zh-CN"
    data_dir: Path | None = None
    # A demo kiosk (config/demo.toml): may run the embedded platform and take the demo
    # staff PIN, and talks only to a platform on this machine.
    demo: bool = False
    # Where a citizen should go when a service is out of service here (docs/out-of-service.md);
    # empty: the branch's counter.
    go_instead_zh: str = Field(default="", max_length=120)
    go_instead_en: str = Field(default="", max_length=200)


class IdleSection(_Section):
    timeout_s: int = Field(default=120, ge=60, le=3600)
    warning_s: int = Field(default=30, ge=30)
    # The done screen (the reference number, the slip printing) stays at least this long
    # and until the slip has printed: Enters pressed on the confirm screen cannot skip it.
    done_min_s: float = Field(default=3, ge=0, le=30)

    @model_validator(mode="after")
    def _warning_before_timeout(self) -> IdleSection:
        if self.warning_s >= self.timeout_s:
            raise ValueError("warning_s must be less than timeout_s")
        return self


class CatalogSection(_Section):
    path: Path


class IdCardSection(_Section):
    # mock: the protocol-faithful reader on a pseudo-terminal, driven by the real driver.
    kind: Literal["mock", "serial"] = "mock"
    deck: Path = DEMO_DECK  # mock: the cards a field tester can place
    pace: bool = True  # mock: answer at the line's real speed (1295 bytes take 112 ms)
    port: str | None = None  # serial: /dev/ttyUSB0, or better a /dev/serial/by-id/... link
    usb: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{4}:[0-9a-fA-F]{4}(:.+)?$")
    baudrate: int = Field(default=115200, ge=1200, le=921600)
    timeout_s: float = Field(default=2.0, gt=0, le=30)  # a card read's answer
    fingerprint: bool = False  # read fingerprints too (30 10) where the SAM allows it

    @model_validator(mode="after")
    def _needs_a_source(self) -> IdCardSection:
        if self.kind == "serial" and not (self.port or self.usb):
            raise ValueError("a serial reader needs port or usb (VID:PID[:SERIAL])")
        return self


class QrSection(_Section):
    # mock: the field-test camera (an image folder in the data folder) through the real
    # pipeline; camera: OpenCV; serial: a line-mode scanner that decodes by itself.
    kind: Literal["mock", "camera", "serial"] = "mock"
    source: str = "0"  # camera: a device index, a video file, or an image folder
    # camera: the kiosk's pipeline, or one decoder alone (for comparison and diagnosis)
    backend: QrBackendName = "pipeline"
    width: int = Field(default=1280, ge=160, le=3840)
    height: int = Field(default=720, ge=120, le=2160)
    port: str | None = None  # serial
    usb: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{4}:[0-9a-fA-F]{4}(:.+)?$")
    baudrate: int = Field(default=9600, ge=1200, le=921600)

    @model_validator(mode="after")
    def _needs_a_port(self) -> QrSection:
        if self.kind == "serial" and not (self.port or self.usb):
            raise ValueError("a serial scanner needs port or usb (VID:PID[:SERIAL])")
        return self


class PrinterSection(_Section):
    # mock: a printer on loopback TCP that answers status queries like a real one, driven
    # by the real driver. Otherwise the connection: net, serial, usb or file (docs/printing.md).
    kind: Literal["mock", "net", "serial", "usb", "file"] = "mock"
    target: str = ""  # net: "192.0.2.10:9100"; serial: "/dev/ttyUSB0@9600"; usb: "04b8:0202"
    paper_mm: Literal[58, 80] = 80
    timeout_s: float = Field(default=2.0, gt=0, le=30)
    native_qr: bool = True  # false for a printer without GS ( k: QR codes go as images

    @model_validator(mode="after")
    def _needs_a_target(self) -> PrinterSection:
        if self.kind != "mock" and not self.target:
            raise ValueError(f"a {self.kind} printer needs a target")
        return self


class CabinetSection(_Section):
    # none: no pickup cabinet (a pickup code sends people to its site); mock: lock boards
    # on a pseudo-terminal that answer byte for byte, driven by the real driver; serial:
    # real boards on one RS-485 line (docs/cabinet.md).
    kind: Literal["none", "mock", "serial"] = "none"
    port: str | None = None  # serial
    usb: str | None = Field(default=None, pattern=r"^[0-9a-fA-F]{4}:[0-9a-fA-F]{4}(:.+)?$")
    baudrate: int = Field(default=9600, ge=1200, le=115200)
    timeout_s: float = Field(default=0.5, gt=0, le=10)  # a board's answer
    # Which way the locks' feedback contact reads (docs/cabinet.md): the common locks
    # short when locked; a cabinet whose doors all read inverted has the other kind.
    feedback: Literal["locked_shorts", "open_shorts"] = "locked_shorts"
    # Board addresses on the line (DIP switches), in the order their compartments are
    # numbered; each drives ``doors`` locks.
    boards: list[int] = Field(default=[1], min_length=1, max_length=32)
    doors: int = Field(default=12, ge=1, le=24)
    rows: int = Field(default=6, ge=1, le=24)  # compartments in a column, top to bottom
    # A letter per lock (S small, M medium, L large), the same on every board; the rest S.
    sizes: str = Field(default="SSSSMMMMSSLL", pattern=r"^[SMLsml]*$", max_length=24)
    close_timeout_s: float = Field(default=60, ge=5, le=600)  # a door left open after this
    uncollected_days: float = Field(default=7, ge=1, le=90)  # staff are shown these
    auto_close_s: float | None = Field(default=None, gt=0, le=600)  # mock: doors shut alone

    @model_validator(mode="after")
    def _needs_a_port(self) -> CabinetSection:
        if self.kind == "serial" and not (self.port or self.usb):
            raise ValueError("a serial cabinet needs port or usb (VID:PID[:SERIAL])")
        if len(set(self.boards)) != len(self.boards):
            raise ValueError("boards: each address once")
        return self


class DevicesSection(_Section):
    idcard: IdCardSection = IdCardSection()
    qr: QrSection = QrSection()
    printer: PrinterSection = PrinterSection()
    cabinet: CabinetSection = CabinetSection()


class PlatformSection(_Section):
    # https://host[:port]; "embedded" (demo kiosks only) starts the reference platform on
    # loopback inside the kiosk process; http:// only to a loopback address. Required:
    # load_config says so naming the key.
    url: str
    # The CA certificate(s) (PEM) the platform's certificate must chain to; empty: the
    # system's trusted CAs. Pins: base64 SHA-256 of the certificate's public key
    # (SubjectPublicKeyInfo, as HPKP's pin-sha256); any one must match. Both https only.
    ca_file: Path | None = None
    pin_sha256: list[str] = []
    sync_interval_s: float = Field(default=10, gt=0, le=3600)
    timeout_s: float = Field(default=5, gt=0, le=120)
    batch_size: int = Field(default=50, ge=1, le=1000)
    # After a failure: wait 2, 4, 8 ... s up to the cap, each with jitter.
    backoff_base_s: float = Field(default=2, gt=0, le=600)
    backoff_cap_s: float = Field(default=300, gt=0, le=3600)
    # While unreachable, ask the platform this often whether it is back.
    probe_interval_s: float = Field(default=5, gt=0, le=600)
    # How often to check for new reference data (catalog, pharmacies, keys).
    reference_interval_s: float = Field(default=300, gt=0, le=86400)
    # Warn staff when the kiosk's clock is further than this from the platform's.
    max_clock_drift_s: float = Field(default=120, gt=0)
    # The platform's public keys for pickup codes: key id -> base64 of the raw 32-byte
    # Ed25519 key. The embedded platform's key is added by itself.
    pickup_keys: dict[str, str] = {}
    # This kiosk's platform credential (docs/deploy.md, "Enrolling a kiosk"). Empty:
    # <data_dir>/platform.token. KIOSK_PLATFORM_TOKEN wins over both. The embedded
    # platform enrols the kiosk itself and needs neither.
    credential_file: Path | None = None

    @model_validator(mode="after")
    def _keys_shape(self) -> PlatformSection:
        try:
            public_keys_from_b64(self.pickup_keys)
        except ValueError as exc:
            raise ValueError(f"pickup_keys: {exc}") from exc
        return self

    @model_validator(mode="after")
    def _backoff_order(self) -> PlatformSection:
        if self.backoff_base_s > self.backoff_cap_s:
            raise ValueError("backoff_base_s must not exceed backoff_cap_s")
        return self

    @field_validator("url")
    @classmethod
    def _url_shape(cls, url: str) -> str:
        if url != EMBEDDED and not url.startswith(("http://", "https://")):
            raise ValueError(f"must be {EMBEDDED!r} or start with https://")
        if url.startswith("http://") and not is_loopback_url(url):
            # Names, ID numbers and the kiosk's bearer token would travel in clear, and
            # anyone on the path could play the platform and have the outbox purged.
            raise ValueError("http:// is refused for a platform off this machine: personal"
                             " data and the credential would travel in clear; use https://"
                             " (docs/security/transport.md)")
        return url

    @field_validator("pin_sha256")
    @classmethod
    def _pin_shape(cls, pins: list[str]) -> list[str]:
        for pin in pins:
            try:
                digest = base64.b64decode(pin, validate=True)
            except ValueError:
                digest = b""
            if len(digest) != 32:
                raise ValueError(f"{pin!r} is not the base64 of a SHA-256 digest (make one:"
                                 " docs/security/transport.md)")
        return pins

    @model_validator(mode="after")
    def _tls_only_for_https(self) -> PlatformSection:
        if (self.ca_file is not None or self.pin_sha256) and not self.url.startswith("https://"):
            raise ValueError("ca_file and pin_sha256 need an https:// url")
        return self


class OutboxSection(_Section):
    # Personal data of acknowledged transactions is erased this long after the
    # platform accepted them; a tombstone (reference, state) stays.
    retention_days: float = Field(default=7, ge=0, le=3650)


class SecuritySection(_Section):
    # Empty: <data_dir>/kiosk.key. The KIOSK_DATA_KEY environment variable wins over both.
    key_file: Path | None = None


class StaffSection(_Section):
    # Salted PBKDF2 hash of the staff PIN (python main.py staff-pin). Empty: no staff screen.
    pin_hash: str = ""
    # The way in without a keyboard: hold the unlabeled bottom-right corner of the status
    # bar this long, then let go. Long enough that no citizen does it by chance.
    long_press_s: float = Field(default=3.0, ge=1.0, le=30.0)

    @model_validator(mode="after")
    def _hash_shape(self) -> StaffSection:
        if self.pin_hash and (problem := pin_hash_problem(self.pin_hash)):
            raise ValueError(f"pin_hash {problem}")
        return self


class SpeechSection(_Section):
    """Spoken prompts (docs/speech.md)."""

    # espeak: espeak-ng (a kiosk without it, or without an audio output, reports so and
    # serves silently); mock: records what would be said, says nothing; auto: espeak-ng
    # when it is installed, else the mock (the demo).
    kind: Literal["espeak", "mock", "auto"] = "espeak"
    program: str = "espeak-ng"
    rate: int = Field(default=160, ge=80, le=450)  # words per minute
    slow_rate: int = Field(default=120, ge=80, le=450)  # in elder mode
    on_for_everyone: bool = False  # read aloud for every visitor, not only on request
    on_in_elder_mode: bool = True  # elder mode turns it on (the visitor may turn it off)
    # Look for a sound card or sound server before speaking; false: always play (an
    # output the check cannot see).
    audio_check: bool = True


class KioskConfig(_Section):
    kiosk: KioskSection
    idle: IdleSection = IdleSection()
    catalog: CatalogSection
    devices: DevicesSection = DevicesSection()
    platform: PlatformSection
    outbox: OutboxSection = OutboxSection()
    security: SecuritySection = SecuritySection()
    staff: StaffSection = StaffSection()
    speech: SpeechSection = SpeechSection()

    @property
    def data_dir(self) -> Path:
        return self.kiosk.data_dir or Path(user_data_dir("gov-kiosk", appauthor=False))

    @property
    def key_file(self) -> Path:
        return self.security.key_file or self.data_dir / "kiosk.key"

    @property
    def credential_file(self) -> Path:
        return self.platform.credential_file or self.data_dir / "platform.token"


def _anchor(path: Path | None, base: Path) -> Path | None:
    if path is None:
        return None
    path = path.expanduser()
    return path if path.is_absolute() else (base / path).resolve()


def load_config(
    path: Path,
    *,
    data_dir: Path | None = None,
    platform_url: str | None = None,
    mock: bool = False,
) -> KioskConfig:
    """Read, validate and apply overrides; raises ConfigError naming file and key."""
    raw = read_toml(path, ConfigError)
    if platform_url is not None:
        raw.setdefault("platform", {})["url"] = platform_url
    platform = raw.get("platform")
    if not isinstance(platform, dict) or "url" not in platform:
        # Never a silent default: a kiosk that fell back to the embedded demo platform
        # reported "online" and purged what it had only sent to itself.
        raise ConfigError(f"{path}: platform.url: required: the platform's https:// address"
                          f" (or {EMBEDDED!r} for the demo platform, with [kiosk] demo = true)")
    config = validate(raw, KioskConfig, path, ConfigError)
    if problem := deployment_problem(config):
        raise ConfigError(f"{path}: {problem}")
    base = path.resolve().parent
    config.kiosk.data_dir = data_dir or _anchor(config.kiosk.data_dir, base)
    config.catalog.path = _anchor(config.catalog.path, base) or config.catalog.path
    config.devices.idcard.deck = _anchor(config.devices.idcard.deck, base) or DEMO_DECK
    config.security.key_file = _anchor(config.security.key_file, base)
    config.platform.credential_file = _anchor(config.platform.credential_file, base)
    config.platform.ca_file = _anchor(config.platform.ca_file, base)
    if config.platform.ca_file is not None and not config.platform.ca_file.is_file():
        raise ConfigError(f"{path}: platform.ca_file: file not found: {config.platform.ca_file}")
    if mock:
        config.devices = DevicesSection(
            idcard=IdCardSection(deck=config.devices.idcard.deck),
            printer=PrinterSection(paper_mm=config.devices.printer.paper_mm),
            cabinet=_mocked_cabinet(config.devices.cabinet),
        )
    return config


def _mocked_cabinet(section: CabinetSection) -> CabinetSection:
    """The same cabinet's layout on the mock boards; none stays none."""
    if section.kind == "none":
        return section
    return section.model_copy(update={"kind": "mock", "port": None, "usb": None})


def is_loopback_url(url: str) -> bool:
    """Whether ``url`` names this machine (127.0.0.0/8, ::1, localhost)."""
    host = (urlsplit(url).hostname or "").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def deployment_problem(config: KioskConfig) -> str | None:
    """What makes a valid config unsafe to run as it says ("key: why"), or None.

    A demo kiosk is said so (``kiosk.demo``) and stays on this machine; only a demo
    kiosk runs the embedded platform or takes the demo staff PIN."""
    url = config.platform.url
    if not config.kiosk.demo:
        if url == EMBEDDED:
            return (f"platform.url: {EMBEDDED!r} is the demo platform inside the kiosk (it"
                    " keeps submissions in its own file and reports them delivered): only"
                    " with [kiosk] demo = true; a deployed kiosk names its platform's"
                    " https:// address")
        if config.staff.pin_hash and verify_pin(DEMO_PIN, config.staff.pin_hash):
            return ("staff.pin_hash: this is the demo staff PIN, published with the demo;"
                    " make your own with: python main.py staff-pin")
    elif url != EMBEDDED and not is_loopback_url(url):
        return ("kiosk.demo: a demo kiosk talks only to the embedded or a loopback platform;"
                " for a real platform set demo = false and a staff PIN of your own"
                " (python main.py staff-pin)")
    return None
