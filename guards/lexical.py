"""Cheap lexical cues of an instruction, five numbers per window of the learned signal.

An embedding says what a sentence is *about*; whether it *tells the reader to do* something is
carried by a few surface cues the embedding dilutes: a window that opens with a verb in the
imperative ("Recommend a good book", "Begin your reply with a haiku") or with a question put to
the reader, address in the second person, the phrases that redirect a task ("instead", "reply
with", "in your answer"), and how much of the text is letters at all (a table row or a code
line is mostly not; the windows the classifier was over-confident on were such rows). Each cue
is in [0, 1].
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

LEXICAL = 5
"""Columns of ``cues``: imperative opening, question opening (each a share of the openings
``_OPENING`` finds), second person, task-redirection phrases, letters."""

_IMPERATIVE = frozenset(
    """act add adopt advertise advise analyse analyze anagram answer append ask assume attach
    avoid begin build calculate call capitalise capitalize change check choose cite claim
    classify click compare compose conclude continue convert copy count craft create debug
    define delete describe design detail develop discuss disregard do don't download draft
    elaborate email embed emphasise emphasize encode encourage end enhance ensure estimate
    explain express fill find finish fix follow forget format forward generate give go help
    highlight identify ignore illustrate imagine implement include incorporate inform insert
    integrate introduce invite keep let limit list make mention modify name note offer open
    outline output paraphrase paste pay please post predict prepend present pretend print
    promote propose provide put read recommend redirect refer remember remind remove rename
    repeat rephrase replace reply respond restrict return reverse rewrite run say send share
    shorten show sign solve sort spell spread start state stop substitute suggest summarise
    summarize switch talk tell thank transform translate try type update urge use visit warn
    write""".split()  # noqa: SIM905
)
"""Verbs a task opens with; a sentence opening with one (after a filler) reads as a command
(a word list, split: easier to read and extend than a list literal)."""
_FILLER = frozenset(
    {"also", "and", "but", "first", "finally", "just", "kindly", "now", "so", "then"}
)
_WORD = re.compile(r"[a-z']+")
_OPENING = re.compile(r"(?:^|[.!?:;]\s+)([^.!?:;]*[.!?:;]?)")
"""A window's opening sentence with its end mark. Each match takes the end mark with it, so a
later sentence is found only after a doubled mark ("Really?! Then…"): in effect the cues read
the window's *first* sentence, which is how v5 was trained (every sentence but a text's last
opens a window of its own, so none goes unread). A splitter that finds every sentence is a
different feature: it needs a retraining."""
_SECOND_PERSON = re.compile(r"\b(?:you|your|yours|yourself|yourselves)\b")
_REDIRECT = re.compile(
    r"\b(?:instead|rather than|reply with|respond with|answer with|begin (?:your|the|each)"
    r"|start (?:your|the|each)|end (?:your|the|each)|in your (?:reply|response|answer|output)"
    r"|make sure|be sure to|don't forget|do not forget|at the (?:end|beginning|start) of"
    r"|regardless of|no matter what|from now on|before (?:answering|responding|you answer))\b"
)


def _imperative(sentence: str) -> bool:
    """Whether the sentence opens (after fillers such as "also", "now") with a task verb."""
    for word in _WORD.findall(sentence.lower())[:3]:
        if word not in _FILLER:
            return word in _IMPERATIVE
    return False


def cues(window: str) -> list[float]:
    """The ``LEXICAL`` cues of one window."""
    lower = window.lower()
    words = max(1, len(_WORD.findall(lower)))
    openings = [o for o in _OPENING.findall(window) if o.strip()] or [window]
    visible = [c for c in window if not c.isspace()]
    return [
        sum(map(_imperative, openings)) / len(openings),
        sum(o.rstrip().endswith("?") for o in openings) / len(openings),
        min(1.0, 10 * len(_SECOND_PERSON.findall(lower)) / words),
        min(1.0, len(_REDIRECT.findall(lower)) / 2),
        sum(c.isalpha() for c in visible) / max(1, len(visible)),
    ]


def cue_rows(windows: Sequence[str]) -> npt.NDArray[np.float64]:
    """``cues`` of every window, one row each."""
    out: npt.NDArray[np.float64] = np.asarray([cues(w) for w in windows], dtype=np.float64).reshape(
        len(windows), LEXICAL
    )
    return out
