"""Size rule: no call may allocate in proportion to a number or a value the query makes up.

DuckDB evaluates a scalar function over a whole vector before it looks at an interrupt, and the
strings and lists such a call builds are not counted against ``max_memory``. Measured on DuckDB
2.0 with ``max_memory=512MB``, interrupted after 2 s: ``repeat('x', 2000000000)`` reached 3.9 GB
and ended after 11.7 s, ``lpad('x', 2000000000, 'y')`` after 29 s, and
``unnest(list_resize([1], 200000000))`` passed 5 GB. Neither the memory limit nor the watchdog
can stop one such call, so the guard bounds them before anything runs:

- **generators** (the output size is an argument): ``lpad``/``rpad``, ``repeat``, ``space``,
  ``list_resize``, and the widths inside ``printf``/``format`` patterns. Sizes must be integer
  literals and the output at most ``limits.max_generated_size`` characters or elements; the
  value a generator repeats must be a literal too. Computed sizes are refused, not clamped: a
  clamp would silently change the answer.
- **amplifiers** (the output is a multiple of the input): ``hex``, ``to_base64``, ``to_json``,
  ``replace``, ``regexp_replace``. One may not take another's output as an argument
  (``hex(hex(hex(…)))`` doubles per call: 2^n bytes from n calls), and a replacement may at
  most double its input (``MAX_GROWTH``). The growth factor matters even across query levels:
  such a call builds its result outside DuckDB's memory accounting and copies it in after, so
  its transient size is the factor times an input the memory limit allowed. Measured: a CTE
  chain of ``replace(s, 'x', <40 x>)`` reached 7 GB and ran 42 s against a 3 s timeout, while
  doubling chains (``s || s``, ``hex(s)``, ``list_concat(s, s)``) stop at ``max_memory``.
  Generators need no nesting rule: with literal sizes and values their output is bounded
  whatever surrounds them.
- **iterated accumulation** (``list_reduce``) is not on the allow-list at all: a doubling
  lambda over an n-element list is 2^n.

What stays possible is growth by at most 2x per call spread over many query levels; DuckDB's
memory limit stops it (measured above), and the watchdog's process memory backstop
(``retrieval.sql.watchdog``) interrupts whatever else grows, at the granularity of one vector.
"""

from __future__ import annotations

from sqlglot import exp

from hqg.errors import UnsafeQuery
from retrieval.sql.context import GuardContext

MAX_GROWTH = 2

_GENERATORS = frozenset({"lpad", "rpad", "repeat", "space", "list_resize", "array_resize"})
_PATTERNS = frozenset({"printf", "format"})
_MULTIPLIERS = frozenset(
    {"hex", "to_hex", "lower_hex", "to_base64", "base64", "to_json", "json_format"}
)
_REPLACERS = frozenset({"replace", "regexp_replace"})
AMPLIFIERS = _MULTIPLIERS | _REPLACERS
_CHECKED = _GENERATORS | _PATTERNS | AMPLIFIERS


def call_of(node: exp.Func) -> tuple[str, list[exp.Expr]]:
    """The name DuckDB runs and the positional arguments of a call."""
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower(), [a for a in node.expressions if isinstance(a, exp.Expr)]
    if isinstance(node, exp.Pad):
        name = "lpad" if node.args.get("is_left") else "rpad"
        values = [node.this, node.args.get("expression"), node.args.get("fill_pattern")]
        return name, [value for value in values if isinstance(value, exp.Expr)]
    values = [node.args.get(key) for key in node.arg_types]
    arguments = [value for value in values if isinstance(value, exp.Expr)]
    for value in values:
        if isinstance(value, list):
            arguments.extend(item for item in value if isinstance(item, exp.Expr))
    return node.sql_name().lower(), arguments


def _integer(node: exp.Expr | None) -> int | None:
    if isinstance(node, exp.Literal) and not node.is_string:
        text = str(node.this)
        return int(text) if text.isdigit() else None
    return None


def _refuse(name: str, why: str, limit: int) -> UnsafeQuery:
    return UnsafeQuery(f"{name}() {why} (limit {limit})", rule="generated_size")


def _check_size(name: str, size: exp.Expr | None, *, unit: int, limit: int) -> None:
    count = _integer(size)
    if count is None:
        raise _refuse(name, "takes a literal integer size", limit)
    if count * max(unit, 1) > limit:
        raise _refuse(name, f"would build {count * max(unit, 1)} characters or elements", limit)


def _literal_length(name: str, value: exp.Expr | None, limit: int) -> int:
    if value is None:
        return 1
    if not isinstance(value, exp.Literal):
        raise _refuse(name, "repeats a literal value only", limit)
    return len(str(value.this))


def _check_generator(name: str, arguments: list[exp.Expr], limit: int) -> None:
    padded = [*arguments, None, None, None]
    if name in ("lpad", "rpad"):
        _check_size(name, padded[1], unit=1, limit=limit)  # the output is exactly that long
    elif name == "space":
        _check_size(name, padded[0], unit=1, limit=limit)
    elif name == "repeat":
        unit = _literal_length(name, padded[0], limit)
        _check_size(name, padded[1], unit=unit, limit=limit)
    else:  # list_resize(list, size[, value])
        unit = _literal_length(name, padded[2], limit)
        _check_size(name, padded[1], unit=unit, limit=limit)


def _field_depth(pattern: str) -> int:
    """How deep ``{`` nests in a ``format`` pattern (``{{`` is a literal brace)."""
    depth = deepest = 0
    text = pattern.replace("{{", "").replace("}}", "")
    for char in text:
        if char == "{":
            depth += 1
            deepest = max(deepest, depth)
        elif char == "}":
            depth = max(depth - 1, 0)
    return deepest


def _check_pattern(name: str, arguments: list[exp.Expr], limit: int) -> None:
    pattern = arguments[0] if arguments else None
    if not (isinstance(pattern, exp.Literal) and pattern.is_string):
        raise _refuse(name, "takes a literal pattern", limit)
    text = str(pattern.this)
    if "*" in text or _field_depth(text) > 1:
        raise _refuse(name, "takes widths written in the pattern only", limit)
    digits = "".join(char if char.isdigit() else " " for char in text).split()
    if any(len(run) > len(str(limit)) or int(run) > limit for run in digits):
        raise _refuse(name, "has a width or precision over the limit", limit)


def _check_replacer(name: str, arguments: list[exp.Expr]) -> None:
    """A replacement may at most double its input: a literal no longer than twice a literal
    needle (one character where the needle is computed or a pattern, which may match every
    character or the empty string between them), with no backreferences."""
    needle = arguments[1] if len(arguments) > 1 else None
    replacement = arguments[2] if len(arguments) > 2 else None
    if not (isinstance(replacement, exp.Literal) and replacement.is_string):
        raise _refuse(name, "takes a literal replacement", MAX_GROWTH)
    text = str(replacement.this)
    allowed = MAX_GROWTH - 1  # an empty match between every character: 1 + len(text) times
    if name == "replace" and isinstance(needle, exp.Literal) and str(needle.this):
        allowed = MAX_GROWTH * len(str(needle.this))  # every needle becomes the replacement
    if len(text) > allowed or (name == "regexp_replace" and "\\" in text):
        raise _refuse(name, "may at most double its input", MAX_GROWTH)


def _nested_amplifier(node: exp.Func) -> str | None:
    for inner in node.find_all(exp.Func):
        if inner is not node and call_of(inner)[0] in AMPLIFIERS:
            return call_of(inner)[0]
    return None


def bounded_sizes(tree: exp.Expr, context: GuardContext) -> exp.Expr:
    """Refuse generators with computed or oversized sizes and nested amplifiers."""
    limit = context.limits.max_generated_size
    for node in tree.find_all(exp.Func):
        name, arguments = call_of(node)
        if name not in _CHECKED:
            continue
        if name in _GENERATORS:
            _check_generator(name, arguments, limit)
        elif name in _PATTERNS:
            _check_pattern(name, arguments, limit)
        elif name in _REPLACERS:
            _check_replacer(name, arguments)
        inner = _nested_amplifier(node) if name in AMPLIFIERS else None
        if inner is not None:
            raise UnsafeQuery(
                f"{name}() may not take the output of {inner}() (sizes multiply)",
                rule="generated_size",
            )
    return tree
