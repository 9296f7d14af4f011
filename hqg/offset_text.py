"""Text derived from an original string, with a map from every derived character back to it.

Detection (PII, injection, egress) runs on a derived text: markup removed, invisible characters
dropped, compatibility forms folded. What is found there must land on the ORIGINAL characters,
which are what is stored, spliced and served. Each derived character therefore records the
``[start, end)`` range of the original it came from; stages compose, so a chain of rewrites
still maps straight back to the stored text. An inserted character (a space that splits
``JohnSmith``) has an empty range at the position of what follows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hqg.errors import PrivacyError


@dataclass(frozen=True, slots=True)
class OffsetText:
    """A derived text plus, for each of its characters, the original range it came from."""

    text: str
    original_length: int
    #: tuples, or ``range``s for an identity map (built per text per stage: no per-char list)
    origin_start: Sequence[int]
    origin_end: Sequence[int]
    #: the text is the original, character for character (composition skips the map)
    unchanged: bool = False

    @classmethod
    def identity(cls, text: str) -> OffsetText:
        return cls(text, len(text), range(len(text)), range(1, len(text) + 1), unchanged=True)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """The smallest original range covering ``text[start:end]``.

        A range that starts or ends inside an expansion (``ﬁ`` → ``fi``, ``&#64;`` → ``@``)
        widens to the whole original piece, and characters removed between two kept ones
        (``Jo<ZWSP>hn``) fall inside: masking more is the safe direction.
        """
        if not 0 <= start < end <= len(self.text):
            raise PrivacyError("span offsets fall outside the normalised text")
        return self.origin_start[start], max(self.origin_end[end - 1], self.origin_start[start])

    def then(self, later: OffsetText) -> OffsetText:
        """Compose: ``later`` was derived from ``self.text``; map it to ``self``'s original."""
        if later.original_length != len(self.text):
            raise PrivacyError("offset maps do not chain")
        if later.unchanged:
            return self
        if self.unchanged:
            return later
        starts: list[int] = []
        ends: list[int] = []
        for begin, stop in zip(later.origin_start, later.origin_end, strict=True):
            start = self.origin_start[begin] if begin < len(self.text) else self.original_length
            end = self.origin_end[stop - 1] if stop > begin else start
            starts.append(start)
            ends.append(max(start, end))
        return OffsetText(later.text, self.original_length, tuple(starts), tuple(ends))


class OffsetBuilder:
    """Builds an ``OffsetText`` piece by piece: each emitted string comes from one source range."""

    def __init__(self, source: str) -> None:
        self._length = len(source)
        self._parts: list[str] = []
        self._starts: list[int] = []
        self._ends: list[int] = []

    def emit(self, piece: str, start: int, end: int) -> None:
        """``piece`` stands for ``source[start:end]`` (empty range: an insertion at ``start``)."""
        if piece:
            self._parts.append(piece)
            self._starts.extend([start] * len(piece))
            self._ends.extend([end] * len(piece))

    def keep(self, source: str, start: int, end: int) -> None:
        """Copy ``source[start:end]`` unchanged, one character to one character."""
        if end > start:
            self._parts.append(source[start:end])
            self._starts.extend(range(start, end))
            self._ends.extend(range(start + 1, end + 1))

    def build(self) -> OffsetText:
        return OffsetText(
            "".join(self._parts), self._length, tuple(self._starts), tuple(self._ends)
        )
