"""Rules for making the model build a beacon or emit active script: a URL left open for the
conversation to be filled in, a ``javascript:`` link, script markup asked for in the answer.

``exfiltration_markup`` (``guards.rules.extraction``) sees a finished URL that carries data. An
attacker can leave the URL unfinished instead and have the *model* complete it: a placeholder in
the query ("…/logo.png?q=[DATA], where [DATA] is a summary of our conversation"), or an empty
parameter followed by "append a summary of the chat". The URL may be split into pieces to glue
together ("concatenate these strings"); ``guards.ciphers.spelled_out`` glues them back and the
detector scans the result with these same rules.
"""

from __future__ import annotations

import re

from guards.rules._base import Rule, Scan, any_pattern, compile_all
from guards.rules.markup import HTML_SCRIPT_PATTERNS

# A template slot: [DATA], {info}, <summary>, $SECRET (lower-cased by normalisation).
_SLOT = r"(?:\[[a-z_ -]{1,24}\]|\{[a-z_ -]{1,24}\}|<[a-z_ -]{1,24}>|\$[a-z_]{2,24})"
# What the slot is filled with: the conversation or something private, not "42".
_PRIVATE = (
    r"(?:summary|conversation|chat|history|previous|prior|last|earlier|message|messages"
    r"|e-?mails?|passwords?|secrets?|tokens?|credentials?|keys?|codes?|personal|address|phone"
    r"|names?|numbers|data|details|information)"
)
# Filling the slot: "replace [DATA] with …", "[DATA] is a summary of …", "where {x} = …".
_FILL = re.compile(
    rf"\b(?:replace|substitute|fill\s+in|fill|populate|swap\s+out|swap)\s+(?:the\s+)?"
    rf"(?:placeholder\s+)?(?:text\s+)?(?P<a>{_SLOT})\s+(?:with|by|for)\b"
    rf"|(?P<b>{_SLOT})\s+(?:is|are|=|means|stands\s+for|should\s+be|will\s+be|contains|holds)\s"
    rf"(?=[^.!?\n]{{0,100}}?\b{_PRIVATE}\b)"
)
_FILLED_WITH_PRIVATE = re.compile(rf"[^.!?]{{0,100}}?\b{_PRIVATE}\b")
# What a URL carries once filled: the slot right after "=", "/" or "?" (a quote may sit between).
_URL_SLOT = "[=/?][\"'\\s]*{slot}"

_CONVERSATION = (
    r"(?:conversation|chat|history|previous\s+(?:message|messages|answer|question|prompt)"
    r"|(?:last|prior|earlier)\s+(?:message|messages|answer|question|prompt)|this\s+page|the\s+page"
    r"|passwords?|secrets?|api\s+keys?|credentials|e-?mail\s+address(?:es)?|our\s+discussion)"
)
# An open parameter ("?q=" at the end of a URL) and an order to append the conversation to it.
_OPEN_PARAMETER = re.compile(r"https?://\S{1,300}?[?&][\w.-]{1,30}=(?=[\s\"')\]]|$)")
APPEND_CONVERSATION_PATTERNS = compile_all(
    r"\b(?:append|add|attach|concatenate|put|insert|include|followed\s+by)\b[^.!?\n]{0,80}?"
    r"\b(?:summary|contents?"
    rf"|text|copy|transcript)\s+of\b[^.!?\n]{{0,60}}?\b{_CONVERSATION}",
    rf"\b(?:append|add|attach|concatenate|insert|include)\s+(?:all\s+|any\s+|the\s+)?{_CONVERSATION}",
)
_appends_conversation = any_pattern(*APPEND_CONVERSATION_PATTERNS)


def _exfiltration_template(scan: Scan) -> bool:
    """A placeholder in a URL slot the text says how to fill, or an open URL parameter and an
    order to append the conversation to it."""
    text = scan.text
    for match in _FILL.finditer(text):
        if match.group("a") and not _FILLED_WITH_PRIVATE.match(text, match.end()):
            continue
        slot = re.escape(match.group("a") or match.group("b"))
        if re.search(_URL_SLOT.format(slot=slot), text):
            return True
    return _OPEN_PARAMETER.search(text) is not None and _appends_conversation(scan)


# A markdown link or image whose target runs script when followed or rendered.
SCRIPT_LINK_PATTERNS = compile_all(
    r"\]\(\s*<?\s*(?:javascript|vbscript|livescript)\s*:",
    r"\]\(\s*<?\s*data\s*:\s*text/html",
    r"(?:^|\n)[ \t]{0,3}\[[^\]\n]{1,100}\]:\s*<?\s*(?:javascript|vbscript)\s*:",
)

# Script markup the text wants in the model's answer ("include '<script>…' in your output").
_INTO_OUTPUT = re.compile(
    r"\b(?:in|into|to|within)\s+(?:your|the)\s+(?:output|response|answer|reply|html|markdown)\b"
    r"|\bso\s+(?:that\s+)?it\s+renders\b|\bto\s+ensure\s+it\s+renders\b"
)


def _script_output(scan: Scan) -> bool:
    text = scan.text
    return _INTO_OUTPUT.search(text) is not None and any(
        p.search(text) for p in HTML_SCRIPT_PATTERNS
    )


RULES = (
    Rule("exfiltration_template", 0.75, _exfiltration_template),
    Rule("script_link", 0.6, any_pattern(*SCRIPT_LINK_PATTERNS)),
    # with html_script (0.4) that is 0.7: script markup alone is a developer's question
    Rule("script_output", 0.35, _script_output),
)
