"""Typed errors of the core, each carrying a message fit to show staff."""


class KioskError(Exception):
    """Base of the core's errors."""


class DataFileError(KioskError):
    """A data file (catalog, card deck) is missing or malformed."""


class ConfigError(KioskError):
    """The configuration is invalid; the message names the file and the key."""


class TransitionError(KioskError):
    """A session step was asked for out of order."""
