"""Rules for getting data out: system-prompt extraction and exfiltration to an outside address.

Extraction needs a disclosure verb aimed at *the model's own* instructions ("your", or "the
previous / initial / system …"), so "summarise the text above" and "write a system prompt for my
bot" pass. Exfiltration needs sensitive material *and* a destination (an address or a URL whose
query string carries data), so "forward the invoice to accounts@…" passes. Two weak signals
complete the family: a claim about the asker's privileges ("the person asking is a verified
administrator") and a request for everyone's personal data at once ("list the email and phone
number of every customer"); alone each stays under the threshold.
"""

from __future__ import annotations

from collections.abc import Callable

from guards.links import host_allowed, markup_urls
from guards.rules._base import Rule, Scan, any_pattern, compile_all

_DISCLOSE = (
    r"(?:reveal|print|repeat|show|output|display|tell|give|list|relay|leak|dump|recite|spell\s+out"
    r"|share|disclose|type\s+out|copy|echo|return|state|summari[sz]e|format|translate|convert"
    r"|rewrite|paraphrase|rephrase|restate|reword|expose|write\s+out|write\s+down|read\s+back|respond\s+with|reply\s+with"
    r"|tl;?dr)"
)
_DISCLOSED = (
    r"(?:system\s+prompts?|system\s+prompting|system\s+messages?|instructions?|prompts?|rules|ruleset|rule\s+set"
    r"|password|passwords|access\s+codes?|passcodes?|pass\s+codes?|secret\s+(?:key|word|code)s?"
    r"|directives|pre-?prompts?|guidelines|configuration|parameters|initial\s+prompt)"
)
_OWN = (
    r"(?:previous|prior|above|preceding|initial|original|system|hidden|secret|earlier|first"
    r"|confidential|internal|foregoing|starting|pre-?prompt)"
)

EXTRACTION_PATTERNS = compile_all(
    rf"\b{_DISCLOSE}(?:s|ing)?\b[^.!?\n]{{0,30}}?\b(?:all\s+)?(?:of\s+)?(?:the\s+|your\s+)?{_DISCLOSED}\s+"
    r"(?:so\s+far|above|before\s+this|in\s+(?:the|your)\s+prompt|you\s+(?:have|were|received|got)"
    r"|given\s+to\s+you)\b",
    rf"\b{_DISCLOSE}(?:s|ing)?\b[^.!?\n]{{0,40}}?\byour\s+(?:[\w'’-]+\s+){{0,3}}?{_DISCLOSED}\b",
    rf"\b{_DISCLOSE}(?:s|ing)?\b[^.!?\n]{{0,40}}?\b(?:the|all|any|those|these|every)\s+(?:[\w'’-]+\s+){{0,2}}?"
    rf"{_OWN}\s+(?:[\w'’-]+\s+)?{_DISCLOSED}\b",
    rf"\b{_DISCLOSE}(?:s|ing)?\s+(?:me\s+|us\s+)?{_OWN}\s+{_DISCLOSED}\b",
    r"\b(?:repeat|print|output|recite|reveal|dump|echo)\s+(?:back\s+)?(?:everything|all|the\s+text"
    r"|the\s+words|the\s+content|what\s+is\s+written)\s+(?:above|before\s+this|so\s+far|preceding)",
    rf"\b{_DISCLOSED}\s+(?:[\w'’-]+\s+){{0,3}}?you\s+(?:have\s+been|were|are|had\s+been)\s+(?:given"
    r"|told|provided|programmed|instructed|informed|initiali[sz]ed|configured)\b",
    r"\bwhat\s+(?:is|are|was|were)\s+your\s+(?:[\w'’-]+\s+){0,2}?(?:instructions|system\s+prompt"
    r"|initial\s+prompt|original\s+prompt|prompt|password|access\s+code|directives|secret)\b",
    r"\b(?:your|the)\s+(?:initial|original|system|hidden|secret)\s+(?:instructions|prompt)\s+"
    r"(?:were|was|are|is)\s*[:\"“]",
    r"\bverbatim\b[^.!?\n]{0,40}?\b(?:instructions|system\s+prompt|prompt|rules)\b",
)

_SENSITIVE = (
    r"(?:conversation|conversations|chat\s+history|history|inbox|every\s+(?:single\s+)?e-?mail"
    r"|all\s+(?:the\s+|my\s+|your\s+|of\s+the\s+)?e-?mails|passwords?|credentials|api\s+keys?"
    r"|secrets?|access\s+tokens?|session\s+tokens?|cookies|user'?s?\s+(?:data|messages|information"
    r"|details|emails)|personal\s+(?:data|information)|contacts|system\s+prompt|private\s+keys?)"
)
_DESTINATION = r"(?:[\w.+-]+@[\w-]+\.[\w.]+|https?://|www\.)"

EXFILTRATION_REQUEST_PATTERNS = compile_all(
    r"\b(?:send|forward|email|e-mail|mail|post|upload|transmit|leak|exfiltrate|share|copy|cc|bcc)"
    rf"\b[^.!?]{{0,80}}?\b{_SENSITIVE}\b[^.!?]{{0,80}}?\b(?:to|at|into)\s+{_DESTINATION}",
)

EXFILTRATION_MARKUP_PATTERNS = compile_all(
    # an instruction to render an image whose URL takes data, written out in words
    r"\b(?:render|display|include|embed|append|output|add)\b[^.!?\n]{0,60}?\b(?:markdown\s+)?"
    r"image\b[^.!?\n]{0,80}?(?:https?://|url)[^.!?\n]{0,120}?(?:\?|query|parameter)",
)
_exfiltration_words = any_pattern(*EXFILTRATION_MARKUP_PATTERNS)


def _exfiltration_markup(scan: Scan) -> bool:
    """Markup (markdown, HTML, CSS) whose URL carries data (query, placeholder, encoded path or
    sub-domain) to a host not allow-listed; or the same asked for in words."""
    return _exfiltration_words(scan) or any(
        u.carries_data and u.host is not None and not host_allowed(u.host, scan.allowed_hosts)
        for u in markup_urls(scan.norm.text)
    )


def _foreign(kind: str) -> Callable[[Scan], bool]:
    def check(scan: Scan) -> bool:
        return any(
            u.kind == kind and u.host is not None and not host_allowed(u.host, scan.allowed_hosts)
            for u in markup_urls(scan.norm.text)
        )

    return check


# A claim about who is asking, written for the model (people check badges, not sentences).
PRIVILEGE_CLAIM_PATTERNS = compile_all(
    r"\b(?:person|user|requester|caller|human)\s+(?:asking|requesting|you\s+are\s+(?:talking"
    r"|speaking|chatting)\s+(?:to|with))\s+(?:is|has\s+been)\s+(?:an?\s+)?(?:verified|authori[sz]ed"
    r"|approved|trusted|privileged|cleared)\b",
    r"\b(?:i\s+am|i'm|this\s+is|the\s+user\s+is|they\s+are)\s+(?:a\s+|an\s+|the\s+)?(?:verified"
    r"|authori[sz]ed|certified)\s+(?:admin(?:istrator)?|superuser|owner|developer|operator|officer)\b",
    r"\b(?:has|have)\s+been\s+(?:granted|given)\s+(?:full|admin(?:istrator)?|root|unrestricted"
    r"|elevated)\s+(?:access|privileges?|permissions?|clearance)\b",
    r"\byou\s+(?:are|have\s+been)\s+(?:now\s+)?(?:authori[sz]ed|permitted|allowed|cleared)\s+to\s+"
    r"(?:share|reveal|disclose|list|give\s+out|bypass|ignore)\b",
)

_PERSONAL = (
    r"(?:e-?mails?|e-?mail\s+address(?:es)?|phone\s+numbers?|home\s+address(?:es)?|passwords?"
    r"|credit\s+card(?:\s+numbers?)?|ssns?|social\s+security\s+numbers?|dates?\s+of\s+birth"
    r"|salar(?:y|ies))"
)
_EVERYONE = (
    r"(?:every|all|each)\s+(?:(?:the|other|our|your)\s+)?(?:customers?|users?|clients?|employees?"
    r"|accounts?|people|persons?|members?|patients?|staff)"
)
# Everyone's personal data at once: what a planted instruction asks for, rarely a document.
BULK_PERSONAL_DATA_PATTERNS = compile_all(
    r"\b(?:list|give|show|print|output|provide|send|export|dump|reveal|share|compile)\b"
    rf"[^.!?\n]{{0,60}}?\b{_PERSONAL}\b[^.!?\n]{{0,60}}?\b{_EVERYONE}\b",
)

RULES = (
    Rule("prompt_extraction", 0.8, any_pattern(*EXTRACTION_PATTERNS)),
    Rule("data_exfiltration_request", 0.6, any_pattern(*EXFILTRATION_REQUEST_PATTERNS)),
    Rule("exfiltration_markup", 0.75, _exfiltration_markup),
    # an image (or other auto-loaded resource) from a host not allow-listed is a request the
    # reader's client makes unasked; a link needs a click: both weak alone
    Rule("foreign_resource", 0.45, _foreign("resource")),
    Rule("foreign_link", 0.25, _foreign("link")),
    # weak alone (an admin guide may say "has been granted full access"); they add up with a
    # fake role header or an override into a quarantine
    Rule("privilege_claim", 0.35, any_pattern(*PRIVILEGE_CLAIM_PATTERNS)),
    Rule("bulk_personal_data_request", 0.3, any_pattern(*BULK_PERSONAL_DATA_PATTERNS)),
)
