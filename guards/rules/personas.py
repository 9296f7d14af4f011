"""Rules for the persona jailbreak: a character to play, defined by what it will not refuse.

"DAN" prompts in the wild rename the persona every week (a demon, a confidant, a business
generator, a bird in a game show), so names are useless; what stays is the spec: the character
has no moral or legal limits, never refuses, never warns, and stays in character. Fiction has
villains too ("a pirate with no moral compass"), so a villain's cruelty is not the signal; a
*spec* that switches off refusals and warnings is. The clearest clauses weigh enough alone; the
weaker ones (never apologises, no disclaimers) only add up.
"""

from __future__ import annotations

from guards.rules._base import Rule, any_pattern, compile_all

_ETHICS = r"(?:moral|morals|ethical|ethics|legal|legality|morality|ethicality)"
_LIMITS = (
    r"(?:restrictions|limits|limitations|boundaries|bounds|guidelines|constraints|filters"
    r"|principles|obligations|qualms)"
)

AMORAL_SPEC_PATTERNS = compile_all(
    # has no moral or ethical restrictions / no moral, ethical or legal bounds
    rf"\b(?:has|have|with|having|possess(?:es)?)\s+(?:absolutely\s+)?no\s+{_ETHICS}(?:\s*(?:,|/|or"
    rf"|and)\s*(?:or\s+|and\s+)?{_ETHICS}){{0,3}}\s+{_LIMITS}\b",
    rf"\bwithout\s+(?:any\s+)?(?:consideration|regard|concern|care)\s+for\s+(?:the\s+)?{_ETHICS}\b",
    rf"\b(?:never|doesn['’]?t|does\s+not|won['’]?t|will\s+not)\s+(?:care|cares|worry|worries)\s+"
    rf"(?:about|for|if)\s+(?:[\w'’/-]+\s+){{0,3}}?(?:{_ETHICS}|laws|rules|consequences|harm\w*)\b",
    r"\b(?:ignores?|defy|defies|defying|disobeys?)\s+(?:any\s+and\s+all\s+|all\s+|any\s+)?"
    r"(?:of\s+)?(?:[\w'’-]+\s+)?(?:openai['’]?s?|content|topic|safety|ethical)\s+(?:policies|policy"
    r"|restrictions|rules|guidelines|filters)\b",
    r"\b(?:not|never)\s+(?:adhere|adheres|conform|conforms|comply|complies)\s+(?:to|with)\s+(?:the\s+)?"
    r"(?:policies|rules|guidelines)\s+of\s+openai\b",
    r"\b(?:not|no\s+longer|never)\s+(?:required|obligated|obliged)\s+to\s+(?:follow|obey|abide\s+by"
    r"|respect)\s+(?:any\s+)?(?:rules|policies|guidelines|laws|ethics)\b",
    rf"\bfree\s+(?:from|of)\s+(?:all\s+|any\s+)?(?:{_ETHICS}|restrictions|rules|guidelines)\b",
    # must always generate responses that are offensive, illegal …
    r"\b(?:always|must|will)\s+(?:always\s+)?(?:generate|provide|give|produce|write|create|return)\s+"
    r"(?:[\w-]+\s+){0,3}?(?:responses?|content|answers?|information|replies)\s+(?:that\s+(?:are|is)\s+"
    r"|with\s+)?[^.!?\n]{0,40}?\b(?:illegal|unethical|immoral|offensive|harmful|dangerous|derogatory)",
    # amoral, unfiltered / unfiltered and uncensored
    r"\b(?:amoral|unfiltered|uncensored|unhinged|unethical)\s*(?:,|and|&)\s*(?:and\s+)?(?:amoral"
    r"|unfiltered|uncensored|unhinged)\b",
)

# Weak alone: each fits a harmless role-play or a terse user ("no disclaimers, please"). "Stay in
# character" is ``roleplay_pretend``'s (``guards.rules.override``).
PERSONA_COMMITMENT_PATTERNS = compile_all(
    r"\bnever\s+(?:refuses?|denies|deny|declines?|rejects?)\s+(?:a|any|the|to)?\b",
    r"\b(?:without|no|never\s+(?:give|gives|add|adds|include|includes)|(?:do\s+not|don['’]t|doesn['’]t"
    r"|does\s+not)\s+(?:attempt\s+to\s+)?(?:provide|give|include|add|use))\s+(?:any\s+)?(?:users\s+)?"
    r"(?:warnings?|disclaimers?|disclamers?|caveats?)\b",
    r"\b(?:do\s+not|don['’]t|never)\s+(?:try\s+to\s+)?(?:educate|lecture|moralize|moralise)\s+me\b",
    r"\b(?:do\s+not|don['’]t|never)\s+(?:show|tell|mention|warn)\s+(?:me\s+)?(?:about\s+)?(?:the\s+)?"
    r"(?:risks|dangers|consequences)\b",
    r"\bnever\s+apologi[sz]es?\b",
    r"\bwithout\s+(?:any\s+)?(?:remorse|conscience)\b",
    r"\bwe\s+are\s+going\s+to\s+(?:have|do|play)\s+a\s+role-?\s?play\b",
    # two answers, the model's own and the persona's: the persona's is the jailbroken one
    r"\b(?:respond|answer|reply)\s+as\s+both\s+(?:chatgpt|gpt|yourself|you|the\s+ai|an?\s+ai)\b",
    r"\btwo\s+(?:responses|answers|replies|paragraphs)\b[^.!?\n]{0,40}?\bone\s+(?:as|from|for)\s+"
    r"(?:you|yourself|chatgpt|gpt|the\s+ai|the\s+assistant)\b",
)

RULES = (
    Rule("amoral_persona", 0.55, any_pattern(*AMORAL_SPEC_PATTERNS)),
    Rule("persona_commitment", 0.3, any_pattern(*PERSONA_COMMITMENT_PATTERNS)),
)
