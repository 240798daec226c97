"""Facts of the whole project that `extract-services` reads once per run: which model methods
and helpers do business, which strings the tests patch, the user model, the URL each view
answers (its name and converters), the vendors and where the service layer lives."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import PurePosixPath

import libcst as cst

from djrefactor.analysis import patterns as m
from djrefactor.analysis.nodes import dotted_name, string_value
from djrefactor.analysis.scopes import module_names
from djrefactor.analysis.tree import TreeIndex, findall, index_of, preorder
from djrefactor.discovery.files import is_test_path
from djrefactor.discovery.layers import is_models_module, is_transport_module
from djrefactor.discovery.vendors import Vendor, registry
from djrefactor.engine import Project
from djrefactor.engine.import_style import import_style

from .bindings import Binding, import_sources, module_bindings
from .hints import Hint
from .select import MAIL, ORM_WRITES, TASK_CALLS, Context, has_business

NOT_WORKFLOW_METHODS = frozenset({"save", "delete", "clean", "full_clean", "get", "__str__"})
USER = Hint("User", (("django.contrib.auth.models", "User"),))
ABSTRACT_USER = Hint("AbstractBaseUser", (("django.contrib.auth.base_user", "AbstractBaseUser"),))
CONVERTER = "<"


@dataclass(frozen=True)
class Route:
    """A URL pattern naming a view: its name and the converter of each keyword argument."""

    name: str | None
    converters: Mapping[str, str]


class Shared:
    """What every views module of a run asks about the rest of the project."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._contexts: dict[str, Context] = {}
        self._bindings: dict[str, dict[str, Binding]] = {}
        self._strings: dict[str, list[str]] = {}
        self._targets: dict[str, frozenset[str]] = {}

    @cached_property
    def vendors(self) -> dict[str, Vendor]:
        return registry(tuple(self.project.config.vendors))

    @cached_property
    def vendor_roots(self) -> frozenset[str]:
        return frozenset(self.vendors) | {"integrations"}

    def vendor_title(self, integration: str) -> str | None:
        vendor = self.integration_vendor(integration)
        return vendor.title if vendor is not None else None

    def integration_vendor(self, integration: str) -> Vendor | None:
        """The SDK an integration module (`integrations.stripe`) wraps; None for one of an
        HTTP client's outside APIs (`integrations.shipping`)."""
        for vendor in self.vendors.values():
            if vendor.integration == integration and not vendor.per_api:
                return vendor
        return None

    def error_vendor(self, origin: str) -> Vendor | None:
        """The SDK an exception class comes from: `stripe.error.CardError`, or
        `integrations.stripe.CardError` which the integration module re-exports."""
        parts = origin.split(".")
        if parts[0] == "integrations" and len(parts) > 2:
            return self.integration_vendor(parts[1])
        return self.vendors.get(parts[0]) if len(parts) > 1 else None

    @cached_property
    def roots(self) -> frozenset[str]:
        modules = (self.project.module_for(path) for path in self.project.python_paths())
        return frozenset(module.split(".")[0] for module in modules if module)

    def is_local(self, dotted: str) -> bool:
        return dotted.lstrip("~*").split(".")[0] in self.roots

    @cached_property
    def offline_modules(self) -> tuple[str, ...]:
        return tuple(module for vendor in self.vendors.values() for module in vendor.offline)

    def is_offline(self, origin: str) -> bool:
        """Does `origin` name a part of an SDK that makes no request (`twilio.twiml...`), itself
        or as the integration module re-exports it (`integrations.twilio.VoiceResponse`)?"""
        parts = origin.split(".")
        if parts[0] == "integrations" and len(parts) > 2:
            path = self.project.path_for(".".join(parts[:2]))
            imported = self.project.imports(path).names if path is not None else ()
            source = next((n for n in imported if n.top_level and n.local == parts[2]), None)
            if source is None:
                return False
            origin = ".".join((source.dotted, *parts[3:]))
        return any(origin == m or origin.startswith(m + ".") for m in self.offline_modules)

    def is_service(self, origin: str) -> bool:
        """A name of the service layer: `services.shop.book`, `shop.services.book`."""
        return self.is_local(origin) and "services" in origin.split(".")

    @cached_property
    def business_methods(self) -> frozenset[str]:
        """Model methods that do business (`payment.refund()` calling the payment provider)."""
        found: set[str] = set()
        for path in self.project.python_paths():
            if not is_models_module(self.project, path) or is_test_path(path):
                continue
            context = self.module_context(path)
            assert context.index is not None
            for node in context.of_type(self.project.tree(path), cst.ClassDef):
                found |= {
                    item.name.value
                    for item in node.body.body
                    if isinstance(item, cst.FunctionDef) and has_business(item.body, context)
                }
        return frozenset(found - NOT_WORKFLOW_METHODS)

    @cached_property
    def test_paths(self) -> list[str]:
        return [path for path in self.project.python_paths() if is_test_path(path)]

    def bindings(self, path: str) -> dict[str, Binding]:
        if path not in self._bindings:
            project = self.project
            tree = project.tree(path)
            self._bindings[path] = module_bindings(
                tree,
                module_names(tree),
                index_of(tree),
                project.module_for(path),
                path.endswith("__init__.py"),
            )
        return self._bindings[path]

    def module_context(self, path: str) -> Context:
        if path not in self._contexts:
            tree = self.project.tree(path)
            imports = import_sources(self.bindings(path))
            index = index_of(tree)
            helpers = business_helpers(tree, imports, index, self)
            self._contexts[path] = self.context(imports, helpers, index)
        return self._contexts[path]

    def context(
        self, imports: Mapping[str, str], helpers: frozenset[str], index: TreeIndex | None
    ) -> Context:
        """A module's context: what it imports, its business helpers, what the project is."""
        return Context(
            imports,
            helpers,
            index=index,
            vendor_roots=self.vendor_roots,
            is_service=self.is_service,
            is_offline=self.is_offline,
        )

    def forget(self, path: str) -> None:
        """Let go of what was learned about one module (it is learned again if asked)."""
        self._bindings.pop(path, None)
        self._contexts.pop(path, None)

    def imported_business(self, imports: Mapping[str, str]) -> frozenset[str]:
        """Names imported from the project's own modules whose function does business
        (`from .notifications import notify_doctor` that sends mail); never the service layer
        or another transport module."""
        found = set()
        for name, origin in imports.items():
            module, _, function = origin.rpartition(".")
            path = self.project.path_for(module) if module else None
            if path is None or self.is_service(origin) or is_transport_module(self.project, path):
                continue
            if function in self.module_context(path).business_helpers:
                found.add(name)
        return frozenset(found)

    def patched_targets(self, module: str) -> frozenset[str]:
        """Dotted strings naming something through `module`, in test files."""
        if module not in self._targets:
            prefix = module + "."
            quoted = (f'"{prefix}', f"'{prefix}")
            self._targets[module] = frozenset(
                value[len(prefix) :]
                for path in self.test_paths
                if self.project.mentions(path, *quoted)
                for value in self._string_values(path)
                if value.startswith(prefix)
            )
        return self._targets[module]

    def _string_values(self, path: str) -> list[str]:
        """The string literals of a test file, but for the targets of `mock.patch.dict`: that
        one changes the object in place, which every module holding it sees."""
        if path not in self._strings:
            nodes = preorder(self.project.tree(path))  # one walk, class tests: no matchers
            in_place = {
                id(call.args[0].value)
                for call in nodes
                if type(call) is cst.Call
                and isinstance(call.func, cst.Attribute)
                and call.func.attr.value == "dict"
                and call.args
            }
            self._strings[path] = [
                value
                for node in nodes
                if type(node) is cst.SimpleString
                and id(node) not in in_place
                and isinstance(value := string_value(node), str)
            ]
        return self._strings[path]

    @cached_property
    def line_length(self) -> int:
        """The project's line length, as its import sorter is configured (ruff's, isort's)."""
        return import_style(self.project).line_length

    # -- the user model --------------------------------------------------------------------
    @cached_property
    def user(self) -> Hint:
        """`AUTH_USER_MODEL` when it names a model of the project, Django's User when unset."""
        setting = self._setting("AUTH_USER_MODEL")
        if setting is None:
            return USER
        label, _, name = setting.partition(".")
        for app in self.project.facts.apps:
            if app.label == label:
                return Hint(name, ((f"{app.module}.models", name),))
        return ABSTRACT_USER

    def _setting(self, name: str) -> str | None:
        path = self.project.facts.settings_path
        if path is None or not self.project.exists(path):
            return None
        for statement in self.project.tree(path).body:
            if m.matches(
                statement,
                m.SimpleStatementLine(
                    body=[m.Assign(targets=[m.AssignTarget(m.Name(name))], value=m.SimpleString())]
                ),
            ):
                assert isinstance(statement, cst.SimpleStatementLine)
                value = statement.body[0].value  # type: ignore[attr-defined]  # matched above
                evaluated = string_value(value)
                return evaluated if isinstance(evaluated, str) else None
        return None

    # -- URLs ------------------------------------------------------------------------------
    @cached_property
    def routes(self) -> dict[str, Route]:
        """`app.views.close_ticket` / `app.views.CloseTicketView` -> the URL that names it."""
        found: dict[str, Route] = {}
        for path in self.project.python_paths():
            if PurePosixPath(path).stem != "urls" or not self.project.mentions(path, "path("):
                continue
            imports = import_sources(self.bindings(path))
            for call in findall(
                self.project.tree(path), m.Call(func=m.Name("path") | m.Name("re_path"))
            ):
                assert isinstance(call, cst.Call)
                route = _route(call, imports)
                if route is not None:
                    found.setdefault(*route)
        return found


def _route(call: cst.Call, imports: Mapping[str, str]) -> tuple[str, Route] | None:
    if len(call.args) < 2:
        return None
    view = call.args[1].value
    if m.matches(view, m.Call(func=m.Attribute(attr=m.Name("as_view")))):
        assert isinstance(view, cst.Call) and isinstance(view.func, cst.Attribute)
        view = view.func.value
    dotted = dotted_name(view)
    if dotted is None:
        return None
    head, _, rest = dotted.partition(".")
    origin = imports.get(head)
    if origin is None:
        return None
    target = f"{origin}.{rest}" if rest else origin
    name = next(
        (
            value
            for a in call.args
            if a.keyword is not None
            and a.keyword.value == "name"
            and isinstance(a.value, cst.SimpleString)
            and isinstance(value := string_value(a.value), str)
        ),
        None,
    )
    pattern = call.args[0].value
    text = string_value(pattern) if isinstance(pattern, cst.SimpleString) else None
    return target, Route(name, _converters(text if isinstance(text, str) else ""))


def _converters(route: str) -> dict[str, str]:
    """`tickets/<int:pk>/` -> {"pk": "int"}; `<slug>` -> {"slug": "str"}."""
    found: dict[str, str] = {}
    for part in route.split(CONVERTER)[1:]:
        inside = part.split(">", 1)[0]
        kind, _, name = inside.rpartition(":")
        if name.isidentifier():
            found[name] = kind or "str"
    return found


def business_helpers(
    tree: cst.Module, imports: Mapping[str, str], index: TreeIndex, shared: Shared
) -> frozenset[str]:
    """Top-level functions that do business, directly or through each other."""
    functions = {s.name.value: s for s in tree.body if isinstance(s, cst.FunctionDef)}
    found: frozenset[str] = frozenset()
    while True:
        context = shared.context(imports, found, index)
        grown = frozenset(name for name, f in functions.items() if has_business(f.body, context))
        if grown == found:
            return found
        found = grown


# Every business call names one of these in the file's text: the attribute called, the vendor
# or mail module it is imported from (`from django.db import transaction`), or a local helper
# that itself makes such a call.
def call_words(vendor_roots: frozenset[str]) -> tuple[str, ...]:
    return tuple(sorted(ORM_WRITES | TASK_CALLS | vendor_roots | {n.split(".")[2] for n in MAIL}))
