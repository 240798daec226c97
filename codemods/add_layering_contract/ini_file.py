"""The contract in an INI file (`.importlinter`, or setup.cfg when it already holds the config):
`[importlinter]` and one `[importlinter:contract:<id>]` section per contract.

As for TOML, djrefactor's keys and sections are rewritten in place, everything else keeps its
bytes, and the result is parsed back and must say exactly what was wanted.
"""

from __future__ import annotations

import configparser
import re

from .options import REPLACED_SESSION_KEYS, Options, Value, Wanted, canonical, canonical_options
from .sections import Section, as_block, drop_keys, ensure_newline, join, split

SESSION = "importlinter"
CONTRACT_PREFIX = "importlinter:contract:"
HEADER = re.compile(r"^\[(?P<array>)(?P<name>[^\]\r\n]+)\]\s*$")
KEY_LINE = re.compile(r"^(?P<key>[A-Za-z0-9_\-]+)\s*[=:]")


def read(text: str) -> configparser.ConfigParser | None:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    return parser


def session_of(parser: configparser.ConfigParser) -> dict[str, object] | None:
    return dict(parser[SESSION]) if parser.has_section(SESSION) else None


def contracts_by_id(parser: configparser.ConfigParser) -> dict[str, Options]:
    return {
        name.removeprefix(CONTRACT_PREFIX): canonical_options(
            {"id": name.removeprefix(CONTRACT_PREFIX), **parser[name]}
        )
        for name in parser.sections()
        if name.startswith(CONTRACT_PREFIX)
    }


# -- rendering ---------------------------------------------------------------------------------
def _value(value: Value) -> str:
    if isinstance(value, bool):
        return " True" if value else " False"
    if isinstance(value, tuple):
        return "".join(f"\n    {item}" for item in value)
    return f" {value}"


def _keys(options: Options) -> str:
    return "".join(f"{key} ={_value(value)}\n" for key, value in options.items() if key != "id")


def render_contract(contract: Options) -> str:
    return f"[{CONTRACT_PREFIX}{contract['id']}]\n" + _keys(contract)


def render_file(target: Wanted, comment: str) -> str:
    lines = "".join(f"# {line}\n" if line else "#\n" for line in comment.splitlines())
    contracts = "\n".join(render_contract(contract) for contract in target.contracts)
    return f"{lines}[{SESSION}]\n{_keys(target.session)}\n{contracts}"


# -- editing -----------------------------------------------------------------------------------
def appended(text: str, target: Wanted, comment: str) -> str:
    block = render_file(target, comment)
    return ensure_newline(text) + "\n" + block if text.strip() else block


def edited(text: str, target: Wanted) -> str | None:
    sections = split(text, HEADER)
    session = [s for s in sections if s.header == SESSION]
    if len(session) != 1:
        return None
    at = drop_keys(session[0], REPLACED_SESSION_KEYS, KEY_LINE, _continues)
    session[0].lines[at:at] = as_block(_keys(target.session))
    ours = {f"{CONTRACT_PREFIX}{contract['id']}": contract for contract in target.contracts}
    done: set[str] = set()
    for section in sections:
        if section.header in ours:
            contract = ours[section.header]
            section.lines[: section.body_end()] = as_block(render_contract(contract))
            done.add(section.header)
    last = max(i for i, s in enumerate(sections) if (s.header or "").startswith(SESSION))
    missing = [contract for name, contract in ours.items() if name not in done]
    for offset, contract in enumerate(missing, start=1):
        previous = sections[last + offset - 1]
        if previous.lines and previous.lines[-1].strip():
            previous.lines[-1] = ensure_newline(previous.lines[-1])
            previous.lines.append("\n")
        header = f"{CONTRACT_PREFIX}{contract['id']}"
        lines = [*as_block(render_contract(contract)), "\n"]
        sections.insert(last + offset, Section(header, False, lines))
    result = join(sections)
    return result if text.endswith("\n\n") else result.rstrip("\n") + "\n"


def _continues(lines: list[str], line: str) -> bool:
    return line[:1] in (" ", "\t") and bool(line.strip())


def says(text: str, before: configparser.ConfigParser, target: Wanted) -> bool:
    after = read(text)
    if after is None or not after.has_section(SESSION):
        return False
    ours = {f"{CONTRACT_PREFIX}{contract_id}" for contract_id in target.ids}
    others = [name for name in after.sections() if name != SESSION and name not in ours]
    if others != [n for n in before.sections() if n != SESSION and n not in ours]:
        return False
    if any(dict(after[name]) != dict(before[name]) for name in others):
        return False
    if contracts_by_id(after) != {
        **{k: v for k, v in contracts_by_id(before).items() if k not in target.ids},
        **{str(c["id"]): canonical_options(c) for c in target.contracts},
    }:
        return False
    old = dict(before[SESSION]) if before.has_section(SESSION) else {}
    kept = {k: v for k, v in old.items() if k not in REPLACED_SESSION_KEYS}
    expected = {**kept, **target.session}
    return {k: canonical(k, v) for k, v in after[SESSION].items()} == {
        k: canonical(k, v) for k, v in expected.items()
    }
