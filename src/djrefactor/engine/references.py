"""Rewrite every reference to a moved dotted name, the same way for every codemod.

Python files: `import a.b`, `import a.b as c`, `from a import b`, relative imports, attribute
chains spelled through a plain `import a.b`, and string literals that are dotted paths
(`"a.b.c"`, `"a.b:app"`: settings values, `mock.patch` targets, `include()`...).
Other files (pytest.ini, Procfile, Dockerfile...): dotted paths at word boundaries.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence

import libcst as cst
from libcst.helpers import get_full_name_for_node

from djrefactor.analysis.imports import resolve_relative
from djrefactor.analysis.nodes import dotted_expr, dotted_name, string_value
from djrefactor.analysis.tree import replay, transform
from djrefactor.engine.app_references import (
    IMPORT,
    STRING,
    AppStrings,
    config_names,
    follows_in_text,
    string_contexts,
)
from djrefactor.model import Redirect


def _retarget(value: str, old: str, new: str) -> str | None:
    """`old.x` -> `new.x`; None when `value` is not `old` or below it (or already `new`)."""
    if new.startswith(old + ".") and (value == new or value.startswith(new + ".")):
        return None
    module, colon, attribute = value.partition(":")
    if colon and old.startswith(module + "."):
        return _retarget_attribute(module, attribute, old, new)
    if value == old:
        return new
    for sep in (".", ":"):
        if value.startswith(old + sep):
            rest = value[len(old) + 1 :]
            if sep == "." and "." not in old and _looks_like_model_label(rest):
                return None
            return new + sep + rest
    return None


def _retarget_attribute(module: str, attribute: str, old: str, new: str) -> str | None:
    """`mod:name` when `old` is `mod.name` (a name moved out of its module): `newmod:name`."""
    mapped = _retarget(f"{module}.{attribute}", old, new)
    if mapped is None:
        return None
    depth = old.count(".") - module.count(".")
    new_parts = new.split(".")
    if depth >= len(new_parts):
        return None
    new_module = ".".join(new_parts[:-depth])
    return f"{new_module}:{mapped[len(new_module) + 1 :]}"


def _looks_like_model_label(rest: str) -> bool:
    """`app.Model` strings (AUTH_USER_MODEL, lazy FKs) name app labels, which moves keep."""
    return rest.isidentifier() and rest[:1].isupper()


def _requote(string: cst.SimpleString, value: str) -> cst.SimpleString:
    prefix = string.prefix
    quote = string.quote
    return string.with_changes(value=f"{prefix}{quote}{value}{quote}")


def _within(value: str, old: str) -> bool:
    """`value` is `old` or names something below it (`old.x`, `old:x`)."""
    return value == old or value.startswith((old + ".", old + ":"))


def _is_kept(value: str, keep: Collection[str]) -> bool:
    """Does `value` name a kept module (or something inside it)?"""
    return any(value == kept or value.startswith((kept + ".", kept + ":")) for kept in keep)


class _Rewriter(cst.CSTTransformer):
    acts_on = (cst.Import, cst.ImportFrom, cst.SimpleString)
    """What it rewrites: a line of any other statement comes back as it was (see `transform`)."""

    def __init__(
        self,
        module: str | None,
        is_package: bool,
        targets: Sequence[tuple[str, str]],
        keep: Collection[str] = (),
        apps: Mapping[str, AppStrings] | None = None,
        contexts: Mapping[int, str] | None = None,
    ):
        super().__init__()
        self.module = module
        self.is_package = is_package
        self.targets = targets
        self.keep = keep
        self.apps = apps or {}
        self.contexts = contexts or {}
        self.renamed_imports: list[tuple[str, str]] = []
        self.changed = False

    # -- helpers ------------------------------------------------------------------------------
    def _map(self, dotted: str, context: str = IMPORT) -> str | None:
        if _is_kept(dotted, self.keep):
            return None
        for old, new in self.targets:
            app = self.apps.get(old)
            if app is not None and _within(dotted, old) and not app.follows(dotted, context):
                return None
            mapped = _retarget(dotted, old, new)
            if mapped is not None and mapped != dotted:
                return mapped
        return None

    # -- import a.b / import a.b as c -----------------------------------------------------------
    def leave_Import(self, original: cst.Import, updated: cst.Import) -> cst.Import:
        names = []
        for alias in updated.names:
            dotted = get_full_name_for_node(alias.name)
            mapped = self._map(dotted) if dotted else None
            if mapped is None or dotted is None:
                names.append(alias)
                continue
            if alias.asname is None:
                self.renamed_imports.append((dotted, mapped))
            names.append(alias.with_changes(name=dotted_expr(mapped)))
            self.changed = True
        return updated.with_changes(names=names)

    # -- from a import b -------------------------------------------------------------------------
    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.FlattenSentinel[cst.SimpleStatementLine]:
        if len(updated.body) != 1 or not isinstance(updated.body[0], cst.ImportFrom):
            return updated
        statements = self._rewrite_from(updated.body[0])
        if statements is None:
            return updated
        self.changed = True
        lines = [updated.with_changes(body=[statements[0]])]
        lines += [cst.SimpleStatementLine(body=[extra]) for extra in statements[1:]]
        return lines[0] if len(lines) == 1 else cst.FlattenSentinel(lines)

    def _rewrite_from(self, node: cst.ImportFrom) -> list[cst.ImportFrom] | None:
        level = len(node.relative)
        name = get_full_name_for_node(node.module) if node.module else None
        absolute = resolve_relative(self.module, self.is_package, level, name)
        if absolute is None:
            return None
        mapped = self._map(absolute)
        if mapped is not None:
            return [node.with_changes(module=dotted_expr(mapped), relative=[])]
        if isinstance(node.names, cst.ImportStar):
            return None
        return self._split_moved_names(node, absolute)

    def _split_moved_names(
        self, node: cst.ImportFrom, absolute: str
    ) -> list[cst.ImportFrom] | None:
        assert not isinstance(node.names, cst.ImportStar)
        kept: list[cst.ImportAlias] = []
        moved: dict[str, list[cst.ImportAlias]] = {}
        for alias in node.names:
            imported = get_full_name_for_node(alias.name)
            mapped = self._map(f"{absolute}.{imported}") if imported else None
            if mapped is None or imported is None:
                kept.append(alias)
                continue
            parent, _, last = mapped.rpartition(".")
            local = alias.asname.name if alias.asname else cst.Name(imported)
            asname = None if last == imported and alias.asname is None else cst.AsName(name=local)
            if isinstance(local, cst.Name) and local.value == last:
                asname = None
            new_alias = cst.ImportAlias(name=cst.Name(last), asname=asname)
            moved.setdefault(parent, []).append(new_alias)
        if not moved:
            return None
        statements: list[cst.ImportFrom] = []
        if kept:
            kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            statements.append(
                node.with_changes(names=kept, lpar=None, rpar=None)
                if len(kept) < 2
                else node.with_changes(names=kept)
            )
        for parent, aliases in moved.items():
            statement = cst.ImportFrom(
                module=dotted_expr(parent) if parent else None, names=aliases
            )
            statements.append(statement)
        if not kept:
            statements[0] = statements[0].with_changes(
                whitespace_after_import=node.whitespace_after_import
            )
        return statements

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False

    # -- strings -------------------------------------------------------------------------------
    def leave_SimpleString(
        self, original: cst.SimpleString, updated: cst.SimpleString
    ) -> cst.SimpleString:
        if "\n" in updated.value or "b" in updated.prefix.lower():
            return updated
        value = string_value(updated)
        if not isinstance(value, str) or not _DOTTED.fullmatch(value):
            return updated
        mapped = self._map(value, self.contexts.get(id(original), STRING))
        if mapped is None:
            return updated
        self.changed = True
        return _requote(updated, mapped)


class _OutsideImports(cst.CSTTransformer):
    """A transformer for expressions: import statements are rewritten elsewhere."""

    def visit_Import(self, node: cst.Import) -> bool:
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        return False


class _AttributeRewriter(_OutsideImports):
    """`a.b.x` -> `new.x` in a file whose plain `import a.b` became `import new`."""

    def __init__(self, renamed: Sequence[tuple[str, str]]) -> None:
        super().__init__()
        self.renamed = renamed

    def leave_Attribute(
        self, original: cst.Attribute, updated: cst.Attribute
    ) -> cst.BaseExpression:
        dotted = dotted_name(original)
        if dotted is None:
            return updated
        for old, new in self.renamed:
            if dotted == old or dotted.startswith(old + "."):
                return dotted_expr(new + dotted[len(old) :])
        return updated


class _ModuleBindings(cst.CSTVisitor):
    """Local names bound to modules: `import a.b` (`a.b`), `import a.b as v`, `from a import b`."""

    def __init__(self, module: str | None, is_package: bool) -> None:
        super().__init__()
        self.module = module
        self.is_package = is_package
        self.bound: dict[str, str] = {}

    def visit_Import(self, node: cst.Import) -> bool:
        for alias in node.names:
            dotted = dotted_name(alias.name)
            if dotted is None:
                continue
            local = dotted_name(alias.asname.name) if alias.asname else dotted
            if isinstance(local, str):
                self.bound[local] = dotted
        return False

    def visit_ImportFrom(self, node: cst.ImportFrom) -> bool:
        if isinstance(node.names, cst.ImportStar):
            return False
        name = dotted_name(node.module) if node.module else None
        base = resolve_relative(self.module, self.is_package, len(node.relative), name)
        if base is None:
            return False
        for alias in node.names:
            imported = dotted_name(alias.name)
            local = dotted_name(alias.asname.name) if alias.asname else imported
            if imported and local:
                self.bound[local] = f"{base}.{imported}"
        return False


class _MovedNameAccess(_OutsideImports):
    """`views.helper` -> `services.app.helper` (plus `import services.app`) when only the name
    `helper` left the module `views` is bound to; the import of the module itself stays."""

    def __init__(
        self, bound: dict[str, str], targets: Sequence[tuple[str, str]], keep: Collection[str]
    ) -> None:
        super().__init__()
        self.bound = bound
        self.targets = targets
        self.keep = keep
        self.needed: set[str] = set()

    def leave_Attribute(
        self, original: cst.Attribute, updated: cst.Attribute
    ) -> cst.BaseExpression:
        dotted = dotted_name(original)
        if dotted is None:
            return updated
        parts = dotted.split(".")
        for end in range(len(parts) - 1, 0, -1):
            module = self.bound.get(".".join(parts[:end]))
            if module is not None:
                return self._retarget(updated, module, parts[end:])
        return updated

    def _retarget(self, updated: cst.Attribute, module: str, rest: list[str]) -> cst.BaseExpression:
        absolute = ".".join([module, *rest])
        if _is_kept(absolute, self.keep):
            return updated
        for old, new in self.targets:
            if not old.startswith(module + "."):
                continue  # the module itself moved: its import is rewritten instead
            mapped = _retarget(absolute, old, new)
            depth = old.count(".") - module.count(".")
            if mapped is None or depth >= new.count(".") + 1:
                continue
            self.needed.add(new.rsplit(".", depth)[0])
            return dotted_expr(mapped)
        return updated


def _follow_moved_names(
    tree: cst.Module,
    module: str | None,
    is_package: bool,
    targets: Sequence[tuple[str, str]],
    keep: Collection[str],
) -> cst.Module | None:
    bindings = _ModuleBindings(module, is_package)
    replay(tree, bindings)  # read-only: no node is rebuilt
    if not bindings.bound:
        return None
    access = _MovedNameAccess(bindings.bound, targets, keep)
    updated = transform(tree, access)
    if not access.needed:
        return None
    # libcst.codemod imports libcst.matchers (0.3 s): only when an import is added this way
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import AddImportsVisitor

    context = CodemodContext()
    for needed in sorted(access.needed):
        AddImportsVisitor.add_needed_import(context, needed)
    return AddImportsVisitor(context).transform_module(updated)


_DOTTED = re.compile(r"[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)*(:[A-Za-z_][\w.]*)?")


def import_targets_pass(
    tree: cst.Module,
    module: str | None,
    is_package: bool,
    targets: Sequence[tuple[str, str]],
    keep: Collection[str] = (),
    follow_names: bool = True,
    apps: Mapping[str, AppStrings] | None = None,
) -> cst.Module | None:
    """Apply `targets` (old, new) to one Python tree; None when nothing referred to them.

    `follow_names`: the file imports a module that a moved name lived in, so uses through it
    (`views.helper()` after `from app import views`) must follow the name; callers that know
    from `import_relations` that it does not can skip that pass.

    References to a module in `keep` (or below it) stay as written: when `old` became a
    package, its new submodules (`settings.base`) are not `old` moved elsewhere.

    Attribute chains through a renamed `import a.b` are rewritten in a second pass, once the
    renamed imports are known.

    `apps` holds the string rules of targets that are Django apps keeping their label: their
    strings follow only where they name the package (see `app_references`).
    """
    contexts = string_contexts(tree) if apps and any(old in apps for old, _ in targets) else {}
    rewriter = _Rewriter(module, is_package, targets, keep, apps, contexts)
    updated = transform(tree, rewriter)
    if rewriter.renamed_imports:
        updated = transform(updated, _AttributeRewriter(rewriter.renamed_imports))
    followed = (
        _follow_moved_names(updated, module, is_package, targets, keep) if follow_names else None
    )
    if followed is not None:
        return followed
    return updated if rewriter.changed else None


def text_pass(
    text: str,
    targets: Sequence[tuple[str, str]],
    keep: Collection[str] = (),
    apps: Mapping[str, AppStrings] | None = None,
    config: bool = True,
) -> str:
    """Rewrite dotted references in a non-Python file (pytest.ini, Procfile, Dockerfile...).

    A Django app keeping its label (`apps`) is followed in config files only (`config`), never in
    templates and data files, and there only where a string names its package."""
    for old, new in targets:
        app = (apps or {}).get(old)
        if app is not None and app.labelled and not config:
            continue
        pattern = re.compile(rf"(?<![\w.]){re.escape(old)}(?![\w])(?:[.:][\w.]*\w)?")

        def swap(
            match: re.Match[str], old: str = old, new: str = new, app: AppStrings | None = app
        ) -> str:
            value = match.group(0)
            glob = match.string.startswith(".*", match.end())
            if _is_kept(value, keep) or app is not None and not follows_in_text(app, value, glob):
                return value
            mapped = _retarget(value, old, new)
            return value if mapped is None else mapped

        text = pattern.sub(swap, text)
        if app is not None and app.labelled:
            text = config_names(text, app)
    return text


def may_refer(text: str, redirect: Redirect) -> bool:
    """Cheap prefilter: could this file's text refer to `redirect.old` at all?"""
    old = redirect.old
    if old in text:
        return True
    first, _, rest = old.partition(".")
    last = old.rsplit(".", 1)[-1]
    return last in text and (first in text or "from ." in text)
