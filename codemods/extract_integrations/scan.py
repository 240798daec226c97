"""Find vendor SDK uses in one module: operations, clients, configuration and re-exportable names.

Not a codemod: `extract-integrations` calls `scan_file` per non-test module and turns the
result into wrappers (`_integrations_build`) and call-site edits (`_integrations_rewrite`).
Names are resolved with libcst's scoping rules (`_integrations_names`), so aliases (`import
stripe as s`, `from twilio.rest import Client as Twilio`) and local shadowing are handled.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import libcst as cst
import libcst.matchers as m
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from djrefactor.analysis.naming import snake
from djrefactor.analysis.scopes import (
    ImportStatement,
    Names,
    NeedScopes,
    ScopedNames,
    WalkedNames,
    walk,
)
from djrefactor.discovery.vendors import Vendor
from djrefactor.engine import Note, Project

_EMPTY = cst.Module(body=[])


def code(node: cst.CSTNode) -> str:
    return _EMPTY.code_for_node(node)


@dataclass(frozen=True)
class Binding:
    """How an integration module names a vendor object: its import and the expression to use."""

    qualified: str
    statement: str
    expr: str


@dataclass(frozen=True)
class Receiver:
    """What an operation is called on: a vendor module path, a module-level client or a client
    built inside the wrapper (`construct`, whose local-valued arguments became `params`)."""

    kind: str
    vendor: str
    binding: Binding
    construct: str = ""
    name: str = ""
    params: tuple[str, ...] = ()
    imports: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Operation:
    module: str
    name: str
    receiver: Receiver
    chain: tuple[str, ...]
    is_async: bool

    @property
    def key(self) -> tuple[str, str, str, str, tuple[str, ...]]:
        receiver = self.receiver
        return (self.module, receiver.kind, receiver.binding.expr, receiver.construct, self.chain)


@dataclass(frozen=True)
class Site:
    """One call to replace by a wrapper call: `prefix` values go first (client arguments);
    a client factory call (`keep_args` False) passes only those."""

    path: str
    call: cst.Call
    operation: Operation
    prefix: tuple[cst.BaseExpression, ...] = ()
    keep_args: bool = True


@dataclass(frozen=True)
class Reexport:
    """A vendor class or exception the caller keeps using, now imported from the integration.

    `node` is the attribute spelling to replace by a name (None when a from-import bound it)."""

    module: str
    name: str
    local: str
    value: str
    binding: Binding
    node: cst.Attribute | None


@dataclass(frozen=True)
class Config:
    """`stripe.api_key = settings.X`: configuration every wrapper of the vendor applies."""

    vendor: str
    target: str
    value: str
    binding: Binding
    imports: frozenset[str]


@dataclass(frozen=True)
class GlobalClient:
    """A module-level client (`s3 = boto3.client("s3")`) that moves into the integration."""

    module: str
    name: str
    construct: str
    binding: Binding
    imports: frozenset[str]


@dataclass
class FileScan:
    """Everything found in one module; `kept` are vendor imports that must stay (with a note)."""

    path: str
    sites: list[Site] = field(default_factory=list)
    reexports: list[Reexport] = field(default_factory=list)
    configs: list[tuple[cst.CSTNode, Config]] = field(default_factory=list)
    clients: list[tuple[cst.CSTNode, GlobalClient]] = field(default_factory=list)
    removed_statements: set[cst.CSTNode] = field(default_factory=set)
    removed_aliases: set[cst.ImportAlias] = field(default_factory=set)
    removed_names: dict[str, Binding] = field(default_factory=dict)
    bound_names: set[str] = field(default_factory=set)
    notes: list[Note] = field(default_factory=list)
    enclosing: set[cst.CSTNode] = field(default_factory=set)

    @property
    def is_empty(self) -> bool:
        return not (self.sites or self.reexports or self.configs or self.clients)


@dataclass(frozen=True)
class _Use:
    """One reference to a vendor binding: the outermost attribute chain and its qualified name."""

    node: cst.BaseExpression
    qualified: str
    rest: tuple[str, ...]
    binding: Binding


class _Unsafe(Exception):
    """A use that cannot be moved safely; the message is the note's reason."""

    def __init__(self, node: cst.CSTNode, reason: str) -> None:
        super().__init__(reason)
        self.node = node
        self.reason = reason


VERBS = frozenset(
    [
        "create",
        "retrieve",
        "update",
        "modify",
        "delete",
        "list",
        "cancel",
        "capture",
        "confirm",
        "refund",
        "search",
        "send",
        "fetch",
        "get",
        "post",
        "put",
        "patch",
        "head",
        "generate",
        "upload",
        "download",
    ]
)


def operation_name(vendor: Vendor, key: str, chain: Sequence[str]) -> str:
    """`PaymentIntent.create` -> `create_payment_intent`, `chat.completions.create` ->
    `create_chat_completion`, `upload_fileobj` -> `upload_fileobj`; the registry can override."""
    if key in vendor.operations:
        return vendor.operations[key]
    *nouns, verb = [snake(part) for part in chain]
    if verb not in VERBS or not nouns:
        return verb
    words = [_singular(word) for word in nouns]
    name = "_".join([verb, *words])
    return name + "s" if verb == "list" else name


def _singular(word: str) -> str:
    return word[:-1] if word.endswith("s") and not word.endswith(("ss", "us", "is")) else word


class _Scanner:
    def __init__(
        self,
        project: Project,
        path: str,
        vendors: Mapping[str, Vendor],
        parents: Mapping[cst.CSTNode, cst.CSTNode],
        names: Names,
    ) -> None:
        self.project = project
        self.path = path
        self.vendors = vendors
        self.tree = project.tree(path)
        self.parents = parents
        self.names = names
        self.positions: Mapping[cst.CSTNode, CodeRange] | None = None
        self.result = FileScan(path)
        self.result.bound_names = names.bound_names

    # -- entry --------------------------------------------------------------------------------
    def scan(self, imports: list[ImportStatement]) -> FileScan:
        for statement, alias, binding in self._vendor_imports(imports):
            self._scan_binding(statement, alias, binding)
        self.result.enclosing = self._enclosing()
        return self.result

    def _enclosing(self) -> set[cst.CSTNode]:
        """The nodes that contain something to rewrite: the only ones the rewrite enters."""
        scan = self.result
        targets: list[cst.CSTNode] = [site.call for site in scan.sites]
        targets += [reexport.node for reexport in scan.reexports if reexport.node is not None]
        targets += scan.removed_statements
        targets += [self.parents[alias] for alias in scan.removed_aliases]
        enclosing: set[cst.CSTNode] = set()
        for target in targets:
            current = self.parents.get(target)
            while current is not None and current not in enclosing:
                enclosing.add(current)
                current = self.parents.get(current)
        return enclosing

    def line(self, node: cst.CSTNode) -> int:
        """Only notes need a line: positions are computed for the few files that have one."""
        if self.positions is None:
            wrapper = MetadataWrapper(self.tree, unsafe_skip_copy=True)
            self.positions = wrapper.resolve(PositionProvider)
        return self.positions[node].start.line

    def note(self, node: cst.CSTNode, reason: str) -> None:
        self.result.notes.append(Note(self.path, self.line(node), reason))

    # -- imports ------------------------------------------------------------------------------
    def _vendor_imports(
        self, imports: list[ImportStatement]
    ) -> list[tuple[ImportStatement, cst.ImportAlias, Binding]]:
        found: list[tuple[ImportStatement, cst.ImportAlias, Binding]] = []
        for statement in imports:
            if isinstance(statement.names, cst.ImportStar):
                if self._vendor_of(_from_module(statement)):
                    self.note(statement, "star import from a vendor SDK; import names explicitly")
                continue
            if isinstance(statement, cst.ImportFrom) and statement.relative:
                continue
            for alias in statement.names:
                binding = _binding_for(statement, alias)
                if self._vendor_of(binding.qualified) is None:
                    continue
                found.append((statement, alias, binding))
        return found

    def _vendor_of(self, qualified: str) -> Vendor | None:
        return self.vendors.get(qualified.split(".")[0])

    def _scan_binding(
        self, statement: ImportStatement, alias: cst.ImportAlias, binding: Binding
    ) -> None:
        handled = True
        for name, references in self.names.import_references(statement, alias):
            base = _assignment_binding(binding, name)
            for reference in references:
                use = self._use(reference, base)
                try:
                    self._classify(use)
                except _Unsafe as unsafe:
                    handled = False
                    self.note(unsafe.node, f"{use.qualified} left in place: {unsafe.reason}")
        if handled:
            self.result.removed_aliases.add(alias)
            self.result.removed_names[_local_name(alias)] = binding
        else:
            self.note(statement, f"import of {binding.qualified} kept: some uses could not move")

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
        if use.qualified in vendor.clients:
            self._client(use, call, vendor)
        elif _is_class_name(use.qualified):
            self._reexport(use, vendor)
        elif len(use.qualified.split(".")) < 2:
            raise _Unsafe(use.node, "the vendor module itself is called")
        else:
            self._module_operation(use, call, vendor)

    def _module_operation(self, use: _Use, call: cst.Call, vendor: Vendor) -> None:
        chain = use.rest[1:]
        receiver = Receiver("module", vendor.modules[0], use.binding)
        qualified_chain = tuple(use.qualified.split(".")[1:])
        name = operation_name(vendor, use.qualified, qualified_chain)
        module = self._module_for(vendor, call)
        self._add_site(call, Operation(module, name, receiver, tuple(chain), self._awaited(call)))

    def _add_site(
        self, call: cst.Call, operation: Operation, prefix: tuple[cst.BaseExpression, ...] = ()
    ) -> None:
        self.result.sites.append(Site(self.path, call, operation, prefix))

    def _awaited(self, call: cst.Call) -> bool:
        return isinstance(self.parents[call], cst.Await)

    def _module_for(self, vendor: Vendor, call: cst.Call | None) -> str:
        if not vendor.per_api or call is None:
            return vendor.integration
        return api_name(call) or vendor.integration

    # -- clients ------------------------------------------------------------------------------
    def _client(self, use: _Use, construct: cst.Call, vendor: Vendor) -> None:
        parent = self.parents[construct]
        if isinstance(parent, cst.Attribute):
            self._inline_client(use, construct, vendor)
            return
        target = _assigned_name(parent, self.parents)
        found = None
        if target is not None:
            assert isinstance(parent, cst.Assign)
            found = self.names.single_assignment_references(target, parent)
        if found is None:
            self._client_factory(use, construct, vendor)
            return
        is_global, references = found
        try:
            uses = [self._method_chain(reference) for reference in references]
        except _Unsafe:
            self._client_factory(use, construct, vendor)
            return
        if is_global:
            assert target is not None
            self._global_client(use, construct, vendor, target.value, uses, parent)
        else:
            self._local_client(use, construct, vendor, uses, parent)

    def _client_factory(self, use: _Use, construct: cst.Call, vendor: Vendor) -> None:
        """A client that is passed around or stored: only its construction moves, into a
        factory; the calls made on it stay where they are (they import nothing)."""
        receiver, prefix = self._receiver(use, construct, vendor, "local")
        name = f"{vendor.integration}_client"
        module = self._module_for(vendor, None)
        operation = Operation(module, name, receiver, (), is_async=False)
        self.result.sites.append(Site(self.path, construct, operation, prefix, keep_args=False))
        self.note(
            construct,
            (
                f"the {use.qualified} client is passed around: it is now built by "
                f"{name}() in integrations/{module}.py, but the calls made on it are not wrapped"
            ),
        )

    def _receiver(
        self, use: _Use, construct: cst.Call, vendor: Vendor, kind: str, name: str = ""
    ) -> tuple[Receiver, tuple[cst.BaseExpression, ...]]:
        binding = use.binding
        callee = ".".join(use.rest)
        args, prefix, params, imports = self._portable_args(
            construct, allow_params=kind != "global"
        )
        built = construct.with_changes(func=cst.parse_expression(callee), args=args)
        receiver = Receiver(kind, vendor.modules[0], binding, code(built), name, params, imports)
        return receiver, prefix

    def _inline_client(self, use: _Use, construct: cst.Call, vendor: Vendor) -> None:
        receiver, prefix = self._receiver(use, construct, vendor, "local")
        chain, call = self._method_chain(construct)
        self._client_site(use.qualified, vendor, receiver, chain, call, prefix)

    def _local_client(
        self,
        use: _Use,
        construct: cst.Call,
        vendor: Vendor,
        uses: list[tuple[tuple[str, ...], cst.Call]],
        statement: cst.CSTNode,
    ) -> None:
        receiver, prefix = self._receiver(use, construct, vendor, "local")
        for chain, call in uses:
            self._client_site(use.qualified, vendor, receiver, chain, call, prefix)
        self.result.removed_statements.add(statement)

    def _global_client(
        self,
        use: _Use,
        construct: cst.Call,
        vendor: Vendor,
        name: str,
        uses: list[tuple[tuple[str, ...], cst.Call]],
        statement: cst.CSTNode,
    ) -> None:
        module = self._module_for(vendor, uses[0][1] if uses else None)
        receiver, _ = self._receiver(use, construct, vendor, "global", name)
        for chain, call in uses:
            self._client_site(use.qualified, vendor, receiver, chain, call, (), module)
        client = GlobalClient(module, name, receiver.construct, receiver.binding, receiver.imports)
        self.result.clients.append((statement, client))
        self.result.removed_statements.add(statement)

    def _client_site(
        self,
        client: str,
        vendor: Vendor,
        receiver: Receiver,
        chain: tuple[str, ...],
        call: cst.Call,
        prefix: tuple[cst.BaseExpression, ...],
        module: str | None = None,
    ) -> None:
        name = operation_name(vendor, f"{client}:{'.'.join(chain)}", chain)
        target = module or self._module_for(vendor, call)
        self._add_site(call, Operation(target, name, receiver, chain, self._awaited(call)), prefix)

    def _method_chain(self, node: cst.CSTNode) -> tuple[tuple[str, ...], cst.Call]:
        chain: list[str] = []
        current = node
        parent = self.parents[current]
        while isinstance(parent, cst.Attribute) and parent.value is current:
            chain.append(parent.attr.value)
            current = parent
            parent = self.parents[current]
        if not chain or not (isinstance(parent, cst.Call) and parent.func is current):
            raise _Unsafe(node, "the client is used other than by calling its methods")
        return tuple(chain), parent

    def _portable_args(
        self, construct: cst.Call, allow_params: bool
    ) -> tuple[list[cst.Arg], tuple[cst.BaseExpression, ...], tuple[str, ...], frozenset[str]]:
        args: list[cst.Arg] = []
        prefix: list[cst.BaseExpression] = []
        params: list[str] = []
        imports: set[str] = set()
        for index, arg in enumerate(construct.args):
            needed = self.portable(arg.value)
            if needed is not None:
                imports |= needed
                args.append(arg)
                continue
            if not allow_params or arg.star:
                raise _Unsafe(construct, "the client is built from local values")
            param = unique(param_name(arg.value, index), params)
            params.append(param)
            prefix.append(arg.value)
            args.append(arg.with_changes(value=cst.Name(param)))
        return args, tuple(prefix), tuple(params), frozenset(imports)

    # -- configuration and re-exports ---------------------------------------------------------
    def _config(self, use: _Use, target: cst.AssignTarget, vendor: Vendor) -> None:
        assign = self.parents[target]
        if not isinstance(assign, cst.Assign) or len(assign.targets) != 1:
            raise _Unsafe(use.node, "chained assignment to a vendor setting")
        needed = self.portable(assign.value)
        if needed is None:
            raise _Unsafe(use.node, "the vendor is configured from a local value; move it by hand")
        config = Config(
            vendor.modules[0], ".".join(use.rest), code(assign.value), use.binding, needed
        )
        self.result.configs.append((assign, config))
        self.result.removed_statements.add(assign)

    def _reexport(self, use: _Use, vendor: Vendor) -> None:
        name = use.qualified.rsplit(".", 1)[-1]
        module = self._reexport_module(vendor)
        if isinstance(use.node, cst.Name):
            reexport = Reexport(module, name, use.node.value, name, use.binding, None)
        else:
            assert isinstance(use.node, cst.Attribute)
            value = ".".join(use.rest)
            reexport = Reexport(module, name, name, value, use.binding, use.node)
        self.result.reexports.append(reexport)

    def _reexport_module(self, vendor: Vendor) -> str:
        for site in self.result.sites:
            if site.operation.receiver.vendor == vendor.modules[0]:
                return site.operation.module
        return vendor.integration

    # -- portability --------------------------------------------------------------------------
    def portable(self, expr: cst.BaseExpression) -> frozenset[str] | None:
        """The imports an expression needs elsewhere, or None when it reads local values."""
        imports: set[str] = set()
        for name in _free_names(expr):
            needed = self._import_for(name)
            if needed is None:
                return None
            imports |= needed
        return frozenset(imports)

    def _import_for(self, name: cst.Name) -> frozenset[str] | None:
        statements = self.names.global_imports(name)
        if statements is None or any(map(self._is_local_import, statements)):
            return None
        return frozenset(_import_statement(statement, name.value) for statement in statements)

    def _is_local_import(self, statement: cst.CSTNode) -> bool:
        if isinstance(statement, cst.ImportFrom):
            if statement.relative:
                return True
            top = _from_module(statement).split(".")[0]
        else:
            assert isinstance(statement, cst.Import)
            top = code(statement.names[0].name).split(".")[0]
        return self.project.is_package(top) or self.project.path_for(top) is not None


# -- helpers -----------------------------------------------------------------------------------
def _from_module(statement: cst.ImportFrom) -> str:
    return code(statement.module) if statement.module else ""


def _local_name(alias: cst.ImportAlias) -> str:
    if alias.asname is not None:
        assert isinstance(alias.asname.name, cst.Name)
        return alias.asname.name.value
    return code(alias.name)


def _binding_for(statement: cst.Import | cst.ImportFrom, alias: cst.ImportAlias) -> Binding:
    name = code(alias.name)
    if isinstance(statement, cst.Import):
        return Binding(name, f"import {name}", name)
    module = _from_module(statement)
    return Binding(f"{module}.{name}", f"from {module} import {name}", name)


def _assignment_binding(binding: Binding, name: str) -> Binding:
    """For `import a.b.c`, a reference may go through the shorter name `a` or `a.b`."""
    if binding.statement.startswith("import ") and binding.expr.startswith(name + "."):
        return Binding(name, binding.statement, name)
    return binding


def _import_statement(statement: cst.CSTNode, name: str) -> str:
    assert isinstance(statement, (cst.Import, cst.ImportFrom))
    assert not isinstance(statement.names, cst.ImportStar)
    for alias in statement.names:
        local = _local_name(alias)
        if local == name or local.startswith(name + "."):
            imported = code(alias.name)
            suffix = f" as {local}" if alias.asname is not None else ""
            if isinstance(statement, cst.Import):
                return f"import {imported}{suffix}"
            return f"from {_from_module(statement)} import {imported}{suffix}"
    raise AssertionError(f"{name} not bound by {code(statement)}")


def _free_names(expr: cst.BaseExpression) -> list[cst.Name]:
    skipped: set[cst.CSTNode] = set()
    for node in m.findall(expr, m.Attribute() | m.Arg(keyword=m.Name())):
        if isinstance(node, cst.Attribute):
            skipped.add(node.attr)
        elif isinstance(node, cst.Arg) and node.keyword is not None:
            skipped.add(node.keyword)
    names = [node for node in m.findall(expr, m.Name()) if node not in skipped]
    return [name for name in names if isinstance(name, cst.Name)]


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


def param_name(expr: cst.BaseExpression, index: int) -> str:
    if isinstance(expr, cst.Name):
        return snake(expr.value)
    if isinstance(expr, cst.Attribute):
        return snake(expr.attr.value)
    return f"arg{index + 1}"


def unique(name: str, taken: Sequence[str]) -> str:
    candidate = name
    counter = 2
    while candidate in taken or candidate in ("args", "kwargs", "client", "self"):
        candidate = f"{name}_{counter}"
        counter += 1
    return candidate


_URL_SUFFIXES = (
    "_API_BASE_URL",
    "_API_URL",
    "_BASE_URL",
    "_API_BASE",
    "_API_ENDPOINT",
    "_ENDPOINT",
    "_API_HOST",
    "_URL",
    "_HOST",
    "_API",
)
_HOST = re.compile(r"https?://([\w.-]+)")


def api_name(call: cst.Call) -> str | None:
    """The outside API a requests/httpx call talks to, from its URL (`settings.SHIPPING_API_URL`
    or a literal `https://api.shipping.example/...`)."""
    url = next((arg.value for arg in call.args if arg.keyword is None and not arg.star), None)
    url = next((arg.value for arg in call.args if arg.keyword and arg.keyword.value == "url"), url)
    if url is None:
        return None
    for node in m.findall(url, m.Attribute(value=m.Name("settings"))):
        assert isinstance(node, cst.Attribute)
        name = _api_from_setting(node.attr.value)
        if name:
            return name
    for node in m.findall(url, m.SimpleString() | m.FormattedStringText()):
        text = node.value if isinstance(node, (cst.SimpleString, cst.FormattedStringText)) else ""
        host = _HOST.search(text)
        if host:
            return _api_from_host(host.group(1))
    return None


def _api_from_setting(setting: str) -> str | None:
    for suffix in _URL_SUFFIXES:
        if setting.endswith(suffix) and len(setting) > len(suffix):
            name = setting[: -len(suffix)].lower()
            return name if name.isidentifier() else None
    return None


def _api_from_host(host: str) -> str | None:
    labels = [label for label in host.split(".") if label not in ("www", "api")]
    if len(labels) < 2:
        return None
    name = labels[-2].replace("-", "_")
    return name if name.isidentifier() else None


def scan_file(project: Project, path: str, vendors: Mapping[str, Vendor]) -> FileScan:
    tree = project.tree(path)
    found = walk(tree)
    imports = [statement for statement, _, _ in found.imports]
    try:
        names: Names = WalkedNames(found)
        return _Scanner(project, path, vendors, found.parents, names).scan(imports)
    except NeedScopes:
        names = ScopedNames(tree)
        return _Scanner(project, path, vendors, found.parents, names).scan(imports)
