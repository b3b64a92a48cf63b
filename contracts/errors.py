"""Typed errors shared by the kiosk and the platform, each with a message fit to show staff
(never a personal value)."""


class KioskError(Exception):
    """Base of the core's errors."""


class DataFileError(KioskError):
    """A data file (catalog, card deck) is missing or malformed."""


class ConfigError(KioskError):
    """The configuration is invalid; the message names the file and the key."""


class TransitionError(KioskError):
    """A session step was asked for out of order."""


class CodeError(KioskError):
    """Why a scanned code was not accepted; ``key`` names the i18n message."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key
