"""A page's own ``<style>`` rules, reduced to what decides visibility, looked up per element.

Only what hides matters (``guards.hiding``): declarations that hide, and text and background
colours (text coloured like its background is hidden). A rule is keyed by the last compound of
its selector, the element it styles (``.faq .answer:hover`` → class ``answer``;
``div[data-x="1"]`` → attribute ``data-x`` equal to ``1``; ``p:nth-child(2)`` → tag ``p``; ``*``
→ every element), and by the compound before it, which must match an open ancestor
(``main > section p`` → a ``p`` inside a ``section``). A compound counts by one part (its first
class, id or attribute, else its tag); pseudo-classes, further ancestors and the kind of
combinator are ignored, so a rule applies to *more* elements than in a browser: for hiding that
errs towards "hidden", which is what we want (hidden text is dropped from the index and scored
for injection).

Linear: effects are merged per (element key, ancestor key) while the rules are read, each
element key keeps at most ``MAX_CONDITIONS`` ancestor conditions (further ones apply under any
ancestor), and an element costs a bounded number of lookups per class, id and attribute it
carries, however many rules the page has.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from guards.hiding import Rgb, colours, css_unescape, hides

_COMBINATOR = re.compile(r"[\s>+~]+")
_PSEUDO = re.compile(r"::?[\w-]+(?:\([^()]{0,200}\))?")
_COMPOUND = re.compile(
    r"^(?P<tag>\*|[a-z][a-z0-9-]*)?(?P<parts>(?:[.#][\w-]+|\[[^\[\]]{1,200}\])*)$", re.IGNORECASE
)
_PART = re.compile(
    r"([.#])([\w-]+)"
    r"|\[\s*([\w-]+)\s*(?:([~|^$*]?=)\s*[\"']?([^\"'\]]*)[\"']?\s*)?\]"
)
#: Ancestor conditions (and valued attribute tests) kept per element key; further rules for
#: the same key apply unconditionally.
MAX_CONDITIONS = 64
_ANY = "*"


@dataclass
class Effect:
    """What matching rules do to an element's visibility."""

    hides: bool = False
    colour: Rgb | str | None = None
    background: Rgb | str | None = None

    def merge(self, other: Effect) -> None:
        self.hides = self.hides or other.hides
        self.colour = other.colour if other.colour is not None else self.colour
        self.background = other.background if other.background is not None else self.background


def element_keys(tag: str, values: dict[str, str]) -> list[str]:
    """The keys an element answers to: its tag, classes, id and attribute names."""
    keys = [f"t:{tag}"]
    keys.extend(f"c:{name}" for name in values.get("class", "").split())
    if values.get("id"):
        keys.append(f"i:{values['id']}")
    keys.extend(f"a:{name}" for name in values)
    return keys


@dataclass
class Stylesheet:
    """Rule effects by element key, then by required ancestor key (``*``: none)."""

    rules: dict[str, dict[str, Effect]] = field(default_factory=dict)
    #: attribute rules with a value test: attribute name → (op, value, ancestor key, effect)
    valued: dict[str, list[tuple[str, str, str, Effect]]] = field(default_factory=dict)

    def effect(self, tag: str, values: dict[str, str], ancestors: Counter[str]) -> Effect:
        """The merged effect of every rule that may style this element under ``ancestors``
        (the keys of its open ancestors, counted)."""
        found = Effect()
        for key in (_ANY, *element_keys(tag, values)):
            for ancestor, effect in self.rules.get(key, {}).items():
                if ancestor == _ANY or ancestors[ancestor]:
                    found.merge(effect)
        for name, value in values.items():
            for op, wanted, ancestor, effect in self.valued.get(name, ()):
                if (ancestor == _ANY or ancestors[ancestor]) and _matches(op, wanted, value):
                    found.merge(effect)
        return found

    def add(self, selector: str, effect: Effect) -> None:
        compounds = _COMBINATOR.split(_PSEUDO.sub("", selector).strip())
        target = _compound(compounds[-1])
        if target is None:
            return
        ancestor = _ANY
        if len(compounds) > 1:
            parent = _compound(compounds[-2])
            ancestor = parent[0] if parent is not None else _ANY
        key, test = target
        if test is not None and len(self.valued.get(key[2:], ())) < MAX_CONDITIONS:
            self.valued.setdefault(key[2:], []).append((*test, ancestor, effect))
            return
        conditions = self.rules.setdefault(key, {})
        if ancestor not in conditions and len(conditions) >= MAX_CONDITIONS:
            ancestor = _ANY
        conditions.setdefault(ancestor, Effect()).merge(effect)


def read_stylesheet(blocks: list[str]) -> Stylesheet:
    """The rules of the page's ``<style>`` blocks that hide or set a colour."""
    sheet = Stylesheet()
    for css in blocks:
        for rule in css_unescape(css).split("}"):
            selectors, _, declarations = rule.rpartition("{")
            colour, background = colours(declarations)
            effect = Effect(hides(declarations), colour, background)
            if not effect.hides and colour is None and background is None:
                continue
            for selector in selectors.rpartition(";")[2].rpartition("{")[2].split(","):
                sheet.add(selector, effect)
    return sheet


def _compound(text: str) -> tuple[str, tuple[str, str] | None] | None:
    """A compound's key (its first class, id or attribute, else its tag, else ``*``) and, for
    an attribute with a value test, that test."""
    match = _COMPOUND.match(text)
    if match is None or not text:
        return None
    for kind, name, attribute, op, value in _PART.findall(match.group("parts")):
        if kind:
            return (f"c:{name}" if kind == "." else f"i:{name}"), None
        return f"a:{attribute.lower()}", ((op, value) if op else None)
    tag = match.group("tag")
    return (f"t:{tag.lower()}" if tag and tag != _ANY else _ANY), None


def _matches(op: str, wanted: str, value: str) -> bool:
    if op == "=":
        return value == wanted
    if op == "~=":
        return wanted in value.split()
    if op == "|=":
        return value == wanted or value.startswith(wanted + "-")
    if op == "^=":
        return value.startswith(wanted)
    if op == "$=":
        return value.endswith(wanted)
    return wanted in value  # "*="
