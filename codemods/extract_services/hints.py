"""Type hints for the parameters, results and exception attributes of a service, for
`extract-services`, read from what the view already says about each value: the model a query or
`get_object_or_404` returns, `int` ids from the URL converters, `dict[str, Any]` cleaned data,
the user model for `request.user`, `Decimal`, `str`... A value nothing tells about is `Any`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import libcst as cst

from djrefactor.analysis import patterns as m
from djrefactor.analysis.nodes import dotted_name

from .select import REQUEST_MAPPINGS, Lift, is_form_name, request_root


@dataclass(frozen=True)
class Hint:
    """An annotation and the imports it needs, as `(module, name)` pairs."""

    text: str
    imports: tuple[tuple[str, str], ...] = ()


ANY = Hint("Any", (("typing", "Any"),))
_UNKNOWN = cst.Name("__unknown__")
"""What a name is bound to when nothing tells its value (no assignment reads as one)."""
STR = Hint("str")
INT = Hint("int")
BOOL = Hint("bool")
NONE = Hint("None")
BYTES = Hint("bytes")
DATA = Hint("dict[str, Any]", (("typing", "Any"),))
DECIMAL = Hint("Decimal", (("decimal", "Decimal"),))
DATETIME = Hint("datetime", (("datetime", "datetime"),))
MAPPING = Hint("Mapping[str, Any]", (("collections.abc", "Mapping"), ("typing", "Any")))
UPLOAD = Hint("UploadedFile", (("django.core.files.uploadedfile", "UploadedFile"),))
CONVERTERS = {
    "int": INT,
    "str": STR,
    "slug": STR,
    "path": STR,
    "uuid": Hint("UUID", (("uuid", "UUID"),)),
}
SINGLE = frozenset({"get", "create", "latest", "earliest", "get_by_natural_key"})
OPTIONAL = frozenset({"first", "last"})
MANY = frozenset(
    {
        "filter",
        "exclude",
        "all",
        "order_by",
        "select_related",
        "prefetch_related",
        "annotate",
        "distinct",
        "select_for_update",
        "only",
        "defer",
        "using",
    }
)
PAIRS = frozenset({"get_or_create", "update_or_create"})
STRING_METHODS = frozenset(
    {"strip", "lower", "upper", "lstrip", "rstrip", "title", "format", "join"}
)
PREDICATES = ("is_", "has_", "can_", "should_")
BUILTIN_CALLS = {"int": INT, "str": STR, "bool": BOOL, "len": INT, "float": Hint("float")}


def union(hints: Iterable[Hint]) -> Hint | None:
    """The hints of every assignment a name gets; unknown ones are left out."""
    distinct: dict[str, Hint] = {}
    for hint in hints:
        if hint.text != "Any":
            distinct.setdefault(hint.text, hint)
    if not distinct:
        return None
    if len(distinct) == 1:
        return next(iter(distinct.values()))
    texts = [text for text in distinct if text != "None"]
    if len(texts) == 1:
        real = distinct[texts[0]]
        return Hint(f"{real.text} | None", real.imports)
    return None


@dataclass
class HandlerTypes:
    """What one handler's code says about the types of its names.

    `models` maps a local name of the views module to the model class it imports (with the
    import); `user` is the project's user model; `converters` the URL converter of each URL
    keyword argument; `view_model` the model of a viewset or serializer (`self.get_object()`,
    `instance`); `body` is every node of the function's body, in preorder."""

    function: cst.FunctionDef
    models: Mapping[str, Hint]
    user: Hint
    converters: Mapping[str, str]
    view_model: Hint | None
    origin: Callable[[cst.BaseExpression], str | None]
    body: Sequence[cst.CSTNode]

    def __post_init__(self) -> None:
        self.assigned: dict[str, list[cst.BaseExpression]] = {}
        self.narrowed: set[str] = set()
        for node in self.body:
            kind = type(node)  # a class test: `isinstance` on every node is slow in libcst
            if kind is cst.Assign or kind is cst.AnnAssign:
                assert isinstance(node, cst.Assign | cst.AnnAssign)
                targets = node.targets if isinstance(node, cst.Assign) else [node]
                for target in targets:
                    self._record(target.target, node.value)
            elif kind is cst.For:
                assert isinstance(node, cst.For)
                self._unknown(node.target)
            elif kind is cst.If:
                assert isinstance(node, cst.If)
                if isinstance(node.test, cst.Comparison | cst.UnaryOperation):
                    self.narrowed |= _none_checked(node.test)

    @property
    def model_names(self) -> frozenset[str]:
        """The class names of the project's models (the user model included)."""
        return frozenset({hint.text for hint in self.models.values()} | {self.user.text})

    def _record(self, target: cst.BaseExpression, value: cst.BaseExpression | None) -> None:
        if value is None:
            return
        if isinstance(target, cst.Name):
            self.assigned.setdefault(target.value, []).append(value)
        elif isinstance(target, cst.Tuple) and _pair_call(value):
            first = target.elements[0].value if target.elements else None
            if isinstance(first, cst.Name):
                self.assigned.setdefault(first.value, []).append(_first_of(value))
            if len(target.elements) == 2 and isinstance(target.elements[1].value, cst.Name):
                self.assigned.setdefault(target.elements[1].value.value, []).append(
                    cst.Name("True")
                )
        else:
            self._unknown(target)

    def _unknown(self, target: cst.BaseExpression) -> None:
        """Names bound to values nothing tells about (`a, b = custom()`, `for a in ...`): a
        `None` assigned to them elsewhere is not their type."""
        if isinstance(target, cst.Name):
            self.assigned.setdefault(target.value, []).append(_UNKNOWN)
        elif isinstance(target, cst.Tuple | cst.List):
            for element in target.elements:
                self._unknown(element.value)
        elif isinstance(target, cst.StarredElement):
            self._unknown(target.value)

    # -- names -----------------------------------------------------------------------------
    def of_name(self, name: str, depth: int = 0) -> Hint | None:
        if depth > 5:
            return None
        parameter = self._parameter(name)
        if parameter is not None:
            return parameter
        hints = [self.of_expression(value, depth + 1) for value in self.assigned.get(name, ())]
        known = [hint for hint in hints if hint is not None]
        if len(known) < len(hints) and all(hint == NONE for hint in known):
            return None  # `x = None` then a value nothing tells about: not `None`
        found = union(known)
        if found is not None and name in self.narrowed and found.text.endswith(" | None"):
            return Hint(found.text.removesuffix(" | None"), found.imports)
        return found

    def _parameter(self, name: str) -> Hint | None:
        params = self.function.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            if param.name.value != name:
                continue
            if name in self.converters:
                return CONVERTERS.get(self.converters[name], STR)
            if name == "validated_data":
                return DATA
            if name in ("instance", "obj") and self.view_model is not None:
                return self.view_model
        return None

    def of_lift(self, lift: Lift) -> Hint:
        node = lift.node
        if m.matches(node, m.Call(func=m.Name("render_to_string"))):
            return STR
        if lift.name == "user" or m.matches(node, m.Attribute(attr=m.Name("user"))):
            return self.user
        if isinstance(node, cst.Attribute) and node.attr.value in (
            "cleaned_data",
            "validated_data",
        ):
            return DATA
        if isinstance(node, cst.Attribute) and node.attr.value in ("POST", "GET", "FILES"):
            return MAPPING
        mapping = _mapping(node)
        if mapping == "kwargs":
            return CONVERTERS.get(self.converters.get(lift.name, ""), STR)
        if mapping == "FILES":
            return (
                UPLOAD
                if isinstance(node, cst.Subscript)
                else Hint(f"{UPLOAD.text} | None", UPLOAD.imports)
            )
        if mapping in ("POST", "GET"):
            return STR if isinstance(node, cst.Subscript) else self._string_get(node)
        return self.of_expression(node) or ANY

    # -- expressions -----------------------------------------------------------------------
    def of_expression(self, node: cst.BaseExpression, depth: int = 0) -> Hint | None:
        if isinstance(node, cst.Name):
            if node.value in ("True", "False"):
                return BOOL
            if node.value == "None":
                return NONE
            return self.of_name(node.value, depth)
        if isinstance(node, cst.SimpleString | cst.FormattedString | cst.ConcatenatedString):
            return STR
        if isinstance(node, cst.Integer):
            return INT
        if isinstance(node, cst.Comparison) or m.matches(node, m.UnaryOperation(operator=m.Not())):
            return BOOL
        if isinstance(node, cst.List | cst.ListComp):
            return Hint("list[Any]", ANY.imports)
        if isinstance(node, cst.Dict | cst.DictComp):
            return DATA
        if isinstance(node, cst.BinaryOperation):
            return self._binary(node, depth)
        if isinstance(node, cst.IfExp):
            return union(
                h
                for h in (
                    self.of_expression(node.body, depth),
                    self.of_expression(node.orelse, depth),
                )
                if h
            )
        if isinstance(node, cst.Attribute):
            return self._attribute(node)
        if isinstance(node, cst.Subscript):
            return self._subscript(node, depth)
        if isinstance(node, cst.Call):
            return self._call(node, depth)
        return None

    def _binary(self, node: cst.BinaryOperation, depth: int) -> Hint | None:
        if isinstance(node.operator, cst.Modulo) and isinstance(node.left, cst.SimpleString):
            return STR
        sides = [self.of_expression(node.left, depth), self.of_expression(node.right, depth)]
        if any(side == DECIMAL for side in sides):
            return DECIMAL
        if all(side == INT for side in sides):
            return INT
        return None

    def _attribute(self, node: cst.Attribute) -> Hint | None:
        if node.attr.value == "user" and request_root(node.value):
            return self.user
        if node.attr.value == "body" and request_root(node.value):
            return BYTES
        if node.attr.value in ("cleaned_data", "validated_data"):
            return DATA
        return None

    def _subscript(self, node: cst.Subscript, depth: int) -> Hint | None:
        mapping = _mapping(node)
        if mapping in ("POST", "GET"):
            return STR
        if mapping == "FILES":
            return UPLOAD
        if _is_headers(node.value):
            return STR
        container = self.of_expression(node.value, depth)
        if (
            container is not None
            and container.text.startswith("list[")
            and container.text != "list[Any]"
        ):
            return Hint(container.text[5:-1], container.imports)
        return None

    def _call(self, node: cst.Call, depth: int) -> Hint | None:
        func = node.func
        origin = self.origin(func) or ""
        if origin in ("django.utils.timezone.now", "datetime.datetime.now"):
            return DATETIME
        if origin.endswith(".get_user_model") or origin == "get_user_model":
            return self.user
        if isinstance(func, cst.Name):
            return self._name_call(func.value, node, depth)
        if not isinstance(func, cst.Attribute):
            return None
        method = func.attr.value
        if method in STRING_METHODS or method in ("build_absolute_uri", "get_username"):
            return STR
        if method.startswith(PREDICATES):
            return BOOL
        if method == "get" and (_mapping(func.value) in ("POST", "GET") or _is_headers(func.value)):
            return self._string_get(node)
        if method == "get" and _mapping(func.value) == "FILES":
            return Hint(f"{UPLOAD.text} | None", UPLOAD.imports)
        if method == "get_object" and m.matches(func.value, m.Name("self")):
            return self.view_model
        if method == "save" and isinstance(func.value, cst.Name) and is_form_name(func.value.value):
            return self.view_model if func.value.value == "serializer" else None
        return self._query(node)

    def _string_get(self, node: cst.BaseExpression) -> Hint:
        """`request.POST.get("x", default)`: a string, or the default's type when the key is
        missing (`None` without one)."""
        args = node.args if isinstance(node, cst.Call) else ()
        if len(args) < 2:
            return Hint("str | None")
        default = self.of_expression(args[1].value)
        if default is None or default.text == "Any":
            return ANY
        return STR if default == STR else Hint(f"str | {default.text}", default.imports)

    def _name_call(self, name: str, node: cst.Call, depth: int) -> Hint | None:
        if name in ("reverse", "render_to_string"):
            return STR
        if name in BUILTIN_CALLS:
            return BUILTIN_CALLS[name]
        if name == "Decimal":
            return DECIMAL
        if name in ("get_object_or_404",) and node.args:
            return self._model_of(node.args[0].value)
        if name == "list" and node.args:
            inner = self._query_target(node.args[0].value)
            if inner is not None and inner.text.startswith("QuerySet["):
                model = self.models_by_text(inner.text[9:-1])
                return Hint(f"list[{model.text}]", model.imports) if model else None
        return self.models.get(name)

    def models_by_text(self, text: str) -> Hint | None:
        for hint in (*self.models.values(), self.user):
            if hint.text == text:
                return hint
        return None

    def _query_target(self, node: cst.BaseExpression) -> Hint | None:
        return self._query(node) if isinstance(node, cst.Call) else None

    def _query(self, node: cst.Call) -> Hint | None:
        """`Order.objects.filter(...).first()` -> `Order | None`."""
        methods, root = _chain(node)
        model = self._model_root(root)
        if model is None or "objects" not in methods:
            return None
        last = methods[-1]
        if last in SINGLE:
            return model
        if last in OPTIONAL:
            return Hint(f"{model.text} | None", model.imports)
        if last in MANY:
            return Hint(
                f"QuerySet[{model.text}]",
                (*model.imports, ("django.db.models", "QuerySet")),
            )
        if last in ("count",):
            return INT
        if last in ("exists",):
            return BOOL
        return None

    def _model_root(self, root: cst.BaseExpression | None) -> Hint | None:
        if isinstance(root, cst.Name | cst.Attribute):
            name = dotted_name(root)
            return self.models.get(name) if name else None
        if isinstance(root, cst.Call):
            origin = self.origin(root.func) or ""
            if origin.endswith("get_user_model"):
                return self.user
        return None

    def _model_of(self, node: cst.BaseExpression) -> Hint | None:
        """The model of `get_object_or_404`'s first argument: a class or a queryset."""
        direct = self._model_root(node)
        if direct is not None:
            return direct
        _, root = _chain(node)
        return self._model_root(root)


def _chain(node: cst.BaseExpression) -> tuple[list[str], cst.BaseExpression | None]:
    """`a.objects.filter(x).first()` -> (["objects", "filter", "first"], a); a call of a plain
    name (`get_user_model()`) is a root."""
    methods: list[str] = []
    current: cst.BaseExpression = node
    while True:
        if isinstance(current, cst.Call) and isinstance(current.func, cst.Attribute):
            current = current.func
        elif isinstance(current, cst.Attribute):
            methods.append(current.attr.value)
            current = current.value
            if methods[-1] == "objects":
                break  # `models.Order.objects`: the manager of `models.Order`
        else:
            break
    return list(reversed(methods)), current


def _mapping(node: cst.BaseExpression) -> str | None:
    """`request.POST` (or `request.POST.get(...)`, `request.POST["x"]`) -> "POST"."""
    if isinstance(node, cst.Subscript):
        node = node.value
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        node = node.func.value
    if isinstance(node, cst.Attribute):
        if node.attr.value in REQUEST_MAPPINGS and request_root(node.value):
            return node.attr.value
        if node.attr.value == "kwargs" and m.matches(node.value, m.Name("self")):
            return "kwargs"
    return None


def _is_headers(node: cst.BaseExpression) -> bool:
    """`request.META` or `request.headers`: strings by header name."""
    return (
        isinstance(node, cst.Attribute)
        and node.attr.value in ("META", "headers")
        and request_root(node.value)
    )


def _pair_call(value: cst.BaseExpression | None) -> bool:
    return isinstance(value, cst.Call) and m.matches(
        value.func, m.Attribute(attr=m.Name("get_or_create") | m.Name("update_or_create"))
    )


def _first_of(value: cst.BaseExpression) -> cst.BaseExpression:
    """`M.objects.get_or_create(...)` read as the `M.objects.get(...)` its first item is."""
    assert isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute)
    return value.with_changes(func=value.func.with_changes(attr=cst.Name("get")))


def _none_checked(test: cst.BaseExpression) -> set[str]:
    """Names a guard tests against None (`x is None`, `not x`)."""
    if m.matches(test, m.UnaryOperation(operator=m.Not(), expression=m.Name())):
        assert isinstance(test, cst.UnaryOperation) and isinstance(test.expression, cst.Name)
        return {test.expression.value}
    if m.matches(
        test,
        m.Comparison(
            left=m.Name(),
            comparisons=[m.ComparisonTarget(operator=m.Is(), comparator=m.Name("None"))],
        ),
    ):
        assert isinstance(test, cst.Comparison) and isinstance(test.left, cst.Name)
        return {test.left.value}
    return set()


def model_namer(types: HandlerTypes) -> Callable[[str], str | None]:
    """The model class a handler's variable holds (by its type hint), or None."""

    def model_of(name: str) -> str | None:
        hint = types.of_name(name)
        if hint is None:
            return None
        text = hint.text.removesuffix(" | None")
        return text if text in types.model_names else None

    return model_of
