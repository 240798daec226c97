"""Third-party SDKs the registry does not know, reported so the project can name them.

Not a codemod. A module that is neither the standard library, nor the project's own, nor a
framework or local library (`NON_VENDORS`), and whose functions or classes the project calls
with a credential or an endpoint (`AuthyApiClient(settings.AUTHY_API_KEY)`, `sdk.api_key =
...`) is most likely an outside service. Read with `ast`: nothing here is rewritten.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Callable, Iterable, Mapping

from djrefactor.discovery.vendors import NON_VENDORS, Vendor
from djrefactor.engine import Note, Project

_CREDENTIAL = re.compile(r"(KEY|TOKEN|SECRET|SID|PASSWORD|CREDENTIALS?|DSN|_URL|ENDPOINT|HOST)\b")
_FRAMEWORK_PREFIXES = ("django", "drf_", "rest_framework", "celery", "pytest", "wagtail")


def likely_vendors(
    project: Project,
    paths: Iterable[str],
    vendors: Mapping[str, Vendor],
    first_party: Callable[[str], bool],
) -> list[Note]:
    """One note per unknown SDK the project calls, with where (up to three places)."""
    found: dict[str, list[tuple[str, int]]] = {}
    for path in paths:
        if not _imports_candidate(project, path, vendors, first_party):
            continue
        for top, line in _calls(project.text(path), vendors, first_party):
            found.setdefault(top, []).append((path, line))
    notes = []
    for top, places in sorted(found.items()):
        where = ", ".join(f"{path}:{line}" for path, line in places[:3])
        more = f" and {len(places) - 3} more" if len(places) > 3 else ""
        notes.append(
            Note(
                places[0][0],
                places[0][1],
                (
                    f"`{top}` looks like a vendor SDK (calls at {where}{more}); add it to "
                    "[tool.djrefactor] vendors to move it behind integrations/"
                ),
            )
        )
    return notes


def _imports_candidate(
    project: Project, path: str, vendors: Mapping[str, Vendor], first_party: Callable[[str], bool]
) -> bool:
    """The import index (already read for the engine) names every module the file imports:
    most files import no unknown third-party module, and need no parse here."""
    tops = {imported.module.split(".")[0] for imported in project.imports(path).names}
    return any(_is_candidate(top, vendors) and not first_party(top) for top in tops)


def _calls(
    text: str, vendors: Mapping[str, Vendor], first_party: Callable[[str], bool]
) -> list[tuple[str, int]]:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return []
    bound = _third_party_names(tree, vendors, first_party)
    if not bound:
        return []
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _credentialed(node):
            top = bound.get(_root(node.func) or "")
            if top:
                found.append((top, node.lineno))
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            top = bound.get(_root(target) or "") if isinstance(target, ast.Attribute) else None
            if top and _credentialed_value(node.value):
                found.append((top, node.lineno))
    return found


def _third_party_names(
    tree: ast.Module, vendors: Mapping[str, Vendor], first_party: Callable[[str], bool]
) -> dict[str, str]:
    """Local name -> top-level module, for the imports of unknown third-party modules."""
    bound: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            pairs = [(alias.name, alias.asname or alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            pairs = [(node.module, alias.asname or alias.name) for alias in node.names]
        else:
            continue
        for module, local in pairs:
            top = module.split(".")[0]
            if _is_candidate(top, vendors) and not first_party(top):
                bound[local] = top
    return bound


def _is_candidate(top: str, vendors: Mapping[str, Vendor]) -> bool:
    return not (
        top in vendors
        or top in NON_VENDORS
        or top in sys.stdlib_module_names
        or top == "__future__"
        or top.startswith(_FRAMEWORK_PREFIXES)
    )


def _root(node: ast.expr) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Call)):
        node = node.value if isinstance(node, ast.Attribute) else node.func
    return node.id if isinstance(node, ast.Name) else None


def _credentialed(call: ast.Call) -> bool:
    values = [*call.args, *(keyword.value for keyword in call.keywords)]
    return any(_credentialed_value(value) for value in values)


def _credentialed_value(value: ast.expr) -> bool:
    for node in ast.walk(value):
        if isinstance(node, ast.Attribute) and _CREDENTIAL.search(node.attr):
            return True
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            if text.startswith(("https://", "http://")):
                return True
            if text.isupper() and _CREDENTIAL.search(text):
                return True
        if isinstance(node, ast.Name) and node.id.isupper() and _CREDENTIAL.search(node.id):
            return True
    return False
