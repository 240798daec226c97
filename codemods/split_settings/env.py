"""Environment reads in a settings module, and the edits production and development need.

A read is `os.environ.get("X", d)` / `os.getenv("X")` / `os.environ["X"]`, django-environ's
`env("X", default=d)` / `env.list(...)`, python-decouple's `config("X", default=d, cast=...)`,
or a helper called with the variable's name (`_env_list("X", d)`). Production keeps the
project's own variable and parsing and only loses the default (`require`); development keeps
a DEBUG toggle with DEBUG on when unset (`debug_on_by_default`); real host names in a default
stay as production's default (`keep_real_hosts`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

import libcst as cst

from djrefactor.analysis import patterns as m
from djrefactor.analysis.nodes import dotted_name
from djrefactor.analysis.tree import findall

REQUIRED_HELPER = "_required_env"
_VARIABLE = re.compile(r"^[A-Z_][A-Z0-9_]*$")
_LOCAL_HOSTS = frozenset(
    {"", "*", "localhost", "127.0.0.1", "[::1]", "::1", "0.0.0.0", "testserver"}
)


class Kind(Enum):
    OS_GET = "os.environ.get"
    OS_ITEM = "os.environ[]"
    OS_IN = "in os.environ"
    ENVIRON = "django-environ"
    DECOUPLE = "decouple"
    HELPER = "helper"


@dataclass(frozen=True)
class Bindings:
    """Names the settings module binds to environment readers."""

    environ: frozenset[str] = frozenset()
    decouple: frozenset[str] = frozenset()

    @staticmethod
    def of(tree: cst.Module) -> Bindings:
        environ: set[str] = set()
        decouple: set[str] = set()
        for node in findall(tree, m.Assign(targets=[m.AssignTarget(m.Name())])):
            assert isinstance(node, cst.Assign)
            target = node.targets[0].target
            assert isinstance(target, cst.Name)
            func = node.value.func if isinstance(node.value, cst.Call) else None
            called = dotted_name(func) if func is not None else None
            if called in ("environ.Env", "Env"):
                environ.add(target.value)
            elif called in ("AutoConfig", "decouple.AutoConfig"):
                decouple.add(target.value)
        for node in findall(tree, m.ImportFrom(module=m.Name("decouple"))):
            assert isinstance(node, cst.ImportFrom)
            if isinstance(node.names, cst.ImportStar):
                continue
            for alias in node.names:
                if m.matches(alias.name, m.Name("config")):
                    bound = alias.asname.name if alias.asname else alias.name
                    if isinstance(bound, cst.Name):
                        decouple.add(bound.value)
        return Bindings(frozenset(environ), frozenset(decouple))


@dataclass(frozen=True)
class Read:
    """One environment read: the node (a Call or Subscript), its variable and library."""

    node: cst.BaseExpression
    variable: str
    kind: Kind

    @property
    def default(self) -> cst.BaseExpression | None:
        if not isinstance(self.node, cst.Call):
            return None
        for arg in self.node.args:
            if arg.keyword is not None and arg.keyword.value == "default":
                return arg.value
        positional = [arg for arg in self.node.args if arg.keyword is None]
        if self.kind in (Kind.OS_GET, Kind.DECOUPLE, Kind.HELPER) and len(positional) > 1:
            return positional[1].value
        return None


def _variable(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString) and isinstance(node.evaluated_value, str):
        value = node.evaluated_value
        return value if _VARIABLE.match(value) else None
    return None


def _kind(call: cst.Call, bindings: Bindings) -> Kind | None:
    name = dotted_name(call.func) or ""
    if name in ("os.environ.get", "os.getenv", "environ.get", "getenv"):
        return Kind.OS_GET
    head = name.split(".")[0]
    if head in bindings.environ:
        return Kind.ENVIRON
    if name in bindings.decouple or name == "decouple.config":
        return Kind.DECOUPLE
    last = name.rsplit(".", 1)[-1].lower()
    helper = "env" in last or last.startswith(("get_secret", "secret", "_flag"))
    return Kind.HELPER if helper else None


def reads(node: cst.CSTNode, bindings: Bindings) -> list[Read]:
    """Every environment read inside `node`, in source order."""
    found: list[Read] = []
    for item in findall(node, m.Call() | m.Subscript() | m.Comparison()):
        if isinstance(item, cst.Comparison):
            found += _presence(item)
            continue
        if isinstance(item, cst.Subscript):
            if dotted_name(item.value) in ("os.environ", "environ") and len(item.slice) == 1:
                index = item.slice[0].slice
                variable = _variable(index.value) if isinstance(index, cst.Index) else None
                if variable:
                    found.append(Read(item, variable, Kind.OS_ITEM))
            continue
        assert isinstance(item, cst.Call)
        positional = [arg for arg in item.args if arg.keyword is None]
        variable = _variable(positional[0].value) if positional else None
        kind = _kind(item, bindings) if variable else None
        if variable and kind:
            found.append(Read(item, variable, kind))
    return found


def _presence(node: cst.Comparison) -> list[Read]:
    """`"X" in os.environ`: the variable's presence is the setting."""
    target = node.comparisons[0] if len(node.comparisons) == 1 else None
    if target is None or not isinstance(target.operator, cst.In | cst.NotIn):
        return []
    variable = _variable(node.left)
    if variable is None or dotted_name(target.comparator) not in ("os.environ", "environ"):
        return []
    return [Read(node, variable, Kind.OS_IN)]


def variables(node: cst.CSTNode, bindings: Bindings) -> list[str]:
    return list(dict.fromkeys(read.variable for read in reads(node, bindings)))


# -- edits ----------------------------------------------------------------------------------------
class _Replace(cst.CSTTransformer):
    def __init__(self, old: cst.CSTNode, new: cst.BaseExpression) -> None:
        super().__init__()
        self.old, self.new = old, new

    def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode) -> cst.CSTNode:  # type: ignore[override]
        return self.new if original is self.old else updated


def replace(
    statement: cst.BaseStatement, old: cst.CSTNode, new: cst.BaseExpression
) -> cst.BaseStatement:
    updated = statement.visit(_Replace(old, new))
    assert isinstance(updated, cst.BaseStatement)
    return updated


def _without_default(call: cst.Call, kind: Kind) -> cst.Call:
    args = [arg for arg in call.args if arg.keyword is None or arg.keyword.value != "default"]
    if kind is Kind.DECOUPLE:
        positional = [arg for arg in args if arg.keyword is None]
        args = [arg for arg in args if arg is not (positional[1] if len(positional) > 1 else None)]
    if args:
        args[-1] = args[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return call.with_changes(args=args)


def required(read: Read) -> cst.BaseExpression | None:
    """The read without its default (so a missing variable fails at import); None when the
    library's call cannot be told to require it (a project helper)."""
    if read.kind is Kind.OS_ITEM:
        return read.node
    if not isinstance(read.node, cst.Call):  # a presence test cannot be required
        return None
    if read.kind is Kind.OS_GET:
        return cst.Call(
            func=cst.Name(REQUIRED_HELPER), args=[cst.Arg(cst.SimpleString(f'"{read.variable}"'))]
        )
    if read.kind in (Kind.ENVIRON, Kind.DECOUPLE):
        return _without_default(read.node, read.kind)
    return None


def with_default(read: Read, value: cst.BaseExpression) -> cst.BaseExpression | None:
    """The read with `value` as its default (None when there is no default to replace)."""
    if not isinstance(read.node, cst.Call):
        return None
    current = read.default
    if current is None:
        if read.kind not in (Kind.ENVIRON, Kind.DECOUPLE):
            return None
        keyword = cst.Arg(
            keyword=cst.Name("default"),
            value=value,
            equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
        )
        args = list(read.node.args)
        args[-1] = args[-1].with_changes(
            comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        )
        return read.node.with_changes(args=[*args, keyword])
    updated = read.node.visit(_Replace(current, value))
    assert isinstance(updated, cst.BaseExpression)
    return updated


# -- DEBUG in development -------------------------------------------------------------------------
def debug_on_by_default(
    value: cst.BaseExpression, bindings: Bindings
) -> tuple[cst.BaseExpression, str] | None:
    """`DEBUG`'s value for development: the same toggle, on when the variable is unset (a
    presence test, `"X" in os.environ`, stays as it is: setting it is how developers switch
    DEBUG on). Returns the expression and the variable; None when DEBUG reads no variable."""
    found = reads(value, bindings)
    if not found:
        return None
    read = found[0]
    if read.kind is Kind.OS_IN:
        return value, read.variable
    if read.kind in (Kind.ENVIRON, Kind.DECOUPLE) and read.node is value:
        updated = with_default(read, cst.Name("True"))
        if updated is not None:
            return updated, read.variable
    toggle = cst.IfExp(
        test=cst.Comparison(
            left=cst.SimpleString(f'"{read.variable}"'),
            comparisons=[
                cst.ComparisonTarget(
                    operator=cst.In(), comparator=cst.parse_expression("os.environ")
                )
            ],
        ),
        body=value,
        orelse=cst.Name("True"),
    )
    return toggle, read.variable


# -- hosts ----------------------------------------------------------------------------------------
def is_local_host(host: str) -> bool:
    host = host.strip().lower()
    return host in _LOCAL_HOSTS or host.endswith(".localhost") or host.startswith("127.")


def real_hosts(items: Iterable[str]) -> list[str]:
    return [item for item in items if not is_local_host(item)]


def _strings(node: cst.BaseExpression) -> list[str] | None:
    if isinstance(node, cst.List | cst.Tuple):
        values = [e.value for e in node.elements]
        if all(isinstance(v, cst.SimpleString) for v in values):
            return [str(v.evaluated_value) for v in values if isinstance(v, cst.SimpleString)]
    return None


def hosts_of(node: cst.BaseExpression) -> list[str] | None:
    """Host names in a literal: a list/tuple of strings, or a comma/space separated string."""
    listed = _strings(node)
    if listed is not None:
        return listed
    if isinstance(node, cst.SimpleString) and isinstance(node.evaluated_value, str):
        return [host for host in re.split(r"[\s,]+", node.evaluated_value) if host]
    return None


def real_hosts_literal(node: cst.BaseExpression) -> cst.BaseExpression | None:
    """The literal with local hosts dropped, same shape and separator; None if none remain."""
    hosts = hosts_of(node)
    if hosts is None:
        return None
    kept = real_hosts(hosts)
    if not kept:
        return None
    if isinstance(node, cst.SimpleString):
        text = str(node.evaluated_value)
        separator = match.group(0) if (match := re.search(r"[\s,]+", text)) else ","
        quote = node.quote
        return cst.SimpleString(f"{node.prefix}{quote}{separator.join(kept)}{quote}")
    assert isinstance(node, cst.List | cst.Tuple)
    elements = [
        e
        for e in node.elements
        if isinstance(e.value, cst.SimpleString) and not is_local_host(str(e.value.evaluated_value))
    ]
    elements[-1] = elements[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return node.with_changes(elements=elements)
