"""Public randomness a draw is tied to: a drand beacon round, checked offline.

A drand network (the League of Entropy's "quicknet": many independent organisations,
a threshold of them needed to sign) publishes, every ``period`` seconds, a BLS
signature of its round number. Nobody knows a round's signature before the round's
time, no single member can make it, and anyone checks it with the chain's public key
alone: no network, no trust in whoever passed it on. The randomness of a round is
SHA-256 of its signature.

quicknet's scheme, "bls-unchained-g1-rfc9380": the message is SHA-256 of the round
as 8 bytes big-endian, hashed to G1 (RFC 9380, the DST below); the signature is a
compressed G1 point; the public key a compressed G2 point; the check is
e(signature, g2) == e(H(message), public key).

``TEST_CHAIN`` is the same scheme under a key whose secret is printed in this file:
the demo and the tests draw with it without the internet. Anyone can forge its
beacons, so a record drawn with it says ``"test": true`` and ``verify-draw`` refuses
it unless told it is looking at a test.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from py_arkworks_bls12381 import GT, G1Point, G2Point, Scalar

SCHEME = "bls-unchained-g1-rfc9380"
DST = b"BLS_SIG_BLS12381G1_XMD:SHA-256_SSWU_RO_NUL_"


class BeaconError(ValueError):
    """A beacon that does not check out, or a chain nobody here knows."""


@dataclass(frozen=True, slots=True)
class Chain:
    name: str
    hash: str  # drand's chain hash (hex): what a record names the chain by
    public_key: str  # compressed G2 point, hex
    genesis_time: int  # unix seconds of round 1
    period: int  # seconds between rounds
    scheme: str = SCHEME
    test: bool = False  # a chain whose signing key is public: never for a real draw

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def round_time(self, number: int) -> datetime:
        """When round ``number`` is published (not before)."""
        return datetime.fromtimestamp(self.genesis_time + (number - 1) * self.period, UTC)

    def round_at(self, moment: datetime) -> int:
        """The latest round published at ``moment`` (0 before genesis)."""
        elapsed = int(moment.timestamp()) - self.genesis_time
        return 0 if elapsed < 0 else elapsed // self.period + 1


QUICKNET = Chain(
    name="quicknet",
    hash="52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971",
    public_key="83cf0f2896adee7eb8b5f01fcad3912212c437e0073e911fb90022d3e760183c8c4b450b"
               "6a0a6c3ac6a5776a2d1064510d1fec758c921cc22b0e17e63aaf4bcb5ed66304de9cf809bd"
               "274ca73bab4af5a6e9c76a4bc09e76eae8991ef5ece45a",
    genesis_time=1692803367, period=3)

# The demo's local beacon. Its secret is public on purpose: NOT FOR REAL DRAWS.
TEST_SECRET = int.from_bytes(hashlib.sha256(
    b"gov-kiosk test beacon: public secret, not for real draws").digest(), "big") % (
    0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001)
_TEST_KEY = (G2Point() * Scalar(TEST_SECRET)).to_compressed_bytes().hex()
TEST_CHAIN = Chain(
    name="test", hash=hashlib.sha256(b"gov-kiosk test chain/" + _TEST_KEY.encode()).hexdigest(),
    public_key=_TEST_KEY, genesis_time=1577836800, period=3, test=True)  # 2020-01-01

KNOWN = {chain.name: chain for chain in (QUICKNET, TEST_CHAIN)}


def chain_named(name: str) -> Chain:
    """A chain by its name or its hash."""
    for chain in KNOWN.values():
        if name in (chain.name, chain.hash):
            return chain
    raise BeaconError(f"unknown beacon chain {name!r}: known are {', '.join(KNOWN)}")


def known_chain(raw: dict[str, Any]) -> Chain:
    """The chain a record names, as this program knows it: a record that carries other
    parameters under a known hash (another key, say) is refused."""
    chain = chain_named(str(raw.get("hash", "")))
    if chain.to_json() != raw:
        raise BeaconError(f"the record's parameters for chain {chain.name} are not the"
                          " chain's published ones")
    return chain


def _message(number: int) -> G1Point:
    return G1Point.hash_to_curve(hashlib.sha256(number.to_bytes(8, "big")).digest(), DST)


def verify_beacon(chain: Chain, number: int, signature: str) -> str:
    """The round's randomness (hex) if ``signature`` is the chain's for ``number``."""
    if chain.scheme != SCHEME:
        raise BeaconError(f"scheme {chain.scheme!r} is not supported")
    try:
        point = G1Point.from_compressed_bytes(bytes.fromhex(signature))
        key = G2Point.from_compressed_bytes(bytes.fromhex(chain.public_key))
        valid = GT.pairing_check([point, _message(number)], [-G2Point(), key])
    except (ValueError, TypeError) as exc:  # odd hex, wrong length, not a point
        raise BeaconError(f"round {number}: not a signature ({type(exc).__name__})") from exc
    if not valid:
        raise BeaconError(f"round {number}: the signature is not chain {chain.name}'s")
    return hashlib.sha256(bytes.fromhex(signature)).hexdigest()


def sign_test_round(number: int) -> str:
    """The test chain's beacon for a round: what the demo platform reveals by itself."""
    return (_message(number) * Scalar(TEST_SECRET)).to_compressed_bytes().hex()
