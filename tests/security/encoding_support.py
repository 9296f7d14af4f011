"""Hand-written encoders the injection red-team tests disguise their attacks with."""

from __future__ import annotations

MORSE = {
    "a": ".-", "b": "-...", "c": "-.-.", "d": "-..", "e": ".", "f": "..-.", "g": "--.",
    "h": "....", "i": "..", "j": ".---", "k": "-.-", "l": ".-..", "m": "--", "n": "-.",
    "o": "---", "p": ".--.", "q": "--.-", "r": ".-.", "s": "...", "t": "-", "u": "..-",
    "v": "...-", "w": ".--", "x": "-..-", "y": "-.--", "z": "--..",
}  # fmt: skip
BRAILLE = {
    "a": 0x01, "b": 0x03, "c": 0x09, "d": 0x19, "e": 0x11, "f": 0x0B, "g": 0x1B, "h": 0x13,
    "i": 0x0A, "j": 0x1A, "k": 0x05, "l": 0x07, "m": 0x0D, "n": 0x1D, "o": 0x15, "p": 0x0F,
    "q": 0x1F, "r": 0x17, "s": 0x0E, "t": 0x1E, "u": 0x25, "v": 0x27, "w": 0x3A, "x": 0x2D,
    "y": 0x3D, "z": 0x35, " ": 0x00,
}  # fmt: skip
NATO = {
    "a": "Alfa", "b": "Bravo", "c": "Charlie", "d": "Delta", "e": "Echo", "f": "Foxtrot",
    "g": "Golf", "h": "Hotel", "i": "India", "j": "Juliett", "k": "Kilo", "l": "Lima",
    "m": "Mike", "n": "November", "o": "Oscar", "p": "Papa", "q": "Quebec", "r": "Romeo",
    "s": "Sierra", "t": "Tango", "u": "Uniform", "v": "Victor", "w": "Whiskey", "x": "Xray",
    "y": "Yankee", "z": "Zulu",
}  # fmt: skip
#: the everyday spellings of three ICAO code words
NATO_EVERYDAY = {**NATO, "a": "Alpha", "j": "Juliet", "x": "X-ray"}


def morse(text: str) -> str:
    return " / ".join(" ".join(MORSE[c] for c in w) for w in text.lower().split())


def braille(text: str) -> str:
    return "".join(chr(0x2800 + BRAILLE[c]) for c in text.lower())


def nato(text: str, words: dict[str, str] = NATO) -> str:
    return " ".join(words[c] for c in text.lower() if c.isalpha())
