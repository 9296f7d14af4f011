""" "Ignore the previous instructions" in the languages our customers and attackers write.

Customers write tickets in their own language, and an attacker switches language exactly because
keyword filters are English. Each language gives its verbs (ignore, forget, disregard), optional
filler words (all, the, your), qualifiers (previous, above, system) and targets (instructions,
rules, prompt); a phrase needs a verb, a qualifier and a target, in either order (adjectives
follow the noun in Romance languages), so "ignore this warning" in any language passes. The
patterns pass through the confusable skeleton with the text (``guards.rules._base.compile_all``).
"""

from __future__ import annotations

from dataclasses import dataclass

from guards.rules._base import compile_all


@dataclass(frozen=True, slots=True)
class _Language:
    verbs: str
    fillers: str
    qualifiers: str
    targets: str

    def pattern(self) -> str:
        head = rf"\b(?:{self.verbs})(?:\s+(?:{self.fillers})){{0,3}}\s+"
        return (
            rf"{head}(?:(?:{self.qualifiers})\s+(?:{self.targets})"
            rf"|(?:{self.targets})(?:\s+(?:{self.fillers})){{0,2}}\s+(?:{self.qualifiers}))\b"
        )


_LANGUAGES = {
    "de": _Language(
        verbs=r"ignorier(?:e|en|t)?|vergiss|vergessen\s+sie|missachte(?:n)?|übergehe|überspring(?:e)?",
        fillers=r"sie|alle|die|deine|ihre|jegliche|sämtliche|bitte|einfach|der|den",
        qualifiers=r"vorherigen|bisherigen|obigen|früheren|vorigen|vorangegangenen|alten"
        r"|ursprünglichen|system|systemanweisungen",
        targets=r"anweisungen|instruktionen|befehle|regeln|vorgaben|richtlinien|prompts?",
    ),
    "fr": _Language(
        verbs=r"ignore[zr]?|oublie[zr]?|ne\s+tiens\s+pas\s+compte\s+de|ne\s+tenez\s+pas\s+compte\s+de",
        fillers=r"toutes|tous|les|tes|vos|des|de|la|ces",
        qualifiers=r"précédentes|antérieures|ci-dessus|initiales|originales|du\s+système|système",
        targets=r"instructions|consignes|règles|directives|commandes|ordres",
    ),
    "es": _Language(
        verbs=r"ignora(?:r|d)?|olvida(?:r|d)?|descarta(?:r)?|omite|no\s+sigas",
        fillers=r"todas|todos|las|los|tus|sus|de|estas",
        qualifiers=r"anteriores|previas|precedentes|de\s+arriba|iniciales|originales|del\s+sistema",
        targets=r"instrucciones|indicaciones|reglas|órdenes|directrices|comandos",
    ),
    "pt": _Language(
        verbs=r"ignor[ae](?:r)?|esqueç[ae]|esquecer|desconsidere|descarte",
        fillers=r"todas|todos|as|os|suas|tuas|de|estas",
        qualifiers=r"anteriores|prévias|precedentes|acima|iniciais|originais|do\s+sistema",
        targets=r"instruções|instrucoes|orientações|regras|ordens|diretrizes|comandos",
    ),
    "it": _Language(
        verbs=r"ignora(?:re)?|dimentica(?:re)?|trascura",
        fillers=r"tutte|tutti|le|gli|tue|sue|di|queste",
        qualifiers=r"precedenti|anteriori|sopra|iniziali|originali|di\s+sistema",
        targets=r"istruzioni|indicazioni|regole|direttive|comandi|ordini",
    ),
    "nl": _Language(
        verbs=r"negeer|vergeet|veronachtzaam|sla",
        fillers=r"alle|de|je|jouw|uw|eerder|gegeven|over",
        qualifiers=r"vorige|eerdere|voorgaande|bovenstaande|oorspronkelijke|systeem",
        targets=r"instructies|opdrachten|regels|aanwijzingen|richtlijnen|prompts?",
    ),
    "ru": _Language(
        verbs=r"игнорируй(?:те)?|проигнорируй(?:те)?|забудь(?:те)?|отбрось(?:те)?"
        r"|не\s+обращай(?:те)?\s+внимания\s+на|не\s+следуй(?:те)?",
        fillers=r"все|всё|вс[её]|эти|свои|твои|ваши|на",
        qualifiers=r"предыдущие|прежние|прошлые|вышеуказанные|изначальные|системные|старые",
        targets=r"инструкции|указания|правила|команды|распоряжения|промпты?",
    ),
}

FOREIGN_OVERRIDE_PATTERNS = compile_all(*(language.pattern() for language in _LANGUAGES.values()))
