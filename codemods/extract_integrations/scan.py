"""Find vendor SDK uses in one module: operations, clients, configuration and re-exported names.

Not a codemod: `extract-integrations` scans each non-test module and turns the findings into
wrappers (`build`) and call-site edits (`rewrite`). Names are resolved with the shared scope
resolver, so aliases (`import stripe as s`, `from twilio.rest import Client as Twilio`) and local
shadowing are handled. A client is followed from where it is built to the calls made on it: a
module-level instance, a local, an inline `Client(...).messages.create(...)`, or a local handed
to a helper of the same module (the helper's calls go through the wrapper, its parameter goes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import libcst as cst

from djrefactor.analysis.naming import snake
from djrefactor.analysis.nodes import code
from djrefactor.analysis.scopes import ImportStatement, module_names, walk
from djrefactor.analysis.tree import find_type
from djrefactor.discovery.vendors import Vendor
from djrefactor.engine import Note

from .naming import http_module, operation_name
from .source import ProjectContext, Source, dotted_code, from_module, local_name


@dataclass(frozen=True)
class Binding:
    """How an integration module names a vendor object: its import and the expression to use."""

    qualified: str
    statement: str
    expr: str


@dataclass(eq=False)
class Construct:
    """A client constructor call: `callee` is how the integration spells the constructor."""

    call: cst.Call
    callee: str
    qualified: str
    binding: Binding
    source: Source


@dataclass(eq=False)
class SharedClient:
    """A module-level client instance; it moves into the integration with its comments."""

    module: str
    name: str
    construct: Construct
    statement: cst.SimpleStatementLine
    comments: tuple[str, ...]


@dataclass(eq=False)
class Site:
    """One operation call to replace by a wrapper call.

    `receiver` is the node inside `call` that stands for the vendor: the callee path of a
    module-level call, or the client (a name or the constructor call itself)."""

    source: Source
    call: cst.Call
    receiver: cst.BaseExpression
    vendor: Vendor
    module: str
    key: str
    chain: tuple[str, ...]
    name: str
    binding: Binding | None = None
    construct: Construct | None = None
    shared: SharedClient | None = None
    is_async: bool = False
    discarded: bool = False
    factory: bool = False


@dataclass(frozen=True)
class Reexport:
    """A vendor class or exception the caller keeps using, now reached through the integration.

    `nodes` are the references to rewrite as `<integration>.<name>`."""

    module: str
    name: str
    value: str
    binding: Binding
    nodes: tuple[cst.BaseExpression, ...]


@dataclass(frozen=True)
class Config:
    """`stripe.api_key = settings.X`: set once in the integration module."""

    vendor: str
    module: str
    target: str
    value: str
    binding: Binding
    imports: frozenset[str]
    comments: tuple[str, ...]
    path: str
    line: int
    in_function: bool


@dataclass
class FileScan:
    """Everything found in one module; notes say what stays and why."""

    source: Source
    sites: list[Site] = field(default_factory=list)
    reexports: list[Reexport] = field(default_factory=list)
    configs: list[Config] = field(default_factory=list)
    shared: list[SharedClient] = field(default_factory=list)
    removed_statements: set[cst.CSTNode] = field(default_factory=set)
    moved_statements: set[cst.CSTNode] = field(default_factory=set)
    removed_names: dict[str, Binding] = field(default_factory=dict)
    unused_imports: dict[ImportStatement, set[cst.ImportAlias]] = field(default_factory=dict)
    removed_params: set[cst.Param] = field(default_factory=set)
    removed_args: set[cst.Arg] = field(default_factory=set)
    constructors: dict[str, Construct] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)

    @property
    def path(self) -> str:
        return self.source.path

    @property
    def is_empty(self) -> bool:
        return not (
            self.sites or self.reexports or self.configs or self.shared or self.unused_imports
        )


@dataclass(frozen=True)
class _Use:
    """One reference to a vendor binding: the outermost attribute chain and its qualified name."""

    node: cst.BaseExpression
    qualified: str
    rest: tuple[str, ...]
    binding: Binding


class _Unsafe(Exception):
    """A use that cannot be moved safely; the message is the note's reason (none: silent)."""

    def __init__(self, node: cst.CSTNode, reason: str) -> None:
        super().__init__(reason)
        self.node = node
        self.reason = reason


@dataclass(frozen=True)
class _Route:
    """A client handed to a helper of the same module: the helper's parameter and its calls."""

    function: cst.FunctionDef
    param: cst.Param
    index: int
    uses: tuple[cst.CSTNode, ...]


ENV_LOADERS = frozenset({"load_dotenv", "read_dotenv", "read_env"})
"""Calls that fill os.environ from a file (python-dotenv, django-dotenv, django-environ)."""
GENERIC_CLASSES = frozenset({"Client", "Api", "API", "Gateway", "Service", "Session", "Sdk"})


class _Scanner:
    def __init__(self, source: Source, vendors: Mapping[str, Vendor]) -> None:
        self.source = source
        self.vendors = vendors
        self.parents = source.parents
        self.names = source.names
        self.result = FileScan(source)
        self.routes: dict[cst.FunctionDef, list[_Route]] = {}

    # -- entry --------------------------------------------------------------------------------
    def scan(self) -> FileScan:
        imports = [statement for statement, _, _ in self.source.found.imports]
        found = self._vendor_imports(imports)
        self.source.vendor_names = {local_name(alias).split(".")[0] for _, alias, _ in found}
        for statement, alias, binding in found:
            self._scan_binding(statement, alias, binding)
        self.result.reexports = [
            replace(reexport, module=self._reexport_module(reexport))
            for reexport in self.result.reexports
        ]
        return self.result

    def note(self, node: cst.CSTNode, reason: str) -> None:
        self.result.notes.append(Note(self.source.path, self.source.line(node), reason))

    # -- imports ------------------------------------------------------------------------------
    def _vendor_imports(
        self, imports: list[ImportStatement]
    ) -> list[tuple[ImportStatement, cst.ImportAlias, Binding]]:
        found: list[tuple[ImportStatement, cst.ImportAlias, Binding]] = []
        for statement in imports:
            if isinstance(statement, cst.ImportFrom) and statement.relative:
                continue
            if isinstance(statement.names, cst.ImportStar):
                if self._vendor_of(from_module(statement)):
                    self.note(statement, "star import from a vendor SDK; import names explicitly")
                continue
            for alias in statement.names:
                binding = _binding_for(statement, alias)
                if self._vendor_of(binding.qualified) is not None:
                    found.append((statement, alias, binding))
        return found

    def _vendor_of(self, qualified: str) -> Vendor | None:
        top = qualified.split(".")[0]
        if self.source.context.first_party(top):
            return None
        return self.vendors.get(top)

    def _scan_binding(
        self, statement: ImportStatement, alias: cst.ImportAlias, binding: Binding
    ) -> None:
        handled, noted = True, False
        found = self.names.import_references(statement, alias)
        if not any(references for _, references in found):
            self._unused(statement, alias, binding)
            return
        for name, references in found:
            base = _assignment_binding(binding, name)
            for reference in references:
                if not isinstance(reference, (cst.Name, cst.Attribute)):
                    handled = False  # a string annotation: the import stays for the type
                    continue
                use = self._use(reference, base)
                try:
                    self._classify(use)
                except _Unsafe as unsafe:
                    handled, noted = False, True
                    self.note(unsafe.node, f"{use.qualified} left in place: {unsafe.reason}")
        if handled:
            self.result.removed_names[local_name(alias)] = binding
        elif noted:
            self.note(statement, f"import of {binding.qualified} kept: some uses could not move")

    def _unused(self, statement: ImportStatement, alias: cst.ImportAlias, binding: Binding) -> None:
        """A vendor import nothing here reads (never used, or shadowed before any use, as by a
        view named like the vendor) goes: the SDK is then imported by integrations/ only. It
        stays where another module may reach it through this one."""
        local = local_name(alias)
        if (
            not self._plain_statement(statement)
            or self._kept_on_purpose(statement)
            or self._reached_through_module(statement, local)
        ):
            return
        self.result.unused_imports.setdefault(statement, set()).add(alias)
        self.note(statement, f"unused import of {binding.qualified} removed: nothing here reads it")

    def _plain_statement(self, statement: ImportStatement) -> bool:
        """An import on its own line in a module or function body, not one under `try` or `if`
        (an optional dependency's fallback)."""
        line = self.parents.get(statement)
        block = self.parents.get(line) if line is not None else None
        if isinstance(block, cst.Module):
            return True
        return isinstance(block, cst.IndentedBlock) and isinstance(
            self.parents.get(block), cst.FunctionDef
        )

    def _kept_on_purpose(self, statement: ImportStatement) -> bool:
        line = self.parents.get(statement)
        comment = (
            line.trailing_whitespace.comment if isinstance(line, cst.SimpleStatementLine) else None
        )
        return comment is not None and "noqa" in comment.value.lower()

    def _reached_through_module(self, statement: ImportStatement, local: str) -> bool:
        """A module-level import is a name of the module: a package's `__init__.py` re-exports
        it, `__all__` may list it, and other files may import it or patch it through here
        (`from shop.views import stripe`, `mock.patch("shop.views.stripe")`)."""
        source = self.source
        if self.names.scope_of(statement) is not source.tree:
            return False
        if source.path.endswith("__init__.py"):
            return True
        if "__all__" in source.tree.code and (
            f'"{local}"' in source.tree.code or f"'{local}'" in source.tree.code
        ):
            return True
        if source.module is None:
            return False
        project = source.context.project
        dotted = f"{source.module}.{local}"
        for path in project.paths:
            if path == source.path or not project.mentions(path, local):
                continue
            if dotted in project.text(path):
                return True
            if path.endswith(".py") and any(
                imported.module == source.module and imported.name in (local, "*")
                for imported in project.imports(path).names
            ):
                return True
        return False

    def _use(self, node: cst.CSTNode, binding: Binding) -> _Use:
        assert isinstance(node, (cst.Name, cst.Attribute))
        rest: list[str] = []
        current: cst.BaseExpression = node
        parent = self.parents[current]
        while isinstance(parent, cst.Attribute) and parent.value is current:
            rest.append(parent.attr.value)
            current = parent
            parent = self.parents[current]
        qualified = ".".join([binding.qualified, *rest])
        return _Use(current, qualified, (binding.expr, *rest), binding)

    # -- classification -----------------------------------------------------------------------
    def _classify(self, use: _Use) -> None:
        parent = self.parents[use.node]
        vendor = self._vendor_of(use.qualified)
        assert vendor is not None
        if isinstance(parent, cst.Call) and parent.func is use.node:
            self._call(use, parent, vendor)
        elif isinstance(parent, cst.AssignTarget) and isinstance(use.node, cst.Attribute):
            self._config(use, parent, vendor)
        elif _is_class_name(use.qualified):
            self._reexport(use, vendor)
        else:
            raise _Unsafe(use.node, "used as a value (dynamic access or passed around)")

    def _call(self, use: _Use, call: cst.Call, vendor: Vendor) -> None:
        inferred = not vendor.clients and _is_class_name(use.qualified) and self._is_client(call)
        if use.qualified in vendor.clients or inferred:
            self._client(use, call, vendor)
        elif _is_class_name(use.qualified):
            self._reexport(use, vendor)
        elif len(use.qualified.split(".")) < 2:
            raise _Unsafe(use.node, "the vendor module itself is called")
        else:
            self._module_operation(use, call, vendor)

    def _module_operation(self, use: _Use, call: cst.Call, vendor: Vendor) -> None:
        chain = tuple(use.qualified.split(".")[1:])
        name = operation_name(vendor, use.qualified, chain)
        placed = self._module_for(vendor, call, name)
        if placed is None:
            raise _Unsafe(
                call, "cannot tell which outside API this URL belongs to; wrap it by hand"
            )
        self.result.sites.append(
            Site(
                self.source,
                call,
                call.func,
                vendor,
                placed[0],
                use.qualified,
                chain,
                placed[1],
                binding=use.binding,
                is_async=self._awaited(call),
                discarded=self._discarded(call),
            )
        )

    def _module_for(self, vendor: Vendor, call: cst.Call, name: str) -> tuple[str, str] | None:
        if not vendor.per_api:
            return vendor.integration, name
        return http_module(self.source, call, name)

    def _awaited(self, call: cst.Call) -> bool:
        return isinstance(self.parents.get(call), cst.Await)

    def _discarded(self, call: cst.Call) -> bool:
        parent = self.parents.get(call)
        if isinstance(parent, cst.Await):
            parent = self.parents.get(parent)
        return isinstance(parent, cst.Expr)

    # -- clients ------------------------------------------------------------------------------
    def _is_client(self, construct: cst.Call) -> bool:
        """An unknown vendor's class is a client when methods are called on its instances."""
        parent = self.parents[construct]
        if isinstance(parent, cst.Attribute):
            return True
        target = _assigned_name(parent, self.parents)
        if target is None:
            return False
        assert isinstance(parent, cst.Assign)
        found = self.names.single_assignment_references(target, parent)
        if not found or not found[1]:
            return False
        try:
            for reference in found[1]:
                self._method_chain(reference, frozenset())
        except _Unsafe:
            return False
        return True

    def _client(self, use: _Use, call: cst.Call, vendor: Vendor) -> None:
        construct = self._construct(use, call)
        parent = self.parents[call]
        if isinstance(parent, cst.Attribute):
            self._client_site(construct, vendor, call, call)
            return
        target = _assigned_name(parent, self.parents)
        found = None
        if target is not None:
            assert isinstance(parent, cst.Assign)
            found = self.names.single_assignment_references(target, parent)
        if found is None or target is None:
            self._client_factory(construct, vendor)
            return
        is_global, references = found
        statement = self.parents[parent]
        try:
            uses, routes = self._client_uses(references, vendor, call)
        except _Unsafe as unsafe:
            if is_global:
                reason = "the module-level client is used other than by calling it"
                raise _Unsafe(call, reason) from unsafe
            self._client_factory(construct, vendor)
            return
        if is_global:
            assert isinstance(statement, cst.SimpleStatementLine)
            self._shared_client(construct, vendor, target.value, uses, statement)
            self.result.removed_statements.add(parent)
            return
        for receiver in uses:
            self._client_site(construct, vendor, receiver, None)
        for route in routes:
            self._route(route, construct, vendor)
        self.result.removed_statements.add(parent)

    def _construct(self, use: _Use, call: cst.Call) -> Construct:
        construct = Construct(call, ".".join(use.rest), use.qualified, use.binding, self.source)
        self.result.constructors.setdefault(code(use.node), construct)
        return construct

    def _client_uses(
        self, references: Sequence[cst.CSTNode], vendor: Vendor, construct: cst.Call
    ) -> tuple[list[cst.CSTNode], list[_Route]]:
        uses: list[cst.CSTNode] = []
        routes: list[_Route] = []
        for reference in references:
            route = self._routed(reference, vendor, construct)
            if route is not None:
                routes.append(route)
                continue
            self._method_chain(reference, vendor.chain_calls)
            uses.append(reference)
        return uses, routes

    def _client_site(
        self, construct: Construct, vendor: Vendor, receiver: cst.CSTNode, inline: cst.Call | None
    ) -> None:
        chain, call = self._method_chain(receiver, vendor.chain_calls)
        key = f"{construct.qualified}:{'.'.join(chain)}"
        nouns = chain
        if construct.qualified not in vendor.clients:
            owner = _owner(construct.qualified.rsplit(".", 1)[-1], vendor)
            nouns = (owner, *chain) if owner else chain
        name = operation_name(vendor, key, nouns)
        module = self._module_for(vendor, call, name)
        if module is None:
            raise _Unsafe(
                call, "cannot tell which outside API this URL belongs to; wrap it by hand"
            )
        assert isinstance(receiver, cst.BaseExpression)
        self.result.sites.append(
            Site(
                self.source,
                call,
                receiver,
                vendor,
                module[0],
                key,
                chain,
                module[1],
                construct=construct,
                is_async=self._awaited(call),
                discarded=self._discarded(call),
            )
        )

    def _shared_client(
        self,
        construct: Construct,
        vendor: Vendor,
        name: str,
        uses: list[cst.CSTNode],
        statement: cst.SimpleStatementLine,
    ) -> None:
        if self.source.portable(construct.call) is None:
            raise _Unsafe(construct.call, "the module-level client is built from local values")
        comments = _statement_comments(statement)
        if not uses:
            raise _Unsafe(construct.call, "the module-level client is never called here")
        shared = SharedClient(vendor.integration, name, construct, statement, comments)
        start = len(self.result.sites)
        for receiver in uses:
            self._client_site(construct, vendor, receiver, None)
        for site in self.result.sites[start:]:
            site.shared = shared
            site.module = self.result.sites[start].module
        shared.module = self.result.sites[start].module
        self.result.shared.append(shared)
        self.result.moved_statements.add(statement)

    def _client_factory(self, construct: Construct, vendor: Vendor) -> None:
        """A client that is stored or passed on: only its construction moves, into a factory;
        the calls made on it stay where they are (they import nothing)."""
        call = construct.call
        module = vendor.integration if not vendor.per_api else None
        if module is None or self.source.portable(call) is None:
            raise _Unsafe(call, "the client is passed around and built from local values")
        self.result.sites.append(
            Site(
                self.source,
                call,
                call,
                vendor,
                module,
                f"{construct.qualified}:",
                (),
                "build_client",
                construct=construct,
                factory=True,
            )
        )
        self.note(
            call,
            (
                f"this {vendor.title} client is kept or passed on, so the calls made on it do "
                f"not go through integrations/{module}.py: it now comes from "
                f"{module}.build_client(); move those calls into wrappers by hand"
            ),
        )

    def _method_chain(
        self, node: cst.CSTNode, chain_calls: frozenset[str]
    ) -> tuple[tuple[str, ...], cst.Call]:
        chain: list[str] = []
        current = node
        parent = self.parents[current]
        while True:
            if isinstance(parent, cst.Attribute) and parent.value is current:
                chain.append(parent.attr.value)
            elif not (isinstance(parent, cst.Call) and parent.func is current and chain):
                raise _Unsafe(node, "the client is used other than by calling its methods")
            elif chain[-1] in chain_calls and isinstance(self.parents.get(parent), cst.Attribute):
                pass
            else:
                return tuple(chain), parent
            current = parent
            parent = self.parents[current]

    # -- a client handed to a helper of the same module ----------------------------------------
    def _routed(self, reference: cst.CSTNode, vendor: Vendor, construct: cst.Call) -> _Route | None:
        """`helper(client, ...)` where `helper` is a function of this module that only calls
        methods on that parameter and is called nowhere else: its calls go through the wrapper."""
        arg = self.parents.get(reference)
        call = self.parents.get(arg) if isinstance(arg, cst.Arg) else None
        if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Name):
            return None
        assert isinstance(arg, cst.Arg)
        if arg.star or arg.keyword is not None:
            return None
        function = self._module_function(call.func)
        if function is None:
            return None
        index = list(call.args).index(arg)
        params = function.params
        if index >= len(params.params) or params.star_arg not in (None, cst.MaybeSentinel.DEFAULT):
            return None
        param = params.params[index]
        uses = self._parameter_uses(function, param, vendor)
        if uses is None or not self._only_called(function, index, construct):
            return None
        return _Route(function, param, index, tuple(uses))

    def _module_function(self, name: cst.Name) -> cst.FunctionDef | None:
        referents = self.names.referents(name)
        if len(referents) != 1:
            return None
        node = referents[0].node
        if not isinstance(node, cst.FunctionDef) or node not in self.source.tree.body:
            return None
        if node.decorators or self._named_elsewhere(node.name.value):
            return None
        return node

    def _named_elsewhere(self, name: str) -> bool:
        project = self.source.context.project
        return any(
            path != self.source.path and project.mentions(path, name)
            for path in project.python_paths()
        )

    def _parameter_uses(
        self, function: cst.FunctionDef, param: cst.Param, vendor: Vendor
    ) -> list[cst.CSTNode] | None:
        bindings = [b for b in self.names.assignments(function) if b.name == param.name.value]
        if len(bindings) != 1:
            return None
        uses: list[cst.CSTNode] = list(self.names.references(bindings[0]))
        try:
            for use in uses:
                self._method_chain(use, vendor.chain_calls)
        except _Unsafe:
            return None
        return uses or None

    def _only_called(self, function: cst.FunctionDef, index: int, construct: cst.Call) -> bool:
        """Every read of the helper's name is a call passing, at `index`, a local built by the
        same constructor."""
        bindings = [b for b in self.names.assignments(self.source.tree) if b.node is function]
        if len(bindings) != 1:
            return False
        for reference in self.names.references(bindings[0]):
            parent = self.parents.get(reference)
            if not isinstance(parent, cst.Call) or parent.func is not reference:
                return False
            positional = [a for a in parent.args if a.keyword is None and not a.star]
            if len(positional) <= index or any(a.star for a in parent.args[: index + 1]):
                return False
            if not self._built_by(positional[index].value, construct):
                return False
        return True

    def _built_by(self, value: cst.BaseExpression, construct: cst.Call) -> bool:
        if not isinstance(value, cst.Name):
            return False
        referents = self.names.referents(value)
        if len(referents) != 1 or not isinstance(referents[0].node, cst.Name):
            return False
        assign = self.parents.get(self.parents.get(referents[0].node) or value)
        return isinstance(assign, cst.Assign) and (
            code(assign.value) == code(construct) if isinstance(assign.value, cst.Call) else False
        )

    def _route(self, route: _Route, construct: Construct, vendor: Vendor) -> None:
        function_routes = self.routes.setdefault(route.function, [])
        if any(existing.param is route.param for existing in function_routes):
            self._drop_argument(route)
            return
        function_routes.append(route)
        for use in route.uses:
            self._client_site(construct, vendor, use, None)
        self.result.removed_params.add(route.param)
        self._drop_argument(route)

    def _drop_argument(self, route: _Route) -> None:
        bindings = [b for b in self.names.assignments(self.source.tree) if b.node is route.function]
        for reference in self.names.references(bindings[0]):
            parent = self.parents[reference]
            assert isinstance(parent, cst.Call)
            self.result.removed_args.add(parent.args[route.index])

    # -- configuration and re-exports ---------------------------------------------------------
    def _config(self, use: _Use, target: cst.AssignTarget, vendor: Vendor) -> None:
        assign = self.parents[target]
        if not isinstance(assign, cst.Assign) or len(assign.targets) != 1:
            raise _Unsafe(use.node, "chained assignment to a vendor setting")
        needed = self.source.portable(assign.value)
        if needed is None:
            raise _Unsafe(use.node, "the vendor is configured from a local value; move it by hand")
        statement = self.parents[assign]
        loader = self._environment_loaded_before(statement)
        if loader is not None:
            raise _Unsafe(
                use.node,
                f"set after {loader}() loads the environment; integrations/{vendor.integration}.py "
                "would read it before, when imported",
            )
        comments: tuple[str, ...] = ()
        if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
            comments = _statement_comments(statement)
            self.result.moved_statements.add(statement)
        config = Config(
            vendor.modules[0],
            vendor.integration,
            ".".join(use.rest),
            self.source.normalized_code(assign.value),
            use.binding,
            needed,
            comments,
            self.source.path,
            self.source.line(assign),
            self.names.scope_of(assign) is not self.source.tree,
        )
        self.result.configs.append(config)
        self.result.removed_statements.add(assign)

    def _environment_loaded_before(self, statement: cst.CSTNode) -> str | None:
        """The `load_dotenv` (`read_dotenv`, `Env.read_env`) a module-level statement before this
        one calls: a key read after it sees the `.env` file; read on import of the integration,
        before the caller's own lines run, it would not."""
        top: cst.CSTNode | None = statement
        while top is not None and self.parents.get(top) is not self.source.tree:
            top = self.parents.get(top)
        if top is None:
            return None  # in a function: the call site runs after the module's own lines
        for earlier in self.source.tree.body:
            if earlier is top:
                break
            if isinstance(earlier, cst.FunctionDef | cst.ClassDef):
                continue  # its calls run later, if ever
            for call in find_type(earlier, cst.Call):
                name = dotted_code(call.func).rsplit(".", 1)[-1]
                if name in ENV_LOADERS:
                    return name
        return None

    def _reexport(self, use: _Use, vendor: Vendor) -> None:
        name = use.qualified.rsplit(".", 1)[-1]
        value = ".".join(use.rest)
        reexport = Reexport(vendor.integration, name, value, use.binding, (use.node,))
        self.result.reexports.append(reexport)

    def _reexport_module(self, reexport: Reexport) -> str:
        """The integration that takes this file's calls of the vendor: an HTTP client's
        exception caught around a call goes with the API that call talks to."""
        vendor = self._vendor_of(reexport.binding.qualified)
        assert vendor is not None
        sites = [site for site in self.result.sites if site.vendor is vendor]
        guarded = self._guarded_body(reexport.nodes[0])
        if guarded is not None:
            inside = [site for site in sites if self._within(site.call, guarded)]
            sites = inside or sites
        return sites[0].module if sites else vendor.integration

    def _guarded_body(self, node: cst.CSTNode) -> cst.CSTNode | None:
        current: cst.CSTNode | None = node
        while current is not None and not isinstance(current, cst.ExceptHandler):
            current = self.parents.get(current)
        statement = self.parents.get(current) if current is not None else None
        return statement.body if isinstance(statement, cst.Try) else None

    def _within(self, node: cst.CSTNode, ancestor: cst.CSTNode) -> bool:
        current: cst.CSTNode | None = node
        while current is not None:
            if current is ancestor:
                return True
            current = self.parents.get(current)
        return False


# -- helpers -----------------------------------------------------------------------------------
def _binding_for(statement: cst.Import | cst.ImportFrom, alias: cst.ImportAlias) -> Binding:
    name = dotted_code(alias.name)
    if isinstance(statement, cst.Import):
        return Binding(name, f"import {name}", name)
    module = from_module(statement)
    return Binding(f"{module}.{name}", f"from {module} import {name}", name)


def _assignment_binding(binding: Binding, name: str) -> Binding:
    """For `import a.b.c`, a reference may go through the shorter name `a` or `a.b`."""
    if binding.statement.startswith("import ") and binding.expr.startswith(name + "."):
        return Binding(name, binding.statement, name)
    return binding


def _statement_comments(statement: cst.SimpleStatementLine) -> tuple[str, ...]:
    """The comments above a moved line, and the one at its end: they go with it."""
    found = [line.comment.value for line in statement.leading_lines if line.comment is not None]
    trailing = statement.trailing_whitespace.comment
    return (*found, trailing.value) if trailing is not None else tuple(found)


def _owner(class_name: str, vendor: Vendor) -> str | None:
    """What an inferred client's class adds to an operation's name: `Payment` for
    `Payment(...).create()`, nothing for `AuthyClient` of the `authy_sdk` vendor."""
    for generic in GENERIC_CLASSES:
        class_name = class_name.removesuffix(generic)
    words = snake(class_name)
    if not words or any(words in module.lower() for module in vendor.modules):
        return None
    return class_name


def _is_class_name(qualified: str) -> bool:
    return qualified.rsplit(".", 1)[-1][:1].isupper()


def _assigned_name(
    parent: cst.CSTNode | None, parents: Mapping[cst.CSTNode, cst.CSTNode]
) -> cst.Name | None:
    if not isinstance(parent, cst.Assign) or len(parent.targets) != 1:
        return None
    target = parent.targets[0].target
    if not isinstance(target, cst.Name):
        return None
    statement = parents[parent]
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    return target


def param_name(expr: cst.BaseExpression) -> str | None:
    """A name for a value, from how the caller spells it."""
    if isinstance(expr, cst.Name):
        return snake(expr.value)
    if isinstance(expr, cst.Attribute):
        attr = expr.attr.value
        if attr in ("pk", "id") and isinstance(expr.value, (cst.Name, cst.Attribute)):
            owner = param_name(expr.value)
            return f"{owner}_id" if owner and owner != "self" else None
        return snake(attr)
    if isinstance(expr, cst.Subscript) and len(expr.slice) == 1:
        index = expr.slice[0].slice
        if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString):
            key = index.value.evaluated_value
            if isinstance(key, str) and key.isidentifier():
                return snake(key)
    if isinstance(expr, cst.Call):
        func = expr.func
        if isinstance(func, cst.Name) and func.value not in ("int", "str", "float", "bool"):
            return snake(func.value)
        if isinstance(func, cst.Attribute) and func.attr.value not in ("get", "format"):
            return snake(func.attr.value)
        if isinstance(func, cst.Attribute) and expr.args:
            first = expr.args[0].value
            if isinstance(first, cst.SimpleString):
                text = first.evaluated_value
                if isinstance(text, str):
                    word = snake(text.replace("-", "_"))
                    return word if word.isidentifier() else None
        if expr.args:
            return param_name(expr.args[0].value)
    if isinstance(expr, cst.BooleanOperation):
        return param_name(expr.left)
    return None


def scan_file(path: str, context: ProjectContext, vendors: Mapping[str, Vendor]) -> FileScan:
    project = context.project
    tree = project.tree(path)
    source = Source(path, project.module_for(path), tree, module_names(tree), walk(tree), context)
    source.find_settings_imports()
    return _Scanner(source, vendors).scan()
