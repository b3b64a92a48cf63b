"""offline_cache.sealing: AES-GCM sealing of personal data at rest, and the data key."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest

from offline_cache.sealing import ENV_KEY, DataCipher, DataKeyError, SealError, key_id, load_cipher

PLAIN = "张三 310104198506121230 13812341234".encode()
RECORD = b"record-0001"
OLD_KEY, NEW_KEY = bytes(range(32)), bytes(range(100, 132))


@pytest.fixture(autouse=True)
def no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_KEY, raising=False)


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def write_key(path: Path, key: bytes, mode: int = 0o600) -> Path:
    path.write_text(b64(key) + "\n")
    path.chmod(mode)
    return path


# -- sealing ------------------------------------------------------------------------------------


def test_seal_open_round_trip() -> None:
    cipher = DataCipher([NEW_KEY])
    sealed = cipher.seal(PLAIN, RECORD)
    assert PLAIN not in sealed
    assert cipher.open(sealed, RECORD) == PLAIN


def test_empty_plaintext_round_trip() -> None:
    cipher = DataCipher([NEW_KEY])
    assert cipher.open(cipher.seal(b"", RECORD), RECORD) == b""


def test_each_seal_uses_a_fresh_nonce() -> None:
    cipher = DataCipher([NEW_KEY])
    first, second = cipher.seal(PLAIN, RECORD), cipher.seal(PLAIN, RECORD)
    assert first != second
    assert cipher.open(first, RECORD) == cipher.open(second, RECORD) == PLAIN


def test_a_value_sealed_for_one_record_does_not_open_for_another() -> None:
    cipher = DataCipher([NEW_KEY])
    sealed = cipher.seal(PLAIN, b"record-0001")
    with pytest.raises(SealError):
        cipher.open(sealed, b"record-0002")
    with pytest.raises(SealError):
        cipher.open(sealed, b"")


def test_any_flipped_byte_is_detected() -> None:
    cipher = DataCipher([NEW_KEY])
    sealed = cipher.seal(PLAIN, RECORD)
    for index in range(len(sealed)):
        damaged = bytearray(sealed)
        damaged[index] ^= 0x01
        with pytest.raises(SealError):
            cipher.open(bytes(damaged), RECORD)


@pytest.mark.parametrize("cut", [1, 16, 33])
def test_truncated_values_are_refused(cut: int) -> None:
    cipher = DataCipher([NEW_KEY])
    sealed = cipher.seal(PLAIN, RECORD)
    with pytest.raises(SealError):
        cipher.open(sealed[:cut], RECORD)
    with pytest.raises(SealError):
        cipher.open(sealed[:-cut], RECORD)


def test_garbage_is_refused() -> None:
    with pytest.raises(SealError):
        DataCipher([NEW_KEY]).open(b"", RECORD)
    with pytest.raises(SealError):
        DataCipher([NEW_KEY]).open(PLAIN, RECORD)


def test_another_key_cannot_open() -> None:
    sealed = DataCipher([OLD_KEY]).seal(PLAIN, RECORD)
    with pytest.raises(SealError, match="does not hold"):
        DataCipher([NEW_KEY]).open(sealed, RECORD)


@pytest.mark.parametrize("keys", [[], [b"short"], [NEW_KEY, bytes(31)], [bytes(33)]])
def test_keys_must_be_32_bytes(keys: list[bytes]) -> None:
    with pytest.raises(DataKeyError):
        DataCipher(keys)


# -- rotation -----------------------------------------------------------------------------------


def test_rotated_cipher_opens_old_values_and_seals_with_the_new_key() -> None:
    sealed_old = DataCipher([OLD_KEY]).seal(PLAIN, RECORD)
    rotated = DataCipher([NEW_KEY, OLD_KEY])
    assert rotated.open(sealed_old, RECORD) == PLAIN

    sealed_new = rotated.seal(PLAIN, RECORD)
    assert sealed_new[1:5] == key_id(NEW_KEY)
    assert DataCipher([NEW_KEY]).open(sealed_new, RECORD) == PLAIN
    with pytest.raises(SealError):
        DataCipher([OLD_KEY]).open(sealed_new, RECORD)


# -- load_cipher --------------------------------------------------------------------------------


def test_missing_key_file_is_created_0600_and_reused(tmp_path: Path) -> None:
    key_file = tmp_path / "keys" / "data.key"
    first = load_cipher(key_file)
    assert key_file.exists()
    assert mode_of(key_file) == 0o600
    assert len(base64.b64decode(key_file.read_text().strip(), validate=True)) == 32

    sealed = first.seal(PLAIN, RECORD)
    assert load_cipher(key_file).open(sealed, RECORD) == PLAIN


def test_key_file_created_0600_whatever_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        load_cipher(tmp_path / "data.key")
    finally:
        os.umask(previous)
    assert mode_of(tmp_path / "data.key") == 0o600


def test_existing_key_file_is_used(tmp_path: Path) -> None:
    key_file = write_key(tmp_path / "data.key", NEW_KEY)
    sealed = DataCipher([NEW_KEY]).seal(PLAIN, RECORD)
    assert load_cipher(key_file).open(sealed, RECORD) == PLAIN


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o666])
def test_key_file_readable_by_others_is_refused(tmp_path: Path, mode: int) -> None:
    key_file = write_key(tmp_path / "data.key", NEW_KEY, mode)
    with pytest.raises(DataKeyError) as info:
        load_cipher(key_file)
    assert str(key_file) in str(info.value)
    assert "600" in str(info.value)


@pytest.mark.parametrize("content", [b64(bytes(31)), b64(bytes(64)), "not base64!", ""])
def test_key_file_with_a_bad_key_is_refused(tmp_path: Path, content: str) -> None:
    key_file = tmp_path / "data.key"
    key_file.write_text(content)
    key_file.chmod(0o600)
    with pytest.raises(DataKeyError) as info:
        load_cipher(key_file)
    assert str(key_file) in str(info.value)


def test_env_key_wins_and_no_file_is_created(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_KEY, b64(NEW_KEY))
    key_file = tmp_path / "data.key"
    cipher = load_cipher(key_file)
    assert not key_file.exists()
    assert cipher.open(DataCipher([NEW_KEY]).seal(PLAIN, RECORD), RECORD) == PLAIN


def test_env_key_wins_over_an_existing_file(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    key_file = write_key(tmp_path / "data.key", OLD_KEY)
    monkeypatch.setenv(ENV_KEY, b64(NEW_KEY))
    sealed = load_cipher(key_file).seal(PLAIN, RECORD)
    assert sealed[1:5] == key_id(NEW_KEY)


@pytest.mark.parametrize("value", [b64(bytes(16)), b64(bytes(33)), "%%%not-base64%%%"])
def test_env_key_must_be_32_bytes_of_base64(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            value: str) -> None:
    monkeypatch.setenv(ENV_KEY, value)
    with pytest.raises(DataKeyError, match=ENV_KEY):
        load_cipher(tmp_path / "data.key")


def test_old_keys_file_allows_rotation(tmp_path: Path) -> None:
    key_file = write_key(tmp_path / "data.key", NEW_KEY)
    older = bytes(range(200, 232))
    old_file = tmp_path / "data.key.old"
    old_file.write_text(f"{b64(OLD_KEY)}\n{b64(older)}\n")
    old_file.chmod(0o600)

    cipher = load_cipher(key_file)
    for key in (OLD_KEY, older):
        assert cipher.open(DataCipher([key]).seal(PLAIN, RECORD), RECORD) == PLAIN
    assert cipher.seal(PLAIN, RECORD)[1:5] == key_id(NEW_KEY)


def test_bad_line_in_old_keys_file_names_the_file(tmp_path: Path) -> None:
    key_file = write_key(tmp_path / "data.key", NEW_KEY)
    old_file = tmp_path / "data.key.old"
    old_file.write_text(b64(bytes(8)) + "\n")
    old_file.chmod(0o600)
    with pytest.raises(DataKeyError) as info:
        load_cipher(key_file)
    assert str(old_file) in str(info.value)


def test_old_keys_file_readable_by_others_is_refused(tmp_path: Path) -> None:
    key_file = write_key(tmp_path / "data.key", NEW_KEY)
    old_file = tmp_path / "data.key.old"
    old_file.write_text(b64(OLD_KEY) + "\n")
    old_file.chmod(0o644)
    with pytest.raises(DataKeyError):
        load_cipher(key_file)
