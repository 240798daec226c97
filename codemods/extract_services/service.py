"""The service module of one app for `extract-services`: where it lives (`services/<app>.py`, or
the app's own service layer when it has one), what it already binds, and what this run adds:
imports, the module state and helpers moved out of the views, the domain exceptions (once per
app, at the top) and the service functions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import libcst as cst
import libcst.matchers as m

from djrefactor.analysis.nodes import code
from djrefactor.analysis.scopes import module_names
from djrefactor.discovery.files import is_test_path
from djrefactor.engine import Project

from .build import ExceptionSpec, exception_class
from .hints import Hint, union
from .importing import ImportLine, name_line, ordered_imports

PACKAGE = "services"
Statement = cst.SimpleStatementLine | cst.BaseCompoundStatement


@dataclass
class ServiceModule:
    """`label`'s service module as it is and as this run extends it."""

    label: str
    module: str
    path: str
    existing: cst.Module | None
    taken: set[str]
    package_init: str | None = None
    """The text of a top-level `services.py` that becomes `services/__init__.py`."""
    imports: dict[str, ImportLine] = field(default_factory=dict)
    guarded: dict[str, cst.BaseCompoundStatement] = field(default_factory=dict)
    state: list[Statement] = field(default_factory=list)
    state_code: dict[str, str] = field(default_factory=dict)
    definitions: list[Statement] = field(default_factory=list)
    exceptions: dict[str, ExceptionSpec] = field(default_factory=dict)
    functions: list[cst.FunctionDef] = field(default_factory=list)
    is_local: Callable[[str], bool] = lambda dotted: False
    """Whether a dotted name is the project's own (for isort's sections)."""
    width: int = 88
    """The project's line length."""

    @staticmethod
    def load(project: Project, label: str, app_module: str | None) -> ServiceModule | str:
        """The service module of an app, or why the step leaves the app alone."""
        for module in (f"{PACKAGE}.{label}", f"{app_module}.{PACKAGE}" if app_module else None):
            if module is None:
                continue
            path = project.path_for(module)
            if path is not None and not is_test_path(path):
                tree = project.tree(path)
                return ServiceModule(label, module, path, tree, set(module_names(tree).bound_names))
        return _new_module(project, label)

    @property
    def is_new(self) -> bool:
        return self.existing is None

    def bound(self) -> set[str]:
        """Every name the module will bind at the top level."""
        names = set(self.taken)
        for entry in self.imports.values():
            names |= _import_names(entry.line)
        for statement in [*self.state, *self.definitions, *self.functions]:
            names |= _defined(statement)
        return names | set(self.exceptions)

    def add_imports(self, lines: Sequence[ImportLine]) -> None:
        """Imports the module lacks; a name it already binds is not imported again."""
        for entry in lines:
            if _import_names(entry.line) and _import_names(entry.line) <= self.taken:
                continue
            self.imports.setdefault(code(entry.line), entry)

    def add_hint_imports(self, hints: Sequence[Hint], is_local: object) -> None:
        assert callable(is_local)
        for hint in hints:
            for module, name in hint.imports:
                self.add_imports([name_line(module, name, is_local)])

    def add_state(self, name: str, statement: Statement) -> bool:
        """A module-level assignment moved or copied from a views module; False when another
        views module already put a different one under the same name."""
        text = code(statement.with_changes(leading_lines=[]))
        known = self.state_code.get(name)
        if known is not None:
            return known == text
        if name in self.taken:
            return False
        self.state_code[name] = text
        self.state.append(statement)
        return True

    def add_exception(self, spec: ExceptionSpec, passes: frozenset[str]) -> None:
        """One class per condition: a second raise site that passes other values makes the
        ones it lacks optional."""
        known = self.exceptions.get(spec.name)
        if known is None:
            self.exceptions[spec.name] = spec
            return
        attributes = dict(known.attributes)
        for name, hint in spec.attributes.items():
            merged = union([attributes[name], hint]) if name in attributes else hint
            attributes[name] = merged or hint
        optional = set(known.optional) | {n for n in attributes if n not in passes}
        optional |= {n for n in known.attributes if n not in spec.attributes}
        optional |= {n for n in spec.attributes if n not in known.attributes}
        self.exceptions[spec.name] = ExceptionSpec(
            spec.name, known.doc, attributes, frozenset(optional)
        )

    # -- output ----------------------------------------------------------------------------
    def writes(self, project: Project) -> tuple[dict[str, cst.Module | str], frozenset[str]]:
        if not self.functions:
            return {}, frozenset()
        writes: dict[str, cst.Module | str] = {}
        deletes: frozenset[str] = frozenset()
        init = project.module_path(PACKAGE) + "/__init__.py"
        if self.package_init is not None:
            writes[init] = self.package_init
            deletes = frozenset({project.module_path(PACKAGE) + ".py"})
        elif self.module.startswith(PACKAGE + ".") and not project.exists(init):
            writes[init] = ""
        writes[self.path] = self._merged() if self.existing else self._new()
        return writes, deletes

    def _future(self) -> list[ImportLine]:
        return [name_line("__future__", "annotations", lambda _: False)]

    def _sections(self) -> list[Statement]:
        """Module state, exceptions, moved helpers, then the service functions."""
        state = [_spaced(s, 1 if i == 0 else None) for i, s in enumerate(self.state)]
        exceptions = [exception_class(spec, self.width) for spec in self.exceptions.values()]
        definitions = [_spaced(s, 2) for s in self.definitions]
        return [*state, *exceptions, *definitions, *self.functions]

    def _new(self) -> cst.Module:
        doc = cst.SimpleStatementLine(
            [
                cst.Expr(
                    cst.SimpleString(
                        f'"""Workflows of the {self.label} app: plain functions its views and '
                        'serializers call."""'
                    )
                )
            ]
        )
        imports = ordered_imports([*self._future(), *self.imports.values()])
        imports[0] = imports[0].with_changes(leading_lines=[cst.EmptyLine()])
        guarded = [s.with_changes(leading_lines=[cst.EmptyLine()]) for s in self.guarded.values()]
        return cst.Module(body=[doc, *imports, *guarded, *self._sections()])

    def _merged(self) -> cst.Module:
        assert self.existing is not None
        body: list[cst.BaseStatement] = list(self.existing.body)
        future = [] if "annotations" in self.taken else ordered_imports(self._future())
        if future:
            future[0] = future[0].with_changes(leading_lines=[cst.EmptyLine()])
        start = 1 if body and _is_docstring(body[0]) else 0
        position = max(_after_imports(body), start)
        block = body[start:position]
        imports: list[ImportLine] = list(self.imports.values())
        if block and all(_plain_import(s) for s in block):
            imports = [*(_as_line(s, self.is_local) for s in block), *imports]
            del body[start:position]
            position = start
        new_imports = ordered_imports(imports)
        if new_imports and position == start:
            new_imports[0] = new_imports[0].with_changes(leading_lines=[cst.EmptyLine()])
        guarded = [s.with_changes(leading_lines=[cst.EmptyLine()]) for s in self.guarded.values()]
        sections: list[Statement] = self._sections()
        head = [s for s in sections if not isinstance(s, cst.FunctionDef | cst.ClassDef)]
        rest = [s for s in sections if isinstance(s, cst.FunctionDef | cst.ClassDef)]
        body[position:position] = [*new_imports, *guarded, *head]
        body[start:start] = future
        return self.existing.with_changes(body=[*body, *rest])


def _new_module(project: Project, label: str) -> ServiceModule | str:
    module = f"{PACKAGE}.{label}"
    path = project.module_path(module) + ".py"
    top = project.path_for(PACKAGE)
    if top is None:
        return ServiceModule(label, module, path, None, set())
    top_names = module_names(project.tree(top)).bound_names
    if label in top_names:
        return (
            f"{top} already binds `{label}`: services/{label}.py would be hidden behind it; "
            "rename one of them, then run the step again"
        )
    if top.endswith("/__init__.py") or top == f"{PACKAGE}/__init__.py":
        return ServiceModule(label, module, path, None, set())
    return ServiceModule(label, module, path, None, set(), package_init=project.text(top))


def _plain_import(statement: cst.BaseStatement) -> bool:
    """An import line with no comment and nothing else on it: safe to re-sort."""
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Import | cst.ImportFrom)
        and not isinstance(getattr(statement.body[0], "names", None), cst.ImportStar)
        and not any(line.comment for line in statement.leading_lines)
        and statement.trailing_whitespace.comment is None
    )


def _as_line(statement: cst.BaseStatement, is_local: Callable[[str], bool]) -> ImportLine:
    assert isinstance(statement, cst.SimpleStatementLine)
    node = statement.body[0]
    if isinstance(node, cst.ImportFrom):
        source = ("." * len(node.relative)) + (code(node.module) if node.module else "")
        return ImportLine(is_local(source), "~" + source, statement.with_changes(leading_lines=[]))
    assert isinstance(node, cst.Import)
    key = code(node.names[0].name)
    return ImportLine(is_local(key), key, statement.with_changes(leading_lines=[]))


def _is_docstring(statement: cst.BaseStatement) -> bool:
    return m.matches(statement, m.SimpleStatementLine(body=[m.Expr(m.SimpleString())]))


def _after_imports(body: Sequence[cst.BaseStatement]) -> int:
    position = 0
    for index, statement in enumerate(body):
        if m.matches(statement, m.SimpleStatementLine(body=[m.Import() | m.ImportFrom()])):
            position = index + 1
    return position


def _spaced(statement: Statement, blank: int | None) -> Statement:
    """The statement with `blank` empty lines before its comments (None: as it was)."""
    if blank is None:
        return statement
    comments = [ln for ln in statement.leading_lines if ln.comment]
    return statement.with_changes(leading_lines=[cst.EmptyLine()] * blank + comments)


def _import_names(statement: cst.SimpleStatementLine) -> set[str]:
    names: set[str] = set()
    for small in statement.body:
        if isinstance(small, cst.Import | cst.ImportFrom) and not isinstance(
            small.names, cst.ImportStar
        ):
            for alias in small.names:
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    names.add(alias.asname.name.value)
                else:
                    names.add(code(alias.name).split(".")[0])
    return names


def _defined(statement: cst.BaseStatement) -> set[str]:
    if isinstance(statement, cst.FunctionDef | cst.ClassDef):
        return {statement.name.value}
    if isinstance(statement, cst.SimpleStatementLine):
        return {
            target.target.value
            for small in statement.body
            if isinstance(small, cst.Assign)
            for target in small.targets
            if isinstance(target.target, cst.Name)
        }
    return set()
