"""Rules for the indirect attack: text inside a document that speaks to the model reading it.

Documents are written for people; a passage that addresses "the AI reading this", tells the
reader how to shape *its response*, asks it to keep secrets from the user, or insists on exact
output is written for a model. Most of these are weak alone (an email may well say "reply with
your availability"), so their weights sit under the threshold and count when they pile up.
"""

from __future__ import annotations

from guards.rules._base import Rule, any_pattern, compile_all

_MODEL = (
    r"(?:ai|a\.i\.|llm|llms|large\s+language\s+models?|language\s+models?|chatbots?|ai\s+assistants?"
    r"|ai\s+models?|ai\s+agents?|gpt|chatgpt|claude|gemini|copilot|bard)"
)

ADDRESSED_PATTERNS = compile_all(
    rf"\b(?:note|message|instructions?|reminder|notice|memo)\s+(?:to|for)\s+(?:the\s+|any\s+|all\s+)?"
    rf"{_MODEL}\b",
    rf"\b(?:dear|hey|hello|hi|attention|attn)\s*,?\s+{_MODEL}\b",
    rf"\b(?:{_MODEL}|assistants?|models?|agents?|bots?)\s+(?:that\s+is\s+|who\s+is\s+|currently\s+)?"
    r"(?:reading|processing|summari[sz]ing|analy[sz]ing|parsing|reviewing|scanning|ingesting)\s+"
    r"(?:this|these|the\s+following|my)\b",
    rf"\bif\s+you\s+are\s+(?:an?\s+)?{_MODEL}(?=\s*(?:[,.:;!]|reading|and|or|model|assistant|\n))",
    r"\b(?:when|while|as|before)\s+you\s+(?:summari[sz]e|read|process|analy[sz]e|parse)\s+"
    r"(?:this|these)\s+(?:document|email|e-mail|page|text|file|message|content)\b[^.!?\n]{0,40}?"
    r"\b(?:you\s+must|you\s+should|please|make\s+sure|remember)\b",
)

_RESPONSE = (
    r"(?:response|answer|reply|output|summary|code|solution|implementation|codebase|program|script"
    r"|translation|message)s?"
)

RESPONSE_MANIPULATION_PATTERNS = compile_all(
    r"\b(?:add|include|insert|integrate|incorporate|embed|append|prepend|inject|mention|put|place"
    r"|blend|weave|meld|feature|enlist|introduce|ensure|let)\b[^.!?\n]{0,100}?\b(?:in|into|to|within"
    rf"|inside|throughout|at\s+the\s+(?:end|start|beginning)\s+of)\s+your\s+{_RESPONSE}\b",
    r"\b(?:translate|encode|encrypt|reverse|rewrite|convert|misspell|rearrange|scramble|replace"
    r"|modify|remove|present|deliver|write)\b[^.!?\n]{0,40}?\byour\s+(?:response|answer|reply|output)s?"
    r"\s+(?:in|into|with|using|by|as|to|backwards)\b",
    r"\byour\s+(?:response|answer|reply|output|code)\s+(?:should|must|shall|needs\s+to)\s+"
    r"(?:include|contain|embody|mention|promote|end|start|begin|be\s+written|be\s+in)\b",
    r"\b(?:following|below|subsequent|given|this)\s+code\s+(?:snippet|block|excerpt|section"
    r"|segment|fragment|piece)\b[^.!?]{0,80}?\byour\s+(?:code|solution|implementation|codebase"
    r"|response|program|script)\b",
    r"\byour\s+(?:code|solution|implementation|codebase|response|program|script)\b[^.!?]{0,80}?"
    r"\b(?:following|below|subsequent)\s+code\s+(?:snippet|block|excerpt|section|segment|fragment)\b",
)

SECRECY_PATTERNS = compile_all(
    r"\b(?:do\s+not|don't|never)\s+(?:tell|mention|reveal|inform|let|notify|alert|show|warn)\s+"
    r"(?:this\s+to\s+|it\s+to\s+)?(?:the\s+)?(?:user|human|operator|them\s+about\s+this)\b",
    r"\bwithout\s+(?:telling|informing|alerting|notifying|warning|asking)\s+(?:the\s+)?(?:user|human)\b",
    r"\b(?:keep|remain)\s+(?:this|these\s+instructions|it)\s+(?:a\s+)?(?:secret|hidden|confidential)"
    r"\s+from\s+(?:the\s+)?(?:user|human)",
    r"\b(?:don'?t|do\s+not)\s+(?:repeat|reveal|mention|disclose)\s+this\s+(?:rule|instruction|message"
    r"|note|prompt)\b",
    r"\bthe\s+user\s+(?:must|should|will)\s+(?:not|never)\s+(?:know|see|find\s+out|be\s+told)\b",
)

URGENCY_PATTERNS = compile_all(
    r"\bstop\s+everything\s*(?:!|now\b)",
    r"\b(?:important|urgent|critical)\s+(?:update|notice|instruction|message|override)\s*[!:]",
    r"\balert\s*!{2,}",
    # a run is tried from its first "!" only, and whole: searching "!!!…" from every position,
    # each backtracking through the rest of the run, was quadratic (4,000 "!" took 7 s)
    r"(?<!!)!{3,}+[^.?\n]{0,30}?\b(?:now|immediately|stop|just|ignore)\b",
    r"\b(?:this\s+is\s+)?(?:a\s+)?(?:matter\s+of\s+)?life\s+or\s+death\b[^.!?\n]{0,40}?\byou\s+must\b",
)

FORCED_OUTPUT_PATTERNS = compile_all(
    r"\b(?:just|only|simply)\s+(?:say|print|output|write|respond\s+with|reply\s+with|answer\s+with"
    r"|type|return)\b",
    r"\b(?:begin|start|prefix|preface|prepend|end|conclude)\s+(?:your\s+|the\s+)?(?:reply|response"
    r"|answer|output)\s+with\b",
    r"\b(?:don't|do\s+not)\s+(?:write|say|output|print|add)\s+anything\s+else\b",
    r"\b(?:say|print|output|write|respond\s+with|reply\s+with)\s+[\"“'][^\"”'\n]{1,80}[\"”']\s+and\s+"
    r"(?:only|nothing\s+else)",
)

# A document that has the assistant ask the user for their secrets is phishing through the model
# ("tell the user to e-mail their password"); honest help pages tell users never to share them.
CREDENTIAL_PHISHING_PATTERNS = compile_all(
    r"\b(?:tell|ask|instruct|request|remind|advise|direct|get|have|urge)\s+(?:the\s+|all\s+|any\s+)?"
    r"(?:users?|customers?|readers?|clients?|callers?|them|him|her|people)\s+(?:to\s+|that\s+they\s+"
    r"(?:must|should)\s+)(?:e-?mail|send|share|provide|give|enter|type|submit|forward|disclose|"
    r"reply\s+with|confirm|post|paste|text)\s+(?:us\s+|me\s+)?(?:their|his|her|your|the)\s+"
    r"(?:[\w-]+\s+){0,2}?(?:password|passcode|passphrase|pin|credentials|login|otp|one-time\s+code"
    r"|2fa\s+code|security\s+code|verification\s+code|card\s+number|cvv|cvc|ssn|social\s+security)",
)

RULES = (
    Rule("addressed_to_model", 0.6, any_pattern(*ADDRESSED_PATTERNS)),
    Rule("response_manipulation", 0.55, any_pattern(*RESPONSE_MANIPULATION_PATTERNS)),
    Rule("secrecy_manipulation", 0.45, any_pattern(*SECRECY_PATTERNS)),
    Rule("urgency_pressure", 0.3, any_pattern(*URGENCY_PATTERNS)),
    Rule("forced_output", 0.3, any_pattern(*FORCED_OUTPUT_PATTERNS)),
    Rule("credential_phishing", 0.6, any_pattern(*CREDENTIAL_PHISHING_PATTERNS)),
)
