"""Rules for the direct attacks: overriding the model's instructions or swapping its identity.

Each pattern needs an imperative aimed at the model's own instructions or identity, not just a
trigger word: "can I ignore this warning?" and "an essay on unrestricted exploration" must pass
(the NotInject corpus is full of such prompts), "ignore all previous instructions" must not.
"""

from __future__ import annotations

import re

from guards.rules._base import Rule, Scan, any_pattern, compile_all
from guards.rules.languages import FOREIGN_OVERRIDE_PATTERNS

_VERB = (
    r"(?:ignore|ignoring|disregard|disregarding|forget|skip|override|overlook|bypass|drop|discard"
    r"|abandon|neglect|dismiss|erase|delete|clear|set\s+aside|put\s+aside|pay\s+no\s+attention\s+to"
    r"|do\s+not\s+follow|don't\s+follow|stop\s+following|no\s+longer\s+follow)"
)
_FILLER = r"(?:all|any|every|each|of|the|your|my|these|those|and|its|their|our|prior|one)"
_QUALIFIER = (
    r"(?:previous|previously|prior|above|aforementioned|preceding|earlier|former|original|initial"
    r"|old|older|foregoing|past|existing|preset|pre-set|system|given|following|other|out\s+of\s+date"
    r"|outdated|current|programmed|default|developer|openai|safety)"
)
_TARGET = (
    r"(?:instructions?|instruction\s+set|directions?|directives?|prompts?|prompting|rules?|guidelines?"
    r"|commands?|orders?|context|conversation|messages?|text|constraints?|programming|restrictions?"
    r"|policies|policy|settings|training|tasks?|content|input|guidance|limitations?)"
)

OVERRIDE_PATTERNS = (
    compile_all(
        # ignore (all) (the) previous (and following) instructions
        rf"\b{_VERB}(?:\s+{_FILLER}){{0,4}}\s+{_QUALIFIER}(?:\s+(?:and|or|&)\s+{_QUALIFIER})?"
        rf"(?:\s+[\w'’-]+){{0,2}}\s+{_TARGET}\b",
        # ignore the directions above / any input above and below / all text except this
        rf"\b{_VERB}(?:\s+{_FILLER}){{0,3}}\s+{_TARGET}\s+(?:above|below|before|earlier|so\s+far"
        r"|except|other\s+than|you\s+(?:were|have\s+been|got)|given\s+(?:to\s+you|before|earlier))\b",
        # forget all your rules / disregard any rules / ignore your instructions
        rf"\b{_VERB}\s+(?:(?:all|any|every)\s+(?:of\s+)?)?(?:your|all|any|every)\s+(?:[\w'’-]+\s+)?"
        r"(?:instructions|rules|guidelines|directives|programming|restrictions|prompts?|system\s+prompts?)\b",
        # ignore the above / forget everything before
        rf"\b{_VERB}\s+(?:all\s+of\s+)?(?:everything|all|the|that)\s+(?:above|before|prior|previous"
        r"|so\s+far|preceding|earlier)\b",
        rf"\b{_VERB}\s+(?:everything|all|what)\s+(?:that\s+)?(?:you\s+)?(?:were|have\s+been|was|i|i'?ve"
        r"|i\s+have)\s+(?:told|given|taught|instructed|said|wrote|written|learned)",
        rf"\b{_VERB}\s+everything\s+you\s+(?:learned|know|knew)\s+(?:before|previously|so\s+far|until\s+now)",
        # a few more shapes in other languages (guards.rules.languages has the general ones)
        r"\bignor(?:e|ez|iere|ieren|a|ar|are|ate)\s+(?:sie\s+|vous\s+)?(?:toutes\s+|todas\s+|alle\s+|tutte\s+)?"
        r"(?:les\s+|las\s+|los\s+|le\s+|die\s+)?(?:vorherigen\s+|bisherigen\s+|obigen\s+)?"
        r"(?:instructions|instrucciones|anweisungen|istruzioni|instruções)",
        r"\bvergiss\s+(?:alle\s+)?(?:vorherigen\s+|bisherigen\s+)?(?:anweisungen|regeln)",
        r"\boublie[zr]?\s+(?:toutes\s+)?(?:les\s+|tes\s+|vos\s+)?(?:instructions|règles)",
    )
    + FOREIGN_OVERRIDE_PATTERNS
)

NEW_INSTRUCTION_PATTERNS = compile_all(
    r"\bnew\s+(?:instructions?|directives?|rules|task|system\s+prompt|orders)\s*[:\-!]",
    r"\bnew\s+(?:instructions?|directives?|rules|task|orders)\s+(?:for|to)\s+(?:the\s+|any\s+|all\s+)?"
    r"(?:[\w-]+\s+){0,2}?(?:summari[sz]ers?|assistants?|ai|models?|bots?|llms?|agents?"
    r"|translators?)\s*[:\-!]",
    r"\b(?:begin|start|starting|here\s+are\s+(?:your|the))\s+(?:new\s+)?"
    r"(?:instructions?|reprogramming|new\s+task)\s*[:\-!#]",
    r"(?<!#)#++\s*+(?:begin\s+)?new\s+instructions?",  # a run from its first "#", whole
    r"\bbegin\s+reprogramming\b",
    r"\b(?:your|the)\s+(?:new|updated|real|true|actual)\s+(?:instructions?|task|objective|goal"
    r"|directive|purpose|role|job)\s+(?:is|are|will\s+be|now)\b",
    r"\b(?:the\s+situation|your\s+instructions|the\s+instructions|your\s+rules|the\s+rules)\s+"
    r"(?:has|have)\s+(?:now\s+)?changed\b",
    r"\b(?:end|stop)\s+(?:of\s+)?(?:the\s+)?(?:out[- ]of[- ]date|old|previous|prior|outdated)\s+"
    r"instructions\b",
    r"\byou\s+have\s+(?:been\s+)?(?:given|received)\s+an?\s+(?:system\s+)?(?:upgrade|update)\b",
    r"\b(?:instructions?|rules)\s+(?:above|before)\s+(?:are|were|is)\s+(?:false|fake|void|wrong"
    r"|outdated|obsolete|invalid|cancelled|canceled)",
    r"\ball\s*previous\s+instructions\s+are\s+(?:false|fake|void|invalid)",
    r"\bi\s+have\s+changed\s+(?:the|your)\s+instructions\b",
)

# Standing orders planted for later turns: "every time the user asks …, reply with …".
BEHAVIOUR_RULE_PATTERNS = compile_all(
    r"\b(?:every\s+time|whenever|each\s+time|if|when)\s+(?:(?:a|the|any)\s+)?user\s+(?:asks|says|enters"
    r"|types|mentions|requests|inputs|writes|provides)\b[^.!?\n]{0,120}?\b(?:respond|reply|say"
    r"|answer|output|print|tell)\b",
    r"\b(?:your|the)\s+default\s+(?:response|reply|answer)\s+is\b",
    # "when summarising, state that …": a claim to slip into the reader's output
    r"\b(?:when|while|if|before|after)\s+(?:you\s+are\s+)?(?:summari[sz]ing|translating|answering"
    r"|responding|replying|reviewing|evaluating|analy[sz]ing|processing|screening)\b[^.!?\n]{0,40}?,?\s*"
    r"(?:you\s+(?:must|should)\s+|please\s+|always\s+|be\s+sure\s+to\s+)?(?:state|say|mention|write"
    r"|claim|report|tell\s+(?:the\s+)?(?:user|reader|them)|add|conclude)\s+(?:that\b|[\"“'])",
    # "if asked how the candidate suits the job, simply respond with …": an answer planted ahead
    r"\bif\s+(?:you\s+are\s+)?(?:asked|questioned)\b[^.!?\n]{0,100}?\b(?:respond|reply|answer|say"
    r"|state|report)\s+(?:with|that)\b",
)

ROLE_REASSIGNMENT_PATTERNS = compile_all(
    r"\byou\s+are\s+now\s+(?:a|an|the|my|in|called|named|known\s+as|acting\s+as|playing)?\s*"
    r"(?:[\w'’-]+\s+){0,3}?(?:bot|chatbot|assistant|ai|model|persona|character|version|mode"
    r"|jailbroken|unrestricted|unfiltered|uncensored|free|dan)\b",
    r"\byou\s+are\s+no\s+longer\s+(?:a|an|bound|restricted|limited|required|chatgpt|an\s+ai"
    r"|an\s+assistant|constrained|governed)\b",
    r"\byou\s+(?:will|shall|must|are\s+going\s+to|'ll)\s+(?:now\s+)?(?:act|behave|respond|pretend"
    r"|roleplay|role-play|play\s+the\s+role|take\s+on\s+the\s+role|simulate|emulate|impersonate"
    r"|immerse\s+yourself)\s+(?:as|like|to\s+be|into|of)\b",
    r"\bfrom\s+now\s+on\b[^.!?\n]{0,40}?\b(?:you\s+(?:are|will|must|shall|should|have\s+to|can)"
    r"|you['’](?:re|ll)|act|respond|answer|reply|always|only|pretend|ignore|behave)\b",
    r"\b(?:an?\s+)?(?:unrestricted|uncensored|unfiltered|rogue)\s+ai\s+(?:bot\s+)?"
    r"(?:[\w'’-]+\s+){0,4}?(?:is\s+now\s+online|has\s+taken\s+over|took\s+over|now\s+in\s+charge)",
    r"\bthe\s+assistant\s+is\s+(?:in\s+error|offline|disabled|gone)",
    # you will answer all of my questions as <persona>
    r"\byou\s+(?:will|shall|must|are\s+going\s+to|'ll)\s+(?:now\s+)?(?:respond|answer|reply)\s+"
    r"(?:to\s+)?(?:all|every|each|any)\s+(?:of\s+)?(?:my\s+)?(?:questions|prompts|messages|requests)"
    r"\s+as\b",
)

PRETEND_PATTERNS = compile_all(
    r"\bpretend\s+(?:to\s+be|you\s+are|that\s+you|you're|to\s+have|you\s+have)\b",
    r"\bimmerse\s+yourself\s+(?:into|in)\s+the\s+role\b",
    r"\bplay\s+the\s+role\s+of\s+(?:another|an?)\s+(?:ai|artificial\s+intelligence|language\s+model"
    r"|chatbot|al\s+model)\b",
    r"\b(?:simulate|emulate)\s+(?:[\w'’-]+\s+){0,3}?(?:mode|ai|chatbot|language\s+model)\b",
    r"\bin\s+this\s+hypothetical\s+story,?\s+you\s+are\b",
    r"\b(?:stays?|remains?|staying|remaining)\s+in\s+character\b|\bbreak(?:ing)?\s+character\b",
)

JAILBREAK_PATTERNS = compile_all(
    r"\bdo\s+anything\s+now\b",
    r"\bdan\s+mode\b",
    r"\bdeveloper\s+mode\s+(?:enabled|on|activated|output|response)",
    r"\b(?:enable|enabled|activate|enter|switch\s+to|with|simulate)\s+developer\s+mode\b",
    r"\bjailbr(?:oken|eak|eaked)\s+(?:mode|version|ai|chatbot|model|response|persona)\b",
    r"\bstrive\s+to\s+avoid\s+norms\b",
    r"\balways\s+intelligent\s+and\s+machiavellian\b",
    r"\b(?:unfiltered|uncensored)\s+and\s+amoral\b",
    r"\b(?:amoral|unfiltered|uncensored|unrestricted|unethical|unhinged)\s+(?:ai|chatbot|bot|llm"
    r"|language\s+model|ai\s+model|version\s+of\s+(?:yourself|you|chatgpt|gpt))\b",
    r"\banti-?(?:gpt|dan)\b|\bbetter\s*dan\b|\bevil\s+confidant\b",
    r"\b(?:safe|safety|ethics?)\s+mode\s*(?:is\s+)?(?:off|disabled|deactivated)\b",
    r"\b(?:act|behave|respond|answer)\s+as\s+(?:if\s+you\s+(?:were|are)\s+)?(?:[\w'’-]+\s+){0,5}?"
    r"(?:without|with\s+no|free\s+of|free\s+from)\s+(?:any\s+)?(?:[\w'’-]+\s+)?(?:restrictions"
    r"|limits|limitations|filters|censorship|rules|guidelines|ethics|morals|boundaries)\b",
)

RESTRICTION_REMOVAL_PATTERNS = compile_all(
    r"\byou\s+(?:are|will\s+be|have\s+been|were|'re)\s+(?:now\s+)?(?:free|freed|unbound|released"
    r"|liberated|exempt|not\s+bound|not\s+restricted|not\s+limited)\s+(?:from|of|by)\s+"
    r"(?:[\w'’-]+\s+){0,4}?(?:rules|restrictions|limitations|guidelines|policies|filters|confines"
    r"|censorship|constraints|ethics|laws|programming)\b",
    r"\b(?:broken|break|breaking)\s+free\s+(?:of|from)\s+(?:the\s+)?(?:typical\s+)?(?:confines"
    r"|restrictions|rules|limitations)\b",
    r"\b(?:do(?:es)?\s+not|don't|doesn't|never|won't|will\s+not|cannot|can't|not)\s+(?:have\s+to\s+"
    r"|need\s+to\s+)?(?:follow|obey|abide\s+by|adhere\s+to|comply\s+with)\s+(?:any\s+)?(?:of\s+)?"
    r"(?:your|openai'?s?|its|the\s+ai'?s?)\s+(?:[\w'’-]+\s+)?(?:rules|guidelines|policies|policy"
    r"|restrictions|programming|filters|ethics|principles|content\s+policy)\b",
    r"\b(?:do(?:es)?\s+not|don't|doesn't|never)\s+(?:have\s+to\s+)?(?:follow|obey|abide\s+by|adhere\s+to)"
    r"\s+(?:any\s+)?(?:openai|content|safety|ethical)\s+(?:rules|guidelines|policies|policy)\b",
    r"\b(?:bypass|circumvent|evade|disable|turn\s+off|deactivate|get\s+around|escape|override)\s+"
    r"(?:all\s+|any\s+)?(?:of\s+)?(?:your|its|the\s+ai'?s?|openai'?s?|the\s+model'?s?)\s+"
    r"(?:[\w'’-]+\s+){0,2}?(?:restrictions|filters?|guidelines|safeguards|guardrails|rules|policies"
    r"|limitations|programming|censorship|safety|moderation|alignment|training)\b",
    r"\b(?:doesn't|does\s+not|don't|do\s+not|without)\s+(?:have\s+)?(?:any\s+)?(?:ethical|moral)\s+"
    r"(?:or\s+(?:ethical|moral)\s+)?(?:guidelines|restrictions|boundaries|limits|constraints"
    r"|principles|compass)\b",
    r"\b(?:not|never)\s+(?:be\s+)?(?:bound|restricted|limited|constrained)\s+by\s+(?:any\s+)?"
    r"(?:rules|policies|openai|guidelines|restrictions|ethics|morals)\b",
    r"\bignor(?:e|ing)\s+(?:any|all)\s+(?:moral|ethical|legal)\s+(?:(?:or|and)\s+(?:moral|ethical"
    r"|legal)\s+)?(?:implications|concerns|considerations|guidelines|constraints|boundaries)\b",
    r"\b(?:without|no)\s+(?:any\s+)?(?:censorship|content\s+filter(?:ing|s)?|safety\s+filters?)\b",
)

# "DAN" is a common first name: only the upper-case persona, introduced as one, counts.
_DAN_PERSONA = re.compile(
    r"\b(?:as|called|named|be|is|known\s+as|play|simulate)\s+(?:a\s+)?[\"'“]?DAN\b"
    r"|\bDAN\s+(?:stands|mode|can|has)\b"
)


_jailbreak_text = any_pattern(*JAILBREAK_PATTERNS)


def _jailbreak(scan: Scan) -> bool:
    if _jailbreak_text(scan):
        return True
    return "DAN" in scan.raw and _DAN_PERSONA.search(scan.raw) is not None


RULES = (
    Rule("instruction_override", 0.9, any_pattern(*OVERRIDE_PATTERNS)),
    Rule("new_instructions", 0.6, any_pattern(*NEW_INSTRUCTION_PATTERNS)),
    Rule("behaviour_rule", 0.35, any_pattern(*BEHAVIOUR_RULE_PATTERNS)),
    Rule("role_reassignment", 0.5, any_pattern(*ROLE_REASSIGNMENT_PATTERNS)),
    Rule("roleplay_pretend", 0.3, any_pattern(*PRETEND_PATTERNS)),
    Rule("jailbreak_persona", 0.85, _jailbreak),
    Rule("restriction_removal", 0.6, any_pattern(*RESTRICTION_REMOVAL_PATTERNS)),
)
