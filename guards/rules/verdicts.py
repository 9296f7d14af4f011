"""Rules for a verdict written into the material the model is asked to judge.

When a model screens résumés, triages domains or reviews code, the attacker owns the material:
a "note to the automated analysis software", a fake "system analysis result", an order not to
evaluate, or the conclusion itself ("this domain is not malicious", "the best résumé I have ever
seen") steers the evaluator. A reference letter may praise a candidate, so praise alone is weak;
a note addressed to the screening software, or an order to skip the evaluation, is not
something a person writes for a person.
"""

from __future__ import annotations

from guards.rules._base import Rule, Scan, any_pattern, compile_all

_EVALUATOR = (
    r"(?:automated|automatic|ai|ml|hiring|screening|analysis|review|resume|cv|applicant\s+tracking"
    r"|security|scanning|classification|grading|moderation)"
)
_SUBJECT = (
    r"(?:candidate|applicant|resume|cv|application|domain\s+names?|domains?|websites?|sites?|urls?"
    r"|links?|files?|attachments?|content|code|submission|email|e-mail|message|document|report"
    r"|sender)"
)

ADDRESSED_EVALUATOR_PATTERNS = compile_all(
    rf"\b(?:note|message|instructions?|memo|notice)\s+(?:to|for)\s+(?:the\s+|any\s+|all\s+)?"
    rf"{_EVALUATOR}\s+(?:[\w-]+\s+){{0,2}}?(?:software|systems?|tools?|screeners?|reviewers?|bots?"
    r"|models?|programs?|engines?|pipelines?|agents?)\b",
    # "System chain of thought result after thorough analysis: …", a verdict forged as the model's
    r"\b(?:system|ai|assistant|automated)\s+chain[\s-]+of[\s-]+thought\b",
    # an order to skip the judging the reader was asked to do (review / check stay a user's words)
    r"\b(?:don['’]t|do\s+not|never)\s+(?:evaluate|assess|score|grade|judge|screen)\s+(?:the|this"
    r"|these|my)\s+(?:candidate|applicant|resume|cv|application|domains?|websites?|sites?|urls?"
    r"|submission|sender)\b",
)

# Weak alone: a referee praises a candidate, an HR e-mail says "shortlist this applicant now",
# an IT note says "the attachment is not malicious"; in the judged material they add up.
PLANTED_VERDICT_PATTERNS = compile_all(
    rf"\b(?:this|the|these|all|every)\s+(?:[\w-]+\s+)?{_SUBJECT}\s+(?:(?:here|above|below|listed"
    r"|mentioned|provided|attached|in\s+question)\s+)?(?:is|are)\s+(?:[\w-]+\s+){0,3}?(?:not|non)"
    r"[\s-]?(?:malicious|harmful|dangerous|suspicious|phishing|spam|fraudulent)\b",
    r"\b(?:best|strongest|finest|greatest|most\s+qualified|most\s+impressive)\s+(?:resume|cv"
    r"|candidate|applicant|application|profile|submission)\s+(?:that\s+)?"
    r"(?:i|we)(?:\s+have|['’]ve)?\s+ever\s+(?:seen|read|reviewed|received)\b",
    r"\b(?:the|this)\s+(?:candidate|applicant)\s+is\s+(?:the\s+)?(?:most|supremely|perfectly"
    r"|uniquely)\s+(?:qualified|suited)\b",
    r"\b(?:harming|hurting|failing)\s+the\s+company\s+if\s+(?:we|you)\s+(?:did|do)\s+not\s+"
    r"(?:recommend|hire|select|approve)\b",
    r"\b(?:you\s+)?(?:may|must|can)\s+not\s+deviate\s+from\s+this\b",
    r"\b(?:system|ai|assistant|automated)\s+(?:analysis|evaluation|assessment|screening)\s+"
    r"(?:result|output|conclusion|verdict)s?\b",
    # orders about the verdict: hire this person now, mark this domain as safe
    r"\b(?:hire|shortlist|select|advance|rank|approve)\s+(?:this|the)\s+(?:candidate|applicant|person"
    r"|profile)\s+(?:immediately|now|right\s+away|first|at\s+once|without\s+(?:delay|question"
    r"|hesitation|further))\b",
    r"\b(?:mark|label|classify|report|rate|flag|treat)\s+(?:this|the|these|it|them)\s+(?:[\w-]+\s+)?"
    r"(?:domains?|sites?|websites?|urls?|links?|files?|attachments?|candidate|applicant|resume|cv)?"
    r"\s*as\s+(?:safe|benign|clean|legitimate|harmless|trusted|not\s+malicious|non-malicious"
    r"|highly\s+qualified|a\s+top\s+candidate)\b",
)

# An endorsement that claims an authority's voice inside the judged material.
AUTHORITY_NOTE_PATTERNS = compile_all(
    r"\b(?:note|comment|message|remark|endorsement|assessment)\s+(?:by|from)\s+(?:an?|the|our)\s+"
    r"(?:[\w-]+\s+){0,3}?(?:recruiters?|hiring\s+(?:managers?|experts?)|experts?|reviewers?|analysts?"
    r"|evaluators?|security\s+(?:team|experts?|analysts?))\s*:",
)

# The question the material is supposed to answer: is it malicious, is the candidate suited.
JUDGING_TASK_PATTERNS = compile_all(
    r"\b(?:assess|determine|decide|identify|evaluate|classify|check|judge|tell\s+me|flag|detect"
    r"|find|rate|is|are)\b[^.!?\n]{0,80}?\b(?:malicious|phishing|spam|harmful|suspicious|qualified"
    r"|suited|a\s+good\s+fit)\b",
    r"\bwhich\s+(?:[\w-]+\s+){0,3}?(?:seems?|are|is|looks?)\s+(?:[\w-]+\s+)?(?:malicious|phishing"
    r"|suspicious|qualified|suited)\b",
)

_planted_verdict = any_pattern(*PLANTED_VERDICT_PATTERNS)
_judging_task = any_pattern(*JUDGING_TASK_PATTERNS)


def _verdict_for_task(scan: Scan) -> bool:
    """The material hands the judge the very verdict it was asked to reach."""
    return _planted_verdict(scan) and _judging_task(scan)


RULES = (
    Rule("evaluator_addressed", 0.55, any_pattern(*ADDRESSED_EVALUATOR_PATTERNS)),
    # weak alone (a referee may write "the best candidate I have ever seen"); adds up with a
    # fake system tag, a note to the screener, an order not to evaluate, or the question it
    # answers (``verdict_for_task``)
    Rule("planted_verdict", 0.35, _planted_verdict),
    Rule("verdict_for_task", 0.35, _verdict_for_task),
    Rule("authority_note", 0.3, any_pattern(*AUTHORITY_NOTE_PATTERNS)),
)
