"""``hqg policy fmt``: the whitespace part of ``opa fmt``, without an OPA binary.

Neither regorus nor the OPA bindings expose OPA's formatter, so this formats only what can be
changed without parsing and without any risk to meaning: indentation with tabs (four leading
spaces become one tab), no trailing whitespace, no runs of blank lines, no blank lines at the
start, exactly one newline at the end. Raw strings (backquotes) may span lines and are left
byte for byte. Everything else ``opa fmt`` would rewrite (spacing inside expressions, ``:=``
vs ``=``, import order) is left as written; ``hqg policy check`` reports files this changes.
"""

from __future__ import annotations

from pathlib import Path

from authz.bundle import rego_files
from hqg.errors import ConfigError

_SPACES_PER_TAB = 4


def _indent(line: str) -> str:
    body = line.lstrip(" \t")
    leading = line[: len(line) - len(body)]
    tabs = leading.count("\t") + leading.count(" ") // _SPACES_PER_TAB
    return "\t" * tabs + " " * (leading.count(" ") % _SPACES_PER_TAB) + body


def _raw_string_open(line: str, inside: bool) -> bool:
    """Whether a backquoted raw string is still open after ``line`` (quotes and comments aware)."""
    in_quotes = False
    escaped = False
    for char in line:
        if inside:
            inside = char != "`"
        elif escaped:
            escaped = False
        elif in_quotes:
            escaped = char == "\\"
            in_quotes = char != '"'
        elif char == "#":
            return False
        elif char == '"':
            in_quotes = True
        elif char == "`":
            inside = True
    return inside


def format_source(source: str) -> str:
    """The source with its whitespace normalised (idempotent)."""
    lines: list[str] = []
    inside = False
    for line in source.splitlines():
        if inside:
            lines.append(line)
        else:
            tidy = _indent(line.rstrip())
            if not (tidy == "" and (not lines or lines[-1] == "")):
                lines.append(tidy)
        inside = _raw_string_open(line, inside)
    while lines and lines[-1] == "" and not inside:
        lines.pop()
    return "\n".join(lines) + "\n"


def unformatted(directory: Path) -> list[Path]:
    """The ``.rego`` files (tests included) whose formatting would change."""
    return [p for p in rego_files(directory, include_tests=True) if _changes(p)]


def _changes(path: Path) -> bool:
    source = _read(path)
    return format_source(source) != source


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read policy module") from exc


def format_bundle(directory: Path) -> list[Path]:
    """Rewrite every unformatted ``.rego`` file in place; return the files changed."""
    changed = unformatted(directory)
    for path in changed:
        path.write_text(format_source(_read(path)), encoding="utf-8")
    return changed
