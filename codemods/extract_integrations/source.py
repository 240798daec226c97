"""One caller module as the scan and the wrappers see it: names, parents, positions, and which of
its expressions can be evaluated inside an integration module (`portable`).

A value is portable when every name it reads is a module-level import of something that is not
the project's own code (`settings` from `django.conf`, `Decimal`), a builtin, or a setting read
through the project's settings module (`from config.settings.base import OPENAI_MODEL`, which a
wrapper reads as `settings.OPENAI_MODEL`). A name a test patches through the caller
(`mock.patch("api.views.project_settings.SECRET")`) stays in the caller.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property

import libcst as cst

from djrefactor.analysis.nodes import Codegen, code, start_lines
from djrefactor.analysis.scopes import ImportStatement, ModuleNames, Names, import_bound_names
from djrefactor.analysis.tree import preorder
from djrefactor.engine import Project

SETTINGS_IMPORT = "from django.conf import settings"
_BLANK = cst.Module(body=[])
"""Whose defaults `code()` renders with."""


@dataclass
class ProjectContext:
    """What every file's analysis needs to know about the whole project, computed once."""

    project: Project
    settings_modules: Callable[[str], bool]
    first_party: Callable[[str], bool]
    test_text: str
    line_length: int
    python: tuple[int, int] | None = None

    def evaluates_annotations(self) -> bool:
        """Annotations run at definition time and `from __future__ import annotations` is not
        available (Python before 3.7): generated ones use the typing forms."""
        return self.python is not None and self.python < (3, 7)

    def needs_future_annotations(self) -> bool:
        """`X | None` and `dict[...]` in annotations need the `__future__` import (3.7-3.9)."""
        return self.python is not None and (3, 7) <= self.python < (3, 10)


@dataclass(frozen=True)
class Layout:
    """Where a node starts in its file: column, indentation of its line, and that indentation
    beyond its statement's."""

    column: int
    indent: int
    relative: int


@dataclass(eq=False)
class Source:
    """The analysis of one caller module."""

    path: str
    module: str | None
    tree: cst.Module
    names: Names
    found: ModuleNames
    context: ProjectContext
    settings_names: dict[str, str] = field(default_factory=dict)
    settings_aliases: set[str] = field(default_factory=set)
    vendor_names: set[str] = field(default_factory=set)
    local_constants: dict[cst.Name, tuple[cst.Assign, cst.BaseExpression]] = field(
        default_factory=dict
    )
    _resolving: set[cst.Name] = field(default_factory=set)
    _lines: dict[int, int] | None = None
    _layouts: dict[cst.CSTNode, Layout] = field(default_factory=dict)

    @property
    def parents(self) -> dict[cst.CSTNode, cst.CSTNode]:
        return self.found.parents

    @cached_property
    def has_comments(self) -> bool:
        """The module has a comment somewhere (its text has a `#`): half the callers have none,
        and their calls need no search for comments."""
        return "#" in self.context.project.text(self.path)

    def line(self, node: cst.CSTNode) -> int:
        """Lines are computed for the few files that need one (notes)."""
        if self._lines is None:
            self._lines = start_lines(self.tree)
        return self._lines[id(node)]

    def layout(self, node: cst.CSTNode) -> Layout:
        """Where `node` starts, read from its statement's code (cheaper than positions, which
        render the whole module): its column, its line's indentation, and that indentation
        beyond the statement's (the frame `code(node)` writes continuation lines in). A call
        and its arguments ask again while they are rewritten: each answer is kept."""
        found = self._layouts.get(node)
        if found is None:
            found = self._layouts[node] = self._layout(node)
        return found

    def _layout(self, node: cst.CSTNode) -> Layout:
        statement: cst.CSTNode | None = node
        while statement is not None and not isinstance(
            statement, (cst.BaseSmallStatement, cst.BaseCompoundStatement)
        ):
            statement = self.parents.get(statement)
        if statement is None:
            return Layout(0, 0, 0)
        base = self._block_indent(statement)
        relative = self._line_indent(node)
        text, first_line = _up_to_first_line(statement, node)
        index = max(text.find(first_line), 0)
        line_start = text.rfind("\n", 0, index) + 1
        return Layout(base + index - line_start, base + relative, relative)

    def _line_indent(self, node: cst.CSTNode) -> int:
        """The indentation (beyond the statement's) of the line `node` starts on: the
        whitespace that opens the nearest enclosing argument or element on a line of its own."""
        current = node
        while not isinstance(current, (cst.BaseSmallStatement, cst.BaseCompoundStatement)):
            parent = self.parents.get(current)
            if parent is None:
                return 0
            before = _whitespace_before(parent, current)
            if isinstance(before, cst.ParenthesizedWhitespace):
                indent = len(before.last_line.value)
                return indent if before.indent else indent - self._block_indent(parent)
            current = parent
        return 0

    def _block_indent(self, node: cst.CSTNode) -> int:
        indent = 0
        current = self.parents.get(node)
        while current is not None:
            if isinstance(current, cst.IndentedBlock):
                indent += len(current.indent or self.tree.default_indent)
            current = self.parents.get(current)
        return indent

    # -- settings read through the settings module -------------------------------------------
    def find_settings_imports(self) -> None:
        """Names and module aliases this file binds from the project's settings module."""
        for statement, _, _ in self.found.imports:
            if isinstance(statement.names, cst.ImportStar):
                continue
            for alias in statement.names:
                dotted = _imported_dotted(statement, alias, self.module)
                if dotted is None:
                    continue
                local = import_bound_names(alias)[-1]
                if "." in local or self._patched(local):
                    continue
                if self.context.settings_modules(dotted):
                    self.settings_aliases.add(local)
                    continue
                parent, _, name = dotted.rpartition(".")
                is_from = isinstance(statement, cst.ImportFrom)
                if is_from and name.isupper() and self.context.settings_modules(parent):
                    self.settings_names[local] = name

    def _patched(self, local: str) -> bool:
        """A test patches this name through the caller: reads of it must stay in the caller
        (`f"{module}.{local}" in test_text`, asked only where the tests write `module.`)."""
        text = self.context.test_text
        return any(text.startswith(local, at) for at in self._test_mentions)

    @cached_property
    def _test_mentions(self) -> tuple[int, ...]:
        """Where the tests' text continues after `<this module>.` (most modules: nowhere)."""
        if self.module is None:
            return ()
        text, prefix = self.context.test_text, f"{self.module}."
        found = []
        at = text.find(prefix)
        while at >= 0:
            found.append(at + len(prefix))
            at = text.find(prefix, at + 1)
        return tuple(found)

    # -- portability -------------------------------------------------------------------------
    def portable(self, expr: cst.BaseExpression) -> frozenset[str] | None:
        """The imports `expr` needs in an integration module, or None when it reads values only
        the caller has (locals, attributes of locals, the project's own module-level names)."""
        imports: set[str] = set()
        for name in free_names(expr):
            needed = self._import_for(name)
            if needed is None:
                return None
            imports |= needed
        return frozenset(imports)

    def _import_for(self, name: cst.Name) -> frozenset[str] | None:
        if self._reads_settings(name):
            return frozenset({SETTINGS_IMPORT})
        statements = self.names.global_imports(name)
        vendor = name.value in self.vendor_names
        if statements is not None and not vendor and self._patched(name.value):
            return None  # tests reach it through this module: it stays here
        if statements is None:
            referents = self.names.referents(name)
            if referents and all(binding.is_builtin for binding in referents):
                return frozenset()
            constant = self._local_constant(name)
            if constant is not None:
                self.local_constants[name] = constant
                return frozenset()
            return self._module_constant(name)
        if any(map(self._is_first_party_import, statements)):
            return None
        return frozenset(import_statement(statement, name.value) for statement in statements)

    def _local_constant(self, name: cst.Name) -> tuple[cst.Assign, cst.BaseExpression] | None:
        """`url = "https://..."` in the same function, read only here: its value moves in
        (and the line goes)."""
        referents = self.names.referents(name)
        if len(referents) != 1 or referents[0].scope is self.tree:
            return None
        target = referents[0].node
        parent = self.parents.get(target) if target is not None else None
        assign = self.parents.get(parent) if parent is not None else None
        if not isinstance(assign, cst.Assign) or len(assign.targets) != 1:
            return None
        literal = (cst.SimpleString, cst.ConcatenatedString, cst.Integer, cst.Float)
        if not isinstance(assign.value, literal):
            return None
        if len(self.names.references(referents[0])) != 1:
            return None
        return assign, assign.value

    def _module_constant(self, name: cst.Name) -> frozenset[str] | None:
        """`STRIPE_KEY = getattr(settings, "STRIPE_KEY", "")` at the top of the module, read
        only here and nowhere else in the project: its value moves in (normalized, so it reads
        settings as the integration does) and the line goes. Returns the imports the value
        needs; None for anything else (a comment on the line keeps it where it is)."""
        referents = self.names.referents(name)
        if len(referents) != 1 or referents[0].scope is not self.tree:
            return None
        target = referents[0].node
        parent = self.parents.get(target) if target is not None else None
        assign = self.parents.get(parent) if parent is not None else None
        statement = self.parents.get(assign) if assign is not None else None
        if (
            not isinstance(assign, cst.Assign)
            or len(assign.targets) != 1
            or not isinstance(statement, cst.SimpleStatementLine)
            or len(statement.body) != 1
            or self.parents.get(statement) is not self.tree
            or _has_comment(statement)
            or len(self.names.references(referents[0])) != 1
            or name in self._resolving
            or self._patched(name.value)
            or self._named_elsewhere(name.value)
        ):
            return None
        self._resolving.add(name)
        try:
            needed = self.portable(assign.value)
        finally:
            self._resolving.discard(name)
        if needed is None:
            return None
        self.local_constants[name] = (assign, self.normalized(assign.value))
        return needed

    @cached_property
    def _exported(self) -> frozenset[str]:
        """The strings of the module's `__all__`."""
        found: set[str] = set()
        for statement in self.tree.body:
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                targets = (
                    [t.target for t in small.targets]
                    if isinstance(small, cst.Assign)
                    else [small.target]
                    if isinstance(small, cst.AugAssign | cst.AnnAssign)
                    else []
                )
                if any(isinstance(t, cst.Name) and t.value == "__all__" for t in targets):
                    found |= {
                        str(node.evaluated_value)
                        for node in preorder(small)
                        if isinstance(node, cst.SimpleString)
                    }
        return frozenset(found)

    def _named_elsewhere(self, word: str) -> bool:
        """A string of this module (`__all__`) names it, or another file of the project that
        names it imports it from here (`from billing.models import STRIPE_KEY`, `*`, or the
        module itself): a file with a constant of its own of that name does not count."""
        project = self.context.project
        if word in self._exported:
            return True
        if self.module is None:
            return False
        dotted = f"{self.module}.{word}"
        for path in project.python_paths():
            if path == self.path or word not in project.words(path):
                continue
            imports = project.imports(path)
            if imports.relation(dotted)[0] or any(
                imported.name == "*" and imported.module == self.module
                for imported in imports.names
            ):
                return True
        return False

    def _reads_settings(self, name: cst.Name) -> bool:
        if name.value in self.settings_names:
            return self.names.global_imports(name) is not None
        if name.value not in self.settings_aliases:
            return False
        parent = self.parents.get(name)
        is_root = isinstance(parent, cst.Attribute) and parent.value is name
        return is_root and self.names.global_imports(name) is not None

    def _is_first_party_import(self, statement: ImportStatement) -> bool:
        if isinstance(statement, cst.ImportFrom):
            if statement.relative:
                return True
            top = from_module(statement).split(".")[0]
        else:
            top = dotted_code(statement.names[0].name).split(".")[0]
        return self.context.first_party(top)

    def normalized(self, expr: cst.BaseExpression) -> cst.BaseExpression:
        """`expr` as an integration module writes it: settings-module reads become
        `settings.NAME`."""
        if not (self.settings_names or self.settings_aliases or self.local_constants):
            return expr
        constants = {name: value for name, (_, value) in self.local_constants.items()}
        normalized = expr.visit(_Normalize(self.settings_names, self.settings_aliases, constants))
        assert isinstance(normalized, cst.BaseExpression)
        return normalized

    def normalized_code(self, expr: cst.BaseExpression) -> str:
        return code(self.normalized(expr))


class _Normalize(cst.CSTTransformer):
    def __init__(
        self,
        settings_names: Mapping[str, str],
        aliases: set[str],
        constants: Mapping[cst.Name, cst.BaseExpression],
    ) -> None:
        super().__init__()
        self.settings_names = settings_names
        self.aliases = aliases
        self.constants = constants
        self.skip: set[cst.CSTNode] = set()

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        self.skip.add(node.attr)
        return True

    def visit_Arg(self, node: cst.Arg) -> bool:
        if node.keyword is not None:
            self.skip.add(node.keyword)
        return True

    def leave_Attribute(
        self, original: cst.Attribute, updated: cst.Attribute
    ) -> cst.BaseExpression:
        value = original.value
        if isinstance(value, cst.Name) and value.value in self.aliases:
            return updated.with_changes(value=cst.Name("settings"))
        return updated

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        if original in self.constants:
            return self.constants[original]
        if original in self.skip or original.value not in self.settings_names:
            return updated
        return cst.Attribute(cst.Name("settings"), cst.Name(self.settings_names[original.value]))


# -- helpers -----------------------------------------------------------------------------------
def _has_comment(statement: cst.SimpleStatementLine) -> bool:
    return statement.trailing_whitespace.comment is not None or any(
        line.comment is not None for line in statement.leading_lines
    )


def _up_to_first_line(statement: cst.CSTNode, node: cst.CSTNode) -> tuple[str, str]:
    """`code(statement)` cut after the first line of `code(node)`, and that line: everything
    `text.find(line)` can see of the whole statement, rendered without the rest of it."""
    if _renders_alone(type(node)):
        state = _UntilFirstLine(_BLANK.default_indent, _BLANK.default_newline, node=node)
        try:
            statement._codegen(state)
        except _FirstLineDone:
            text = "".join(state.tokens)
            line = text[state.start :].split("\n", 1)[0]
            return text[: state.start + len(line)], line
    return code(statement), code(node).split("\n", 1)[0]


@cache
def _renders_alone(kind: type[cst.CSTNode]) -> bool:
    """The node's code is the same inside its parent as on its own (no parent passes it a
    default comma or semicolon)."""
    return list(inspect.signature(kind._codegen_impl).parameters) == ["self", "state"]


class _FirstLineDone(Exception):
    pass


@dataclass(frozen=False)
class _UntilFirstLine(Codegen):
    """Code generation that stops at the end of `node` or of the first line of its code."""

    node: cst.CSTNode | None = None
    start: int = -1

    def before_codegen(self, node: cst.CSTNode) -> None:
        if node is self.node:
            self.start = sum(map(len, self.tokens))

    def after_codegen(self, node: cst.CSTNode) -> None:
        if node is self.node:
            raise _FirstLineDone

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        if self.start >= 0 and "\n" in value:
            raise _FirstLineDone


def _whitespace_before(parent: cst.CSTNode, child: cst.CSTNode) -> cst.CSTNode | None:
    """The whitespace right before `child` inside a call's arguments or a display's elements."""
    items: Sequence[cst.CSTNode]
    if isinstance(parent, cst.Call):
        items, opening = parent.args, parent.whitespace_before_args
    elif isinstance(parent, (cst.List, cst.Set)):
        items, opening = (
            parent.elements,
            _after(parent.lbracket if isinstance(parent, cst.List) else parent.lbrace),
        )
    elif isinstance(parent, cst.Dict):
        items, opening = parent.elements, parent.lbrace.whitespace_after
    elif isinstance(parent, cst.Tuple) and parent.lpar:
        items, opening = parent.elements, parent.lpar[0].whitespace_after
    else:
        return None
    index = next((i for i, item in enumerate(items) if item is child), None)
    if index is None:
        return None
    if index == 0:
        return opening
    comma = getattr(items[index - 1], "comma", None)
    return comma.whitespace_after if isinstance(comma, cst.Comma) else None


def _after(
    bracket: cst.LeftSquareBracket | cst.LeftCurlyBrace,
) -> cst.BaseParenthesizableWhitespace:
    return bracket.whitespace_after


def from_module(statement: cst.ImportFrom) -> str:
    return dotted_code(statement.module) if statement.module else ""


def dotted_code(node: cst.BaseExpression) -> str:
    """`code(node)` of a dotted name, read from its fields when it has no spaces or
    parentheses (as imports nearly always write it): no code generation."""
    if node.lpar or node.rpar:
        return code(node)
    if type(node) is cst.Name:
        return node.value
    if type(node) is cst.Attribute and _tight(node.dot):
        return f"{dotted_code(node.value)}.{dotted_code(node.attr)}"
    return code(node)


def _tight(dot: cst.Dot) -> bool:
    before, after = dot.whitespace_before, dot.whitespace_after
    return (
        type(before) is cst.SimpleWhitespace
        and type(after) is cst.SimpleWhitespace
        and not before.value
        and not after.value
    )


def _imported_dotted(
    statement: ImportStatement, alias: cst.ImportAlias, module: str | None
) -> str | None:
    """The absolute dotted name an import alias binds (`from a import b` -> `a.b`)."""
    if isinstance(statement, cst.Import):
        return dotted_code(alias.name)
    base = from_module(statement)
    if statement.relative:
        if module is None:
            return None
        package = module.split(".")[: -len(statement.relative)]
        base = ".".join([*package, base] if base else package)
    return f"{base}.{dotted_code(alias.name)}" if base else None


def local_name(alias: cst.ImportAlias) -> str:
    if alias.asname is not None:
        assert isinstance(alias.asname.name, cst.Name)
        return alias.asname.name.value
    return dotted_code(alias.name)


def import_statement(statement: cst.CSTNode, name: str) -> str:
    """The one-name import statement that binds `name` the way `statement` does."""
    assert isinstance(statement, (cst.Import, cst.ImportFrom))
    assert not isinstance(statement.names, cst.ImportStar)
    for alias in statement.names:
        local = local_name(alias)
        if local == name or local.startswith(name + "."):
            imported = dotted_code(alias.name)
            suffix = f" as {local}" if alias.asname is not None else ""
            if isinstance(statement, cst.Import):
                return f"import {imported}{suffix}"
            return f"from {from_module(statement)} import {imported}{suffix}"
    raise AssertionError(f"{name} not bound by {code(statement)}")


def free_names(expr: cst.BaseExpression) -> list[cst.Name]:
    """The Names `expr` reads (not attribute names, keywords or names its lambdas bind)."""
    nodes = preorder(expr)
    skipped: set[cst.CSTNode] = set()
    for node in nodes:
        if type(node) is cst.Attribute:
            skipped.add(node.attr)
        elif type(node) is cst.Arg and node.keyword is not None:
            skipped.add(node.keyword)
        elif type(node) is cst.Param:
            skipped.add(node.name)
    return [node for node in nodes if type(node) is cst.Name and node not in skipped]
