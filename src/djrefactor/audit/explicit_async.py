"""Rule 6: asynchronous workflows are explicit.

Why: email, SMS, AI and outside-API calls take seconds and fail on their own schedule; made in
the request, they hold a worker, slow the page and turn a vendor outage into an error page.
Queued as a task they retry without the user waiting.
Finds: such calls made synchronously on the request path: in a view, or in a function a view
calls (a helper, a service), followed through direct calls (a `.delay()` is not one), with the
task each should become and whether a queue (Celery, RQ, dramatiq, huey) is configured. Payment
and storage calls are left out: the response usually needs their result.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import libcst as cst

from djrefactor.analysis.naming import snake
from djrefactor.analysis.tree import find_type
from djrefactor.audit._code import Function, Source, calls, module_assignments, string_values
from djrefactor.audit._report import Finding
from djrefactor.audit._settings import settings_of
from djrefactor.discovery.files import is_test_path
from djrefactor.discovery.vendors import VENDORS, registry
from djrefactor.project import Project

NUMBER = 6
TITLE = "explicit async"

EMAIL, SMS, AI, API = "email", "sms", "ai", "api"
KINDS = {
    "sendgrid": EMAIL,
    "mailchimp_marketing": EMAIL,
    "twilio": SMS,
    "openai": AI,
    "anthropic": AI,
    "requests": API,
    "httpx": API,
    "slack_sdk": API,
}
_LABELS = {EMAIL: "email", SMS: "SMS", AI: "AI", API: "an outside API"}
IN_REQUEST = frozenset({"stripe", "braintree", "paypalrestsdk", "boto3", "botocore"})
"""Payments and storage: the response usually needs their result, so they stay in the request."""
MAIL_FUNCTIONS = frozenset(
    f"django.core.mail.{name}"
    for name in ("send_mail", "send_mass_mail", "mail_admins", "mail_managers")
)
MAIL_MESSAGES = frozenset(
    f"django.core.mail.{name}" for name in ("EmailMessage", "EmailMultiAlternatives")
)
QUEUES = (
    ("Celery", ("celery",), ()),
    ("RQ", ("rq", "django_rq"), ("django_rq",)),
    ("dramatiq", ("dramatiq", "django_dramatiq"), ("django_dramatiq",)),
    ("huey", ("huey",), ("huey.contrib.djhuey",)),
)
WHY = (
    "the user waits for the vendor, a slow or failing vendor ties up a web worker and turns "
    "its outage into an error page, and nothing retries the call"
)


@dataclass(frozen=True)
class Slow:
    """A call that belongs in a task: where it is, what it is, and the function holding it."""

    path: str
    line: int
    kind: str
    what: str
    holder: str
    result_used: bool


@dataclass(frozen=True)
class Step:
    """A function on a request path, and how the first view to reach it got there."""

    module: str
    qualname: str
    chain: tuple[str, ...]


def check(project: Project) -> Iterator[Finding]:
    graph = _Graph(project)
    queue = configured_queue(project)
    reported: set[tuple[str, int]] = set()
    for step in graph.request_paths():
        source = graph.source(step.module)
        function = graph.function(step.module, step.qualname)
        if source is None or function is None:
            continue
        for slow in graph.slow_calls(source, function):
            if (slow.path, slow.line) in reported:
                continue
            reported.add((slow.path, slow.line))
            yield _finding(project, slow, step, queue, source)


def _finding(
    project: Project, slow: Slow, step: Step, queue: str | None, source: Source
) -> Finding:
    chain = " -> ".join(step.chain)
    return Finding(
        NUMBER,
        slow.path,
        slow.line,
        f"{slow.what} runs synchronously on the request path: {chain}",
        WHY,
        f"{_task_advice(project, slow, step, source)} {_queue_advice(queue)}",
    )


def _task_advice(project: Project, slow: Slow, step: Step, source: Source) -> str:
    used = (
        "the code uses its result: if the response needs it, keep the call and give it a short "
        "timeout; otherwise "
        if slow.result_used
        else ""
    )
    is_view = len(step.chain) == 1
    if not is_view and step.module.split(".")[0] != "services":
        return (
            f"{used}make {slow.holder} a task (`@shared_task`) and call it with `.delay(...)`, "
            "passing ids rather than model instances."
        )
    name = _task_name(slow.holder, slow.kind)
    tasks = _tasks_module(project, source.path)
    if slow.result_used:
        return (
            f"{used}move it, with what uses the result, into a task `{name}` in {tasks}, "
            "queued with `.delay(...)` once the transaction commits."
        )
    return (
        f"move the call into a task `{name}` in {tasks} and queue it with "
        f"`transaction.on_commit(lambda: {name}.delay(...))`, passing ids."
    )


VIEW_METHODS = frozenset(
    {"get", "post", "put", "patch", "delete", "dispatch", "form_valid", "create", "update"}
    | {"destroy", "list", "retrieve", "perform_create", "perform_update", "perform_destroy"}
)
VIEW_SUFFIXES = ("_api_view", "_view_set", "_viewset", "_view")


def _task_name(holder: str, kind: str) -> str:
    """From the function holding the call: `book_appointment`, `CancelAppointmentView.post` ->
    `cancel_appointment`, `OrderViewSet.ship` -> `ship_order`."""
    cls, _, method = holder.rpartition(".")
    stem = snake(method).lstrip("_")
    if cls:
        subject = snake(cls)
        for suffix in VIEW_SUFFIXES:
            subject = subject.removesuffix(suffix)
        stem = subject if method in VIEW_METHODS else f"{stem}_{subject}"
    return {
        EMAIL: f"send_{stem}_email",
        SMS: f"send_{stem}_sms",
        AI: f"{stem}_with_ai",
    }.get(kind, f"{stem}_in_background")


def _tasks_module(project: Project, path: str) -> str:
    for app in project.facts.apps:
        if path.startswith(app.path + "/"):
            return app.tasks[0] if app.tasks else f"{app.path}/tasks.py"
    return "a tasks module of the app it serves"


def _queue_advice(queue: str | None) -> str:
    if queue:
        return f"A queue is configured: {queue}."
    return (
        "No task queue is configured yet: add Celery first (an app in config/celery.py, "
        "CELERY_BROKER_URL, a worker process)."
    )


def configured_queue(project: Project) -> str | None:
    """The task queue the project runs, and where it is configured; None without one."""
    settings = settings_of(project)
    installed = set(project.facts.installed_apps)
    for path in settings.paths if settings else ():
        installed |= set(string_values(project.tree(path)))
    celery = _celery_app(project)
    if celery:
        return f"Celery ({celery})"
    for name, modules, apps in QUEUES:
        if installed & set(apps):
            return f"{name} ({', '.join(sorted(installed & set(apps)))} in INSTALLED_APPS)"
        where = _importer(project, modules)
        if where:
            return f"{name} ({where})"
    return None


def _celery_app(project: Project) -> str | None:
    """The module creating the Celery app (`app = Celery("proj")`)."""
    for path in project.python_paths():
        if is_test_path(path) or not project.mentions(path, "Celery"):
            continue
        source = Source(project, path)
        for _, value, _ in module_assignments(source.tree):
            if isinstance(value, cst.Call) and source.origin(value.func) == "celery.Celery":
                return path
    return None


def _importer(project: Project, modules: tuple[str, ...]) -> str | None:
    """The first non-test module importing one of `modules`."""
    for path in project.python_paths():
        if is_test_path(path) or not project.mentions(path, *modules):
            continue
        if any(i.module.split(".")[0] in modules for i in project.imports(path).names):
            return path
    return None


# -- the request paths -------------------------------------------------------------------------
class _Graph:
    """Functions reached from views through direct calls, resolved through imports."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.vendors = registry(project.config.vendors)
        self._sources: dict[str, Source | None] = {}
        self._functions: dict[str, dict[str, Function]] = {}

    def source(self, module: str) -> Source | None:
        if module not in self._sources:
            path = self.project.path_for(module)
            usable = path is not None and not is_test_path(path)
            self._sources[module] = Source(self.project, path) if usable and path else None
        return self._sources[module]

    def function(self, module: str, qualname: str) -> Function | None:
        if module not in self._functions:
            source = self.source(module)
            found = {f.qualname: f for f in source.functions()} if source else {}
            self._functions[module] = found
        return self._functions[module].get(qualname)

    def request_paths(self) -> Iterator[Step]:
        """Every function a view reaches, once, with the first chain that reached it."""
        seen: set[tuple[str, str]] = set()
        for entry in self._views():
            pending = [entry]
            while pending:
                step = pending.pop(0)
                if (step.module, step.qualname) in seen:
                    continue
                seen.add((step.module, step.qualname))
                yield step
                pending += self._callees(step)

    def _views(self) -> Iterator[Step]:
        for app in self.project.facts.apps:
            for path in app.views:
                module = self.project.module_for(path)
                source = self.source(module) if module else None
                if source is None or module is None:
                    continue
                for function in source.functions():
                    where = f"{function.qualname} ({path}:{source.line(function.node)})"
                    yield Step(module, function.qualname, (where,))

    def _callees(self, step: Step) -> Iterator[Step]:
        source = self.source(step.module)
        function = self.function(step.module, step.qualname)
        if source is None or function is None:
            return
        for call in calls(function.node.body):
            target = self._target(source, function, call.func)
            if target is None:
                continue
            module, qualname = target
            callee = self.function(module, qualname)
            callee_source = self.source(module)
            if callee is None or callee_source is None:
                continue
            where = f"{qualname} ({callee_source.path}:{callee_source.line(callee.node)})"
            yield Step(module, qualname, (*step.chain, where))

    def _target(
        self, source: Source, function: Function, func: cst.BaseExpression
    ) -> tuple[str, str] | None:
        assert source.module is not None
        if isinstance(func, cst.Name) and self.function(source.module, func.value):
            return source.module, func.value
        if (
            function.cls is not None
            and isinstance(func, cst.Attribute)
            and isinstance(func.value, cst.Name)
            and func.value.value == "self"
        ):
            return source.module, f"{function.cls.name.value}.{func.attr.value}"
        origin = source.origin(func)
        if origin is None or "." not in origin:
            return None
        module, name = origin.rsplit(".", 1)
        return (module, name) if self.source(module) else None

    # -- what is slow ------------------------------------------------------------------------
    def slow_calls(self, source: Source, function: Function) -> Iterator[Slow]:
        clients = self._client_names(source, function)
        bare = {id(statement.value) for statement in find_type(function.node.body, cst.Expr)}
        for call in calls(function.node.body):
            found = self._slow(source, call, clients)
            if found:
                kind, what = found
                line = source.line(call)
                used = id(call) not in bare
                yield Slow(source.path, line, kind, what, function.qualname, used)

    def _slow(
        self, source: Source, call: cst.Call, clients: dict[str, str]
    ) -> tuple[str, str] | None:
        origin = source.origin(call.func) or self._through_object(source, call.func, clients)
        if origin is None:
            return None
        if origin in MAIL_FUNCTIONS:
            return EMAIL, f"{origin.rsplit('.', 1)[1]} (email)"
        if any(origin == f"{message}.send" for message in MAIL_MESSAGES):
            return EMAIL, f"{origin.split('.')[-2]}.send (email)"
        if origin.rsplit(".", 1)[-1][:1].isupper():
            return None  # building a client or a message is not a call to the vendor
        top = origin.split(".")[0]
        if top == "integrations":
            return self._integration(origin)
        if top in IN_REQUEST or top not in self.vendors:
            return None
        kind = KINDS.get(top, API)
        return kind, f"{origin} ({_LABELS[kind]})"

    def _integration(self, origin: str) -> tuple[str, str] | None:
        parts = origin.split(".")
        if len(parts) < 3 or parts[-1].endswith("_client"):
            return None
        modules = {vendor.integration: vendor.modules for vendor in VENDORS}
        vendor_modules = modules.get(parts[1], ())
        if set(vendor_modules) & IN_REQUEST:
            return None
        kind = next((KINDS[m] for m in vendor_modules if m in KINDS), API)
        return kind, f"{origin} ({_LABELS[kind]})"

    def _client_names(self, source: Source, function: Function) -> dict[str, str]:
        """Names bound to a vendor object (`client = Client(...)`, `message = EmailMessage(...)`)
        at module level or in the function: calls through them are the vendor's."""
        bound: dict[str, str] = {}
        assignments = [*module_assignments(source.tree), *_function_assignments(function.node)]
        for name, value, _ in assignments:
            if not isinstance(value, cst.Call):
                continue
            origin = source.origin(value.func) or ""
            is_vendor = origin.split(".")[0] in self.vendors
            if origin in MAIL_MESSAGES or (is_vendor and origin.rsplit(".", 1)[-1][:1].isupper()):
                bound[name] = origin
        return bound

    def _through_object(
        self, source: Source, func: cst.BaseExpression, clients: dict[str, str]
    ) -> str | None:
        """`client.messages.create` with `client = Client(...)`, `OpenAI().chat.create`."""
        node = func
        attrs: list[str] = []
        while isinstance(node, cst.Attribute):
            attrs.append(node.attr.value)
            node = node.value
        if not attrs:
            return None
        if isinstance(node, cst.Name) and node.value in clients:
            root = clients[node.value]
        elif isinstance(node, cst.Call):
            root = source.origin(node.func) or ""
            if not root.rsplit(".", 1)[-1][:1].isupper():
                return None
        else:
            return None
        return ".".join([root, *reversed(attrs)])


def _function_assignments(
    node: cst.FunctionDef,
) -> Iterator[tuple[str, cst.BaseExpression, cst.CSTNode]]:
    for assign in find_type(node.body, cst.Assign):
        for target in assign.targets:
            if isinstance(target.target, cst.Name):
                yield target.target.value, assign.value, assign
