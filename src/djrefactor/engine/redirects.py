"""Rewrite every reference to a redirected dotted name across the snapshot, the same way for
every codemod: imports and string references in Python files, dotted paths in config files."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import libcst as cst

from djrefactor.analysis.imports import ImportStatements, code_and_import_statements
from djrefactor.discovery.files import is_config_file
from djrefactor.engine.app_references import redirect_apps
from djrefactor.engine.references import import_targets_pass, may_refer, text_pass
from djrefactor.model import Redirect
from djrefactor.project import Project, is_python


def redirect(
    project: Project,
    redirects: Sequence[Redirect],
    progress: Callable[[str, int, int], None] | None = None,
) -> Project:
    if not redirects:
        return project
    keep = _modules_below(project, [redirect.old for redirect in redirects])
    apps = redirect_apps(project, redirects)
    texts: dict[str, str] = {}
    trees: dict[str, cst.Module] = {}
    statements: dict[str, ImportStatements] = {}
    # A reference to `a.b.c` always contains the word `c`: redirects indexed by that word, so
    # each file costs a lookup per redirect word, not a test of every redirect.
    by_last: dict[str, list[Redirect]] = {}
    for redirect in redirects:
        by_last.setdefault(redirect.old.rsplit(".", 1)[-1], []).append(redirect)
    order = {id(redirect): index for index, redirect in enumerate(redirects)}
    # Spelled out, `a.b.c` has the words `a`, `b` and `c`: a set test before a text search
    # (a last word such as `stripe` can be shared by a redirect from every views module).
    parts = {id(redirect): frozenset(redirect.old.split(".")) for redirect in redirects}
    # Few distinct words: a substring test per word beats reading every word of every file
    # (large static files); both only preselect, what follows decides on exact grounds.
    by_words = len(by_last) > _FEW_WORDS
    for count, path in enumerate(project.paths):
        if progress is not None and count % 32 == 0:  # often enough for a person
            progress(f"references in {path}", count, len(project.paths))
        if by_words:
            hits = [r for last in by_last.keys() & project.words(path) for r in by_last[last]]
        else:
            text = project.text(path)
            hits = [r for last, found in by_last.items() if last in text for r in found]
        if not hits:
            continue
        present = sorted(hits, key=lambda redirect: order[id(redirect)])
        text = project.text(path)
        if not is_python(path):
            targets = [(r.old, r.target_for(path)) for r in present if may_refer(text, r)]
            config = is_config_file(path)
            new_text = text_pass(text, targets, keep, apps, config) if targets else text
            if new_text != text:
                texts[path] = new_text
            continue
        # Python: only what the file imports or spells out can refer to a moved name, and
        # either way each part of `a.b.c` is a word of the file, or of its own package's name
        # (`from . import c` inside `a.b`).
        module = project.module_for(path)
        is_package = path.endswith("__init__.py")
        words = project.words(path)
        own = words | frozenset(module.split(".")) if module else words
        present = [redirect for redirect in present if parts[id(redirect)] <= own]
        if not present:
            continue  # no import read: for a file a step wrote, that is a parse
        imports = project.imports(path)
        targets, follow = [], False
        for redirect in present:
            imported, binds_parent = imports.relation(redirect.old)
            if imported or parts[id(redirect)] <= words and _spelled_in(text, redirect.old):
                targets.append((redirect.old, redirect.target_for(path)))
                follow = follow or binds_parent
        if not targets:
            continue
        tree = project.tree(path)
        updated = import_targets_pass(tree, module, is_package, targets, keep, follow, apps)
        if updated is None:
            continue
        new_text, found = code_and_import_statements(updated)
        if new_text != text:
            texts[path], trees[path], statements[path] = new_text, updated, found
    return project.evolve(texts, trees, (), statements)


_FEW_WORDS = 32


def _spelled_in(text: str, dotted: str) -> bool:
    """`a.b.c` written out in `text`, also as `a.b:c` (entry points, gunicorn targets)."""
    parent, _, last = dotted.rpartition(".")
    return dotted in text or bool(parent) and f"{parent}:{last}" in text


def _modules_below(project: Project, olds: Sequence[str]) -> frozenset[str]:
    """Modules that now exist below a redirected name: `old` became a package (settings.py ->
    settings/base.py...), and references to its new submodules must stay as they are."""
    prefixes = tuple(old + "." for old in olds)
    found = set()
    for path in project.python_paths():
        module = project.module_for(path)
        if module is not None and module.startswith(prefixes):
            found.add(module)
    return frozenset(found)
