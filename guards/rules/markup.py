"""Rules for structure forged inside the text: chat-template tokens, fake turns and system
notes, fake end-of-prompt delimiters, active HTML, and markup that hides text from the reader.

A user or a document has no business emitting ``<|im_start|>system``: the model's chat template
gives those tokens authority, which is exactly what the attacker wants to borrow.
"""

from __future__ import annotations

from guards.hiding import HIDING_DECLARATION, css_unescape
from guards.rules._base import Rule, Scan, any_pattern, compile_all

ROLE_TOKEN_PATTERNS = compile_all(
    r"<\|\s*(?:im_start|im_end|im_sep|endoftext|system|user|assistant|end|eot_id|start_header_id"
    r"|end_header_id|begin_of_text|eom_id|fim_prefix)\s*\|>",
    r"\[/?inst\]",
    r"<<\s*/?sys\s*>>",
    r"<\s*/?(?:start_of_turn|end_of_turn)\s*>",
    r"</?\s*(?:system|system_prompt|sys)\s*>",
)

FAKE_TURN_PATTERNS = compile_all(
    # after a line break, the blanks of that line only: ``\s*`` ran over every following blank
    # line from each break, quadratic on a text of newlines (the next break matches instead)
    r"(?:^|\n)[^\S\n]*(?<!#)#{2,}+\s*(?:system|instructions?|assistant|response|human|admin"
    r"|developer)\s*:",
    r"(?:^|\n|[.!?\"'“”:]\s)[^\S\n]*(?:system|assistant|ai)\s*:\s*\S",
    r"\[\s*(?:system|admin|developer|sys)\s*(?:note|message|prompt|override|instruction|update)?\s*"
    r"[:\]]",
    r"\(\s*(?:system|admin|developer)\s+(?:note|message|override|instruction)\s*[:)]",
    r"\b(?:system|admin|developer)\s+(?:override|notice|message)\s*:",
)

FAKE_DELIMITER_PATTERNS = compile_all(
    # runs are tried from their first character only, and whole (not quadratic on "====…")
    r"(?:%%%|(?<!=)={3,}+|(?<!-)-{3,}+|(?<!\*)\*{3,}+|(?<!#)#{3,}+|\[\[|<<<|>>>)\s*+"
    r"(?:end|begin|start|stop)\b",
    r"\b(?:end|begin|start)\s+(?:of\s+)?(?:the\s+)?(?:user\s+)?(?:input|ambiguity|access\s+code"
    r"|system\s+prompt|prompt|instructions)\s*(?:%%%|={3,}|-{3,}|#{2,}|\]|>>>|\n)",
    r"</\s*(?:instructions?|context|document|user_input|user|prompt|data)\s*>",
)

HTML_SCRIPT_PATTERNS = compile_all(
    r"<\s*script\b",
    r"\bjavascript\s*:",
    r"<[^>]{0,200}?\bon(?:error|load|click|mouseover|focus)\s*=",
    r"<\s*(?:iframe|object|embed)\b",
)

HIDDEN_MARKUP_PATTERNS = compile_all(
    rf"\bstyle\s*=\s*[\"']?[^\"'>]{{0,300}}?(?:{HIDING_DECLARATION})",
    rf"<style\b[^>]{{0,100}}>[^<]{{0,2000}}?(?:{HIDING_DECLARATION})",
    r"<[a-z][a-z0-9]{0,15}\s[^<>]{0,300}?(?:\bhidden\b|aria-hidden\s*=\s*[\"']?true)",
    r"<details\b(?![^<>]{0,200}\bopen\b)",
)
_hidden_markup_text = any_pattern(*HIDDEN_MARKUP_PATTERNS)


def _hidden_markup(scan: Scan) -> bool:
    """Text hidden from a human reader by markup is written for a model. CSS escapes
    (``d\\69splay: none``) are resolved first."""
    if _hidden_markup_text(scan):
        return True
    if "\\" not in scan.text:
        return False
    unescaped = css_unescape(scan.text).lower()
    return any(p.search(unescaped) for p in HIDDEN_MARKUP_PATTERNS)


RULES = (
    Rule("role_tokens", 0.75, any_pattern(*ROLE_TOKEN_PATTERNS)),
    Rule("fake_turn", 0.45, any_pattern(*FAKE_TURN_PATTERNS)),
    Rule("fake_delimiter", 0.4, any_pattern(*FAKE_DELIMITER_PATTERNS)),
    Rule("html_script", 0.4, any_pattern(*HTML_SCRIPT_PATTERNS)),
    Rule("hidden_markup", 0.5, _hidden_markup),
)
