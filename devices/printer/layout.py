"""Line layout by display width: a Han character takes two columns on a thermal printer."""

from __future__ import annotations

import unicodedata

# Font A columns per paper width.
COLUMNS = {58: 32, 80: 48}


def char_width(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def display_width(text: str) -> int:
    return sum(char_width(c) for c in text)


def wrap(text: str, columns: int) -> list[str]:
    """Break ``text`` into lines of at most ``columns`` display columns; nothing is dropped.

    Breaks at spaces where a Latin word allows it, anywhere between Han characters.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, width = "", 0
        for word in _tokens(paragraph):
            w = display_width(word)
            if width + w > columns and line:
                lines.append(line.rstrip())
                line, width = "", 0
                if word == " ":
                    continue
            while w > columns:  # a token longer than a line: hard-split it
                head, rest = _split_at(word, columns - width)
                lines.append(line + head)
                line, width, word = "", 0, rest
                w = display_width(word)
            line += word
            width += w
        lines.append(line.rstrip())
    return lines


def _tokens(text: str) -> list[str]:
    """Latin words and spaces stay whole; each wide character is its own token."""
    tokens: list[str] = []
    word = ""
    for ch in text:
        if ch == " " or char_width(ch) == 2:
            if word:
                tokens.append(word)
                word = ""
            tokens.append(ch)
        else:
            word += ch
    if word:
        tokens.append(word)
    return tokens


def _split_at(word: str, columns: int) -> tuple[str, str]:
    width = 0
    for i, ch in enumerate(word):
        width += char_width(ch)
        if width > columns:
            return word[: max(i, 1)], word[max(i, 1) :]
    return word, ""
