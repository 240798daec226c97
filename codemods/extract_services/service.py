"""The service module of one app for `extract-services`: where it lives (`services/<app>.py`, or
the app's own service layer when it has one), what it already binds, and what this run adds:
imports, the module state and helpers moved out of the views, the domain exceptions (once per
app, at the top) and the service functions."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst

from djrefactor.analysis import patterns as m
from djrefactor.analysis.nodes import code
from djrefactor.analysis.scopes import module_names
from djrefactor.discovery.files import is_test_path
from djrefactor.engine import ImportRequest, Project

from .build import ExceptionSpec, exception_class
from .hints import Hint, union

PACKAGE = "services"
Statement = cst.SimpleStatementLine | cst.BaseCompoundStatement


@dataclass
class ServiceModule:
    """`label`'s service module as it is and as this run extends it. Its imports are requests
    to the engine's import editor; the blocks it cannot take (a star import, imports guarded by
    a top-level `if`) are written here."""

    label: str
    module: str
    path: str
    existing: cst.Module | None
    taken: set[str]
    package_init: str | None = None
    """The text of a top-level `services.py` that becomes `services/__init__.py`."""
    imports: dict[ImportRequest, None] = field(default_factory=dict)
    stars: dict[str, cst.SimpleStatementLine] = field(default_factory=dict)
    guarded: dict[str, cst.BaseCompoundStatement] = field(default_factory=dict)
    state: list[Statement] = field(default_factory=list)
    state_code: dict[str, str] = field(default_factory=dict)
    definitions: list[Statement] = field(default_factory=list)
    exceptions: dict[str, ExceptionSpec] = field(default_factory=dict)
    functions: list[cst.FunctionDef] = field(default_factory=list)
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

    def add_imports(self, requests: Sequence[ImportRequest]) -> None:
        """Imports the moved code needs; one the module already binds is not asked twice."""
        for request in requests:
            local = request.alias or request.name or request.module.split(".")[0]
            if local not in self.taken:
                self.imports.setdefault(request, None)

    def add_hint_imports(self, hints: Sequence[Hint]) -> None:
        self.add_imports([ImportRequest(module, name) for h in hints for module, name in h.imports])

    def add_state(self, name: str, statements: Sequence[Statement]) -> bool:
        """A module-level assignment moved or copied from a views module; False when another
        views module already put a different one under the same name."""
        text = "".join(code(s.with_changes(leading_lines=[])) for s in statements)
        known = self.state_code.get(name)
        if known is not None:
            return known == text
        if name in self.taken:
            return False
        self.state_code[name] = text
        self.state += statements
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
    def changes(
        self, project: Project
    ) -> tuple[dict[str, cst.Module | str], frozenset[str], dict[str, tuple[ImportRequest, ...]]]:
        """The files to write and delete, and the imports the module asks for."""
        if not self.functions:
            return {}, frozenset(), {}
        writes: dict[str, cst.Module | str] = {}
        deletes: frozenset[str] = frozenset()
        init = project.module_path(PACKAGE) + "/__init__.py"
        if self.package_init is not None:
            writes[init] = self.package_init
            deletes = frozenset({project.module_path(PACKAGE) + ".py"})
        elif self.module.startswith(PACKAGE + ".") and not project.exists(init):
            writes[init] = ""
        writes[self.path] = self._merged() if self.existing else self._new()
        requests = [FUTURE, *(r for r in self.imports if r != FUTURE)]
        return writes, deletes, {self.path: tuple(requests)}

    def _blocks(self) -> list[Statement]:
        """The import statements the editor does not write: star imports, guarded blocks."""
        stars = [s.with_changes(leading_lines=[cst.EmptyLine()]) for s in self.stars.values()]
        guarded = [s.with_changes(leading_lines=[cst.EmptyLine()]) for s in self.guarded.values()]
        return [*stars, *guarded]

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
        return cst.Module(body=[doc, *self._blocks(), *self._sections()])

    def _merged(self) -> cst.Module:
        assert self.existing is not None
        body: list[cst.BaseStatement] = list(self.existing.body)
        start = 1 if body and _is_docstring(body[0]) else 0
        position = max(_after_imports(body), start)
        sections: list[Statement] = self._sections()
        head = [s for s in sections if not isinstance(s, cst.FunctionDef | cst.ClassDef)]
        rest = [s for s in sections if isinstance(s, cst.FunctionDef | cst.ClassDef)]
        body[position:position] = [*self._blocks(), *head]
        return self.existing.with_changes(body=[*body, *rest])


FUTURE = ImportRequest("__future__", "annotations")
"""Generated annotations (`dict[str, Any]`, `X | None`) are read lazily: they parse on 3.8."""


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
