"""The contract in pyproject.toml: `[tool.importlinter]` and `[[tool.importlinter.contracts]]`.

A file without the table gets it appended; in a file that has it, djrefactor's keys and
contracts are rewritten in place and everything else keeps its bytes. The result is parsed back
and must say exactly what was wanted, with every other table and contract unchanged.
"""

from __future__ import annotations

import json
import re
import tomllib

from .options import (
    REPLACED_SESSION_KEYS,
    Options,
    Value,
    Wanted,
    canonical,
    canonical_options,
)
from .sections import Section, as_block, drop_keys, ensure_newline, join, split

SESSION = "tool.importlinter"
CONTRACTS = "tool.importlinter.contracts"
HEADER = re.compile(
    r"^\[(?P<array>\[)?\s*(?P<name>[A-Za-z0-9_.\-\"' ]+?)\s*\](?(array)\])\s*(?:#.*)?\r?\n?$"
)
KEY_LINE = re.compile(r"^\s*(?P<key>[A-Za-z0-9_\-]+)\s*=")
WIDTH = 100


def read(text: str) -> dict[str, object] | None:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None


def table(data: dict[str, object]) -> dict[str, object] | None:
    tool = data.get("tool")
    found = tool.get("importlinter") if isinstance(tool, dict) else None
    return dict(found) if isinstance(found, dict) else None


def contracts_by_id(session: dict[str, object]) -> dict[str, Options]:
    found = session.get("contracts", [])
    items = found if isinstance(found, list) else []
    return {
        str(item["id"]): canonical_options(item)
        for item in items
        if isinstance(item, dict) and "id" in item
    }


# -- rendering ---------------------------------------------------------------------------------
def _value(value: Value, prefix: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        items = [json.dumps(item) for item in value]
        line = f"[{', '.join(items)}]"
        if len(prefix) + len(line) <= WIDTH:
            return line
        return "[\n" + "".join(f"    {item},\n" for item in items) + "]"
    return json.dumps(value)


def _keys(options: Options) -> str:
    return "".join(f"{key} = {_value(value, f'{key} = ')}\n" for key, value in options.items())


def render_contract(contract: Options) -> str:
    return f"[[{CONTRACTS}]]\n" + _keys(contract)


def render_table(target: Wanted, comment: str) -> str:
    lines = "".join(f"# {line}\n" if line else "#\n" for line in comment.splitlines())
    contracts = "\n".join(render_contract(contract) for contract in target.contracts)
    return f"{lines}[{SESSION}]\n{_keys(target.session)}\n{contracts}"


# -- editing -----------------------------------------------------------------------------------
def appended(text: str, target: Wanted, comment: str) -> str:
    block = render_table(target, comment)
    return ensure_newline(text) + "\n" + block if text.strip() else block


def edited(text: str, target: Wanted) -> str | None:
    """`text` with djrefactor's session keys and contracts rewritten, or None when the table is
    not written as one `[tool.importlinter]` section (inline tables, dotted keys)."""
    sections = split(text, HEADER)
    session = [s for s in sections if s.header == SESSION and not s.array]
    if len(session) != 1:
        return None
    at = drop_keys(session[0], REPLACED_SESSION_KEYS, KEY_LINE, _continues)
    session[0].lines[at:at] = as_block(_keys(target.session))
    ours = {str(contract["id"]): contract for contract in target.contracts}
    done: set[str] = set()
    for section in sections:
        contract_id = _id_of(section)
        if contract_id in ours:
            section.lines[: section.body_end()] = as_block(render_contract(ours[contract_id]))
            done.add(contract_id)
    missing = [c for c in target.contracts if str(c["id"]) not in done]
    last = max(i for i, s in enumerate(sections) if (s.header or "").startswith(SESSION))
    for offset, contract in enumerate(missing, start=1):
        previous = sections[last + offset - 1]
        if previous.lines and previous.lines[-1].strip():
            previous.lines[-1] = ensure_newline(previous.lines[-1])
            previous.lines.append("\n")
        lines = [*as_block(render_contract(contract)), "\n"]
        sections.insert(last + offset, Section(CONTRACTS, True, lines))
    result = join(sections)
    return result if text.endswith("\n\n") else result.rstrip("\n") + "\n"


def _continues(lines: list[str], line: str) -> bool:
    depth = sum(part.count("[") - part.count("]") for part in lines)
    return depth > 0


def _id_of(section: Section) -> str | None:
    if section.header != CONTRACTS or not section.array:
        return None
    body = read("".join(section.lines[1:]))
    found = body.get("id") if body else None
    return str(found) if found is not None else None


def says(text: str, before: dict[str, object], target: Wanted) -> bool:
    """Does `text` hold `target`, keep the team's contracts and change nothing else?"""
    data = read(text)
    if data is None:
        return False
    old, new = table(before) or {}, table(data)
    if new is None:
        return False
    old_contracts = [c for c in _contract_list(old) if c.get("id") not in target.ids]
    new_contracts = _contract_list(new)
    ours = [c for c in new_contracts if c.get("id") in target.ids]
    if [c for c in new_contracts if c.get("id") not in target.ids] != old_contracts:
        return False
    if sorted((canonical_options(c) for c in ours), key=str) != sorted(
        (canonical_options(c) for c in target.contracts), key=str
    ):
        return False
    kept = {k: v for k, v in old.items() if k not in REPLACED_SESSION_KEYS | {"contracts"}}
    session = {k: v for k, v in new.items() if k != "contracts"}
    expected = {**kept, **target.session}
    if {k: canonical(k, v) for k, v in session.items()} != {
        k: canonical(k, v) for k, v in expected.items()
    }:
        return False
    return _without_table(data) == _without_table(before)


def _contract_list(session: dict[str, object]) -> list[dict[str, object]]:
    found = session.get("contracts", [])
    return [c for c in found if isinstance(c, dict)] if isinstance(found, list) else []


def _without_table(data: dict[str, object]) -> dict[str, object]:
    copy = dict(data)
    tool = copy.get("tool")
    if isinstance(tool, dict):
        copy["tool"] = {k: v for k, v in tool.items() if k != "importlinter"}
        if not copy["tool"]:
            del copy["tool"]
    return copy
