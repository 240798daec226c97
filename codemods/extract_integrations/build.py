"""Turn what the scans found into integration modules: one wrapper per operation, the client and
keys set up once.

Not a codemod. Sites of the same operation (same SDK call on the same client, or the same HTTP
endpoint) from every caller become one wrapper (`template`). A client is built the way its callers
built it, so each caller's tests keep patching what they patched: a module-level instance moves
here with its comments (`client = Client(...)`), per-call construction goes into one `_client()`
helper, and when one operation had both, the wrapper takes the shared instance through
`_client()` and tests that patched the class patch that function instead.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar, cast

import libcst as cst

from djrefactor.analysis import patterns as m
from djrefactor.analysis.nodes import code, dotted_expr
from djrefactor.analysis.tree import findall
from djrefactor.discovery.vendors import DOCS, HTTP_APIS, VENDORS, Vendor, return_type
from djrefactor.engine import Note, Project

from .layout import reindent, typing_form, with_comment, wrap
from .naming import api_title, endpoint_of
from .reuse import Existing, existing_module, match_existing
from .scan import Config, FileScan, Reexport, SharedClient, Site
from .source import ProjectContext
from .template import Hole, Template, build_template, name_holes, type_holes

PACKAGE = "integrations"
_NodeT = TypeVar("_NodeT", bound=cst.CSTNode)


@dataclass
class CallPlan:
    """What the caller now calls: `module.function(args)`; `passthrough` keeps its arguments."""

    module: str
    function: str
    args: list[tuple[str | None, cst.BaseExpression, str]]
    passthrough: bool = False
    comments: tuple[str, ...] = ()


@dataclass
class _Client:
    """How one integration builds one client: a shared instance, a per-call helper or both."""

    construct: str
    annotation: str
    instance: str | None = None
    comments: list[str] = field(default_factory=list)
    accessor: str | None = None
    helper: str | None = None


@dataclass
class Integration:
    """One `integrations/<module>.py` being assembled."""

    module: str
    title: str
    imports: set[str] = field(default_factory=set)
    configs: dict[str, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    reexports: dict[str, str] = field(default_factory=dict)
    clients: dict[str, _Client] = field(default_factory=dict)
    helpers: dict[str, str] = field(default_factory=dict)
    wrappers: dict[str, str] = field(default_factory=dict)
    existing: Existing | None = None

    def names(self) -> set[str]:
        bound = {_bound_name(statement) for statement in self.imports}
        bound |= set(self.reexports) | set(self.helpers) | set(self.wrappers)
        bound |= {client.instance for client in self.clients.values() if client.instance}
        if self.existing is not None:
            bound |= self.existing.names
        return bound


@dataclass
class Build:
    """The integration modules, and what each finding became."""

    integrations: dict[str, Integration] = field(default_factory=dict)
    plans: dict[Site, CallPlan] = field(default_factory=dict)
    shared_names: dict[SharedClient, str] = field(default_factory=dict)
    constructor_targets: dict[tuple[str, str], str] = field(default_factory=dict)
    per_call: set[tuple[str, str]] = field(default_factory=set)
    notes: list[Note] = field(default_factory=list)


def module_path(project: Project, module: str) -> str:
    return project.module_path(f"{PACKAGE}.{module}") + ".py"


def build(context: ProjectContext, scans: Sequence[FileScan], vendors: dict[str, Vendor]) -> Build:
    result = Build()
    builder = _Builder(context, result, vendors)
    for scan in scans:
        for config in scan.configs:
            builder.config(config)
        for reexport in scan.reexports:
            builder.reexport(reexport)
    groups = _groups(site for scan in scans for site in scan.sites)
    builder.clients(groups)
    for group in groups:
        builder.wrapper(group)
    builder.keep_class_patches()
    return result


def _groups(sites: Iterable[Site]) -> list[list[Site]]:
    found: dict[tuple[object, ...], list[Site]] = {}
    for site in sites:
        found.setdefault(_key(site), []).append(site)
    return list(found.values())


def _key(site: Site) -> tuple[object, ...]:
    construct = ""
    if site.construct is not None:
        construct = _shape(site, site.construct.call)
    endpoint = ""
    if site.vendor.per_api:
        url = next((arg.value for arg in site.call.args if not arg.keyword and not arg.star), None)
        endpoint = _shape(site, url) if url is not None else ""
    return (site.module, site.factory, site.key, construct, endpoint)


def _shape(site: Site, node: cst.BaseExpression) -> str:
    """The node's code with every value only the caller has replaced by `_`."""
    source = site.source
    if source.portable(node) is not None:
        return source.normalized_code(node)
    if isinstance(node, cst.Call):
        args = [
            f"{arg.star}{arg.keyword.value + '=' if arg.keyword else ''}{_shape(site, arg.value)}"
            for arg in node.args
        ]
        return f"{code(node.func)}({', '.join(args)})"
    if isinstance(node, cst.FormattedString):
        return "".join(
            part.value if isinstance(part, cst.FormattedStringText) else "{_}"
            for part in node.parts
        )
    if isinstance(node, cst.BinaryOperation):
        return (
            f"{_shape(site, node.left)} {type(node.operator).__name__} {_shape(site, node.right)}"
        )
    return "_"


def _same_value(one: str, other: str) -> bool:
    """Two spellings of one value: `os.getenv('KEY')` and `os.getenv("KEY")` set the same."""
    if one == other:
        return True
    try:
        return ast.dump(ast.parse(one, mode="eval")) == ast.dump(ast.parse(other, mode="eval"))
    except SyntaxError:
        return False


class _Builder:
    def __init__(self, context: ProjectContext, result: Build, vendors: dict[str, Vendor]) -> None:
        self.context = context
        self.project = context.project
        self.result = result
        self.vendors = vendors

    def integration(self, module: str, vendor: Vendor) -> Integration:
        found = self.result.integrations.get(module)
        if found is None:
            title = vendor.title if vendor.integration == module else _api_title(module)
            found = Integration(module, title, existing=existing_module(self.project, module))
            self.result.integrations[module] = found
        return found

    # -- configuration and re-exports ----------------------------------------------------------
    def config(self, config: Config) -> None:
        target = self.integration(config.module, self.vendors[config.vendor])
        first = target.configs.get(config.target)
        if first is not None and not _same_value(first[0], config.value):
            self.result.notes.append(
                Note(
                    config.path,
                    config.line,
                    (
                        f"{config.target} is set to {config.value} here but to {first[0]} "
                        f"elsewhere; integrations/{config.module}.py uses the first, check it"
                    ),
                )
            )
            return
        if config.in_function:
            self.result.notes.append(
                Note(
                    config.path,
                    config.line,
                    (
                        f"{config.target} was set here before each call; "
                        f"integrations/{config.module}.py sets it once, when it is imported"
                    ),
                )
            )
        comments = first[1] if first else ()
        target.configs[config.target] = (
            config.value,
            tuple(dict.fromkeys(comments + config.comments)),
        )
        target.imports |= {config.binding.statement, *config.imports}

    def reexport(self, reexport: Reexport) -> None:
        vendor = self.vendors[reexport.binding.qualified.split(".")[0]]
        target = self.integration(reexport.module, vendor)
        target.imports.add(reexport.binding.statement)
        value = "" if reexport.value == reexport.name else reexport.value
        target.reexports.setdefault(reexport.name, value)

    # -- clients -------------------------------------------------------------------------------
    def clients(self, groups: list[list[Site]]) -> None:
        """Decide, per construct, the shared instance, its accessor and the per-call helper."""
        for group in groups:
            site = group[0]
            if site.construct is None:
                continue
            target = self.integration(site.module, site.vendor)
            client = self._client(target, site)
            if client is None:
                continue
            shared = [s.shared for s in group if s.shared is not None]
            for instance in shared:
                self._instance(target, client, instance)
        for group in groups:
            self._receiver_helpers(group)
        for target in self.result.integrations.values():
            self._name_helpers(target)

    def _client(self, target: Integration, site: Site) -> _Client | None:
        construct = site.construct
        assert construct is not None
        if construct.source.portable(construct.call) is None:
            return None
        text = self._construct_code(site)
        client = target.clients.get(text)
        if client is None:
            annotation = (
                construct.callee if construct.callee.split(".")[-1][:1].isupper() else "Any"
            )
            client = _Client(text, annotation)
            target.clients[text] = client
            target.imports |= {construct.binding.statement}
            target.imports |= construct.source.portable(construct.call) or frozenset()
        return client

    def _construct_code(self, site: Site) -> str:
        construct = site.construct
        assert construct is not None
        call = construct.call.with_changes(func=dotted_expr(construct.callee))
        return code(construct.source.normalized(call))

    def _instance(self, target: Integration, client: _Client, instance: SharedClient) -> None:
        if client.instance is None:
            taken = target.names()
            name = instance.name
            if name in taken:
                name = f"{target.module}_{instance.name}"
            client.instance = name
        client.comments += [c for c in instance.comments if c not in client.comments]
        self.result.shared_names[instance] = client.instance

    def _receiver_helpers(self, group: list[Site]) -> None:
        site = group[0]
        if site.construct is None:
            return
        target = self.result.integrations[site.module]
        client = target.clients.get(self._construct_code(site)) if self._portable(site) else None
        if client is None:
            return
        if site.factory:
            client.helper = "build_client"
        elif any(s.shared is not None for s in group):
            if any(s.shared is None for s in group) and client.accessor is None:
                client.accessor = f"_{client.instance}"
        else:
            client.helper = client.helper or "_client"
            if client.instance:
                self._note_own_client(group, client)

    def _note_own_client(self, group: list[Site], client: _Client) -> None:
        for site in group:
            assert site.construct is not None
            self.result.notes.append(
                Note(
                    site.source.path,
                    site.source.line(site.construct.call),
                    (
                        f"this builds a new client for each {site.name}() call and its wrapper "
                        f"keeps doing so; use the shared `{client.instance}` if nothing needs "
                        "a fresh one"
                    ),
                )
            )

    def _portable(self, site: Site) -> bool:
        construct = site.construct
        return construct is not None and construct.source.portable(construct.call) is not None

    # -- wrappers ------------------------------------------------------------------------------
    def wrapper(self, group: list[Site]) -> None:
        site = group[0]
        target = self.integration(site.module, site.vendor)
        client = None
        if site.construct is not None and self._portable(site):
            client = target.clients.get(self._construct_code(site))
        shared = any(s.shared is not None for s in group)
        template = build_template(group, per_call=client is None and site.construct is not None)
        reused = match_existing(target.existing, group, template) if template else None
        if reused is not None:
            for s, (function, args) in zip(group, reused, strict=True):
                self.result.plans[s] = CallPlan(site.module, function, args)
            return
        if site.factory:
            self._factory(target, group, client)
            return
        name = self._wrapper_name(target, site)
        if template is None:
            self._passthrough(target, group, name, client, shared)
            return
        name_holes(template, target.names() | {name})
        receiver = self._receiver(group, client, shared, template)
        imports = type_holes(template, target.reexports)
        target.imports |= imports | set(_site_imports(site))
        target.imports |= template_imports(template)
        text = _render_wrapper(self.context, target, name, template, receiver)
        target.wrappers[name] = text
        for s in group:
            self.result.plans[s] = _plan(site.module, name, template, s)
            if s.construct is not None and not shared:
                self.result.per_call.add((s.source.path, code(s.construct.call.func)))
        self._redirect_constructors(group, client, shared, target)

    def _name_helpers(self, target: Integration) -> None:
        """Helper names, once per module: `_client` for the only per-call client, `_s3_client`
        when there are several, `_new_client` beside a shared `client`'s `_client` accessor."""
        helpers = [c for c in target.clients.values() if c.helper == "_client"]
        taken = {c.accessor for c in target.clients.values() if c.accessor}
        taken |= {c.instance for c in target.clients.values() if c.instance}
        for client in helpers:
            words = [] if len(helpers) == 1 else _construct_words(client.construct)
            candidates = [f"_{word}_client" for word in words] + ["_client", "_new_client"]
            client.helper = next(name for name in candidates if name not in taken)
            taken.add(client.helper)

    def _receiver(
        self, group: list[Site], client: _Client | None, shared: bool, template: Template
    ) -> cst.BaseExpression:
        site = group[0]
        construct = site.construct
        if construct is None:
            return dotted_expr(_callee(site))
        if client is None:
            holes: dict[cst.CSTNode, cst.BaseExpression] = {
                hole.values[0]: cst.Name(hole.name)
                for hole in template.construct_holes
                if hole.values[0] is not None
            }
            call = replaced(construct.call, holes)
            assert isinstance(call, cst.Call)
            return site.source.normalized(call.with_changes(func=dotted_expr(construct.callee)))
        if shared:
            assert client.instance is not None
            if client.accessor and any(s.shared is None for s in group):
                return cst.Call(cst.Name(client.accessor))
            return cst.Name(client.instance)
        assert client.helper is not None
        return cst.Call(cst.Name(client.helper))

    def _redirect_constructors(
        self, group: list[Site], client: _Client | None, shared: bool, target: Integration
    ) -> None:
        """Tests that patched the class a caller built per call now patch the accessor."""
        if client is None or not shared or client.accessor is None:
            return
        for site in group:
            if site.shared is None and site.construct is not None:
                spelling = code(site.construct.call.func)
                where = f"{PACKAGE}.{target.module}.{client.accessor}"
                self.result.constructor_targets[(site.source.path, spelling)] = where
                self.result.notes.append(
                    Note(
                        site.source.path,
                        site.source.line(site.construct.call),
                        (
                            f"this built {_article(target.title)} {target.title} client per "
                            "call; it now shares "
                            f"`{client.instance}` of integrations/{target.module}.py"
                        ),
                    )
                )

    def keep_class_patches(self) -> None:
        """A caller that also builds clients per call for other wrappers keeps its class patch
        target: one dotted name cannot stand for both."""
        for place in sorted(self.result.per_call & set(self.result.constructor_targets)):
            path, spelling = place
            del self.result.constructor_targets[place]
            self.result.notes.append(
                Note(
                    path,
                    None,
                    (
                        f"tests that patch `{spelling}` through this module still patch the "
                        "class: the calls that now share a client no longer see that patch"
                    ),
                )
            )

    def _wrapper_name(self, target: Integration, site: Site) -> str:
        """The operation's name; when another operation of the module has it (two accounts
        of one vendor, two endpoints that read alike), the one that differs says how: the
        setting its client is built from, else the module that calls it, and a note."""
        name = site.name
        taken = target.names()
        if name not in taken:
            return name
        for word in (*_setting_words(site), _caller_word(site)):
            candidate = f"{name}_{word}"
            if word and candidate not in taken:
                self.result.notes.append(
                    Note(
                        site.source.path,
                        site.source.line(site.call),
                        (
                            f"integrations/{target.module}.py already has a {name}() for "
                            f"another call; this one is {candidate}(): merge or rename them"
                        ),
                    )
                )
                return candidate
        raise AssertionError(f"no free name for {name} in {target.module}")

    def _factory(self, target: Integration, group: list[Site], client: _Client | None) -> None:
        assert client is not None
        for site in group:
            self.result.plans[site] = CallPlan(target.module, "build_client", [])

    def _passthrough(
        self,
        target: Integration,
        group: list[Site],
        name: str,
        client: _Client | None,
        shared: bool,
    ) -> None:
        site = group[0]
        template = Template(group)
        receiver = self._receiver(group, client, shared, template)
        callee = code(replaced(site.call.func, {site.receiver: receiver}))
        target.imports |= set(_site_imports(site)) | {"from typing import Any"}
        awaiting = "await " if site.is_async else ""
        head = "async def" if site.is_async else "def"
        returns = _returns(template, target)
        target.wrappers[name] = (
            f"{head} {name}(*args: Any, **kwargs: Any) -> {returns}:\n"
            f'    """{_doc(name, target.title)}"""\n'
            f"    {'' if returns == 'None' else 'return '}{awaiting}{callee}(*args, **kwargs)\n"
        )
        for s in group:
            self.result.plans[s] = CallPlan(target.module, name, [], passthrough=True)
        lines = ", ".join(f"{s.source.path}:{s.source.line(s.call)}" for s in group)
        self.result.notes.append(
            Note(
                site.source.path,
                site.source.line(site.call),
                (
                    f"{name}() in integrations/{target.module}.py passes its arguments through: "
                    f"the calls at {lines} do not line up; give it named parameters"
                ),
            )
        )


def _setting_words(site: Site) -> list[str]:
    """`MARKETING` of `Client(settings.MARKETING_TWILIO_SID, ...)`: what tells one client from
    another of the same vendor."""
    if site.construct is None:
        return []
    words = []
    for node in findall(site.construct.call, m.Attribute(value=m.Name("settings"))):
        assert isinstance(node, cst.Attribute)
        first = node.attr.value.split("_")[0].lower()
        if first and first not in site.vendor.integration and first not in words:
            words.append(first)
    return words


def _caller_word(site: Site) -> str:
    module = site.source.module or site.source.path
    return f"from_{module.split('.')[-1]}"


def _article(word: str) -> str:
    """`an SMS`, `an AWS client`, `a user`, `a URL`."""
    if word.startswith(("SMS", "S3", "API")) or word.startswith(("AWS", "OpenAI")):
        return "an"
    if word.lower().startswith(("us", "uni", "url", "eu", "one")):
        return "a"
    return "an" if word[:1].lower() in "aeiou" else "a"


def _api_title(module: str) -> str:
    """An outside API's title: the registry's (HTTP API or the SDK vendor of that name)."""
    known = [api.title for api in HTTP_APIS if api.module == module]
    known += [vendor.title for vendor in VENDORS if vendor.integration == module]
    return known[0] if known else api_title(module)


def _callee(site: Site) -> str:
    """`stripe.PaymentIntent.create` however the caller spelled it (`s.PaymentIntent.create`)."""
    assert site.binding is not None
    parts = site.key.split(".")
    bound = site.binding.qualified.split(".")
    return ".".join([site.binding.expr, *parts[len(bound) :]])


def _site_imports(site: Site) -> list[str]:
    if site.binding is not None:
        return [site.binding.statement]
    return []


def template_imports(template: Template) -> set[str]:
    found: set[str] = set()
    site = template.sites[0]
    holes = {hole.values[0] for hole in template.holes if hole.values[0] is not None}
    for node in _const_parts(site.call, holes, site.receiver):
        found |= site.source.portable(node) or frozenset()
    return found


def _const_parts(
    call: cst.Call, holes: set[cst.BaseExpression], receiver: cst.BaseExpression
) -> list[cst.BaseExpression]:
    """The parts of `call` that move into the wrapper as they are."""
    found: list[cst.BaseExpression] = []

    def visit(node: cst.BaseExpression) -> None:
        if node in holes or node is receiver:
            return
        if not any(_contains(node, hole) for hole in holes) and not _contains(node, receiver):
            found.append(node)
            return
        for child in _expr_children(node):
            visit(child)

    for arg in call.args:
        visit(arg.value)
    visit(call.func)
    return found


def _expr_children(node: cst.CSTNode) -> list[cst.BaseExpression]:
    if isinstance(node, cst.Attribute):
        return [node.value]
    found: list[cst.BaseExpression] = []
    for child in node.children:
        if isinstance(child, cst.BaseExpression):
            found.append(child)
        else:
            found += _expr_children(child)
    return found


def _contains(node: cst.CSTNode, inner: cst.CSTNode) -> bool:
    if node is inner:
        return True
    return any(_contains(child, inner) for child in node.children)


def _construct_words(construct: str) -> list[str]:
    """What tells one client from another: the service of `boto3.client("s3", ...)`, else
    the first word of the settings it is built from (`MARKETING` of `MARKETING_SID`)."""
    expr = cst.parse_expression(construct)
    assert isinstance(expr, cst.Call)
    words = []
    first = expr.args[0].value if expr.args else None
    if isinstance(first, cst.SimpleString) and isinstance(first.evaluated_value, str):
        words.append(first.evaluated_value.replace("-", "_"))
    for node in findall(expr, m.Attribute(value=m.Name("settings"))):
        assert isinstance(node, cst.Attribute)
        words.append(node.attr.value.split("_")[0].lower())
    return [word for word in dict.fromkeys(words) if word.isidentifier()]


def _bound_name(statement: str) -> str:
    """The name an import statement string binds."""
    words = statement.split()
    if " as " in statement:
        return words[-1]
    if statement.startswith("import "):
        return words[1].split(".")[0]
    return words[-1]


class _Replace(cst.CSTTransformer):
    """Replace chosen nodes (by identity) with others."""

    def __init__(self, replacements: dict[cst.CSTNode, cst.BaseExpression]) -> None:
        super().__init__()
        self.replacements = replacements

    def on_leave(
        self, original_node: _NodeT, updated_node: _NodeT
    ) -> _NodeT | cst.RemovalSentinel | cst.FlattenSentinel[_NodeT]:
        replacement = self.replacements.get(original_node)
        return updated_node if replacement is None else cast(_NodeT, replacement)


def replaced(
    node: cst.BaseExpression, replacements: dict[cst.CSTNode, cst.BaseExpression]
) -> cst.BaseExpression:
    """`node` with the chosen nodes inside it replaced."""
    result = node.visit(_Replace(replacements))
    assert isinstance(result, cst.BaseExpression)
    return result


# -- rendering one wrapper ---------------------------------------------------------------------
def _plan(module: str, name: str, template: Template, site: Site) -> CallPlan:
    index = template.sites.index(site)
    args: list[tuple[str | None, cst.BaseExpression, str]] = []
    for hole in template.holes:
        value = hole.values[index]
        if value is not None:
            args.append((hole.name, value, hole.star))
    if len(args) == 1 and not args[0][2] and not template.holes[0].optional:
        args = [(None, args[0][1], "")]
    return CallPlan(module, name, args)


def _render_wrapper(
    context: ProjectContext,
    target: Integration,
    name: str,
    template: Template,
    receiver: cst.BaseExpression,
) -> str:
    site = template.sites[0]
    width = context.line_length
    required = [h for h in template.holes if not h.optional and not h.star]
    optional = [h for h in template.holes if h.optional]
    stars = [h for h in template.holes if h.star]
    if context.evaluates_annotations():
        for hole in template.holes:
            hole.annotation, needed = typing_form(hole.annotation)
            target.imports |= needed
    params = [f"{h.name}: {h.annotation}" for h in required]
    if optional:
        params.append("*")
        params += [f"{h.name}: {h.annotation} = None" for h in optional]
    params += [f"{h.star}{h.name}: Any" for h in stars]
    returns = _returns(template, target)
    if context.evaluates_annotations():
        returns, needed = typing_form(returns)
        target.imports |= needed
    head = "async def" if site.is_async else "def"
    signature = wrap(f"{head} {name}(", params, f") -> {returns}:", 0, width)
    doc = _doc(site.name, target.title, site)
    if name != site.name:
        doc = f"{doc[:-1]} ({name[len(site.name) + 1 :].replace('_', ' ')})."
    body = [f'    """{doc}"""']
    if optional:
        if context.evaluates_annotations():
            # variable annotations are 3.6+: the type goes in a type comment before that
            target.imports.add("from typing import Dict")
            body.append("    options = {}  # type: Dict[str, Any]")
        else:
            body.append("    options: dict[str, Any] = {}")
        for hole in optional:
            keyword = hole.context.keyword
            body.append(f"    if {hole.name} is not None:")
            body.append(f'        options["{keyword}"] = {hole.name}')
    call, leftover = _render_call(template, receiver, optional, returns == "None", width)
    body += [f"    {comment}" for comment in leftover]
    body.append(call)
    return "\n".join([signature, *body]) + "\n"


def _render_call(
    template: Template,
    receiver: cst.BaseExpression,
    optional: list[Hole],
    discard: bool,
    width: int,
) -> tuple[str, list[str]]:
    site = template.sites[0]
    source = site.source
    replacements: dict[cst.CSTNode, cst.BaseExpression] = {
        hole.values[0]: cst.Name(hole.name)
        for hole in template.call_holes
        if hole.values[0] is not None and not hole.star
    }
    replacements[site.receiver] = receiver
    for name, (_, literal) in source.local_constants.items():
        replacements.setdefault(name, literal)
    func = code(source.normalized(replaced(site.call.func, replacements)))
    skipped = {hole.context.keyword for hole in optional}
    stars = {hole.values[0]: hole for hole in template.call_holes if hole.star}
    items = []
    for arg in site.call.args:
        if arg.keyword is not None and arg.keyword.value in skipped:
            continue
        if arg.value in stars:
            items.append(f"{arg.star}{stars[arg.value].name}")
            continue
        value = code(source.normalized(replaced(arg.value, replacements)))
        value = reindent(value, source.layout(arg).relative, 8)
        keyword = f"{arg.keyword.value}=" if arg.keyword else ""
        items.append(with_comment(f"{arg.star}{keyword}{value}", _trailing_comment(arg)))
    if optional:
        items.append("**options")
    prefix = "" if discard else "return "
    awaiting = "await " if site.is_async else ""
    text = "    " + wrap(f"{prefix}{awaiting}{func}(", items, ")", 4, width)
    placed = set(_comments_in(text))
    leftover = [c for c in _comments(site.call) if c not in placed]
    return text, leftover


def _trailing_comment(arg: cst.Arg) -> str | None:
    comma = arg.comma
    if isinstance(comma, cst.Comma) and isinstance(
        comma.whitespace_after, cst.ParenthesizedWhitespace
    ):
        comment = comma.whitespace_after.first_line.comment
        return comment.value if comment else None
    return None


def _comments(node: cst.CSTNode) -> list[str]:
    return [c.value for c in findall(node, m.Comment()) if isinstance(c, cst.Comment)]


def _comments_in(text: str) -> list[str]:
    return [line[line.index("#") :] for line in text.splitlines() if "#" in line]


def _returns(template: Template, target: Integration) -> str:
    site = template.sites[0]
    if all(s.discarded for s in template.sites):
        return "None"
    streams = any(
        arg.keyword is not None and arg.keyword.value == "stream"
        for s in template.sites
        for arg in s.call.args
    )
    known = return_type(site.key, site.chain, streams)
    if known is None:
        return "Any"
    target.imports |= set(known.imports)
    return known.annotation


def _doc(name: str, title: str, site: Site | None = None) -> str:
    """`create_customer` -> `Create a customer in Stripe.`; the registry words the common ones."""
    known = DOCS.get(f"{site.module}.{name}") if site is not None else None
    if known:
        return known
    verb, *nouns = name.split("_")
    phrase = " ".join(_ACRONYMS.get(word, word) for word in nouns)
    article = ""
    last = nouns[-1] if nouns else ""
    if last and last not in _MASS and (not last.endswith("s") or last in ("sms", "status")):
        article = _article(phrase) + " "
    http = site is not None and site.vendor.per_api
    where = "with" if http else _PREPOSITIONS.get(verb, "in")
    sentence = f"{verb.capitalize()} {article}{phrase} {where} {title}".replace("  ", " ")
    return f"{sentence}{_endpoint_suffix(site)}."


_PREPOSITIONS = {"send": "through", "post": "through", "make": "through", "publish": "through"}
_PREPOSITIONS |= {"upload": "to", "download": "from", "fetch": "from", "get": "from"}


def _endpoint_suffix(site: Site | None) -> str:
    if site is None or not site.vendor.per_api:
        return ""
    endpoint = endpoint_of(site.source, site.call)
    if endpoint is None or endpoint.static_path == "/":
        return ""
    return f" ({endpoint.method.upper()} {endpoint.shown_path})"


_ACRONYMS = {"sms": "SMS", "url": "URL", "api": "API", "id": "ID", "s3": "S3", "ai": "AI"}
_MASS = frozenset({"data", "metrics", "eligibility", "availability", "fileobj", "info"})
