"""Every process a deployment runs gets production settings explicitly; developers' don't.

wsgi, asgi and the Celery app default to production (the redirect does that). Here: `manage.py`
and `django-admin` commands in Procfiles, Dockerfiles, docker-compose services that are not
obviously development, platform files (fly.toml, render.yaml, app.json, .ebextensions, systemd)
and start scripts, which would otherwise run manage.py's development default. A Dockerfile
`RUN manage.py collectstatic` happens at build time, without the deployment's secrets: it gets
placeholders for the variables production requires, scoped to that one RUN. docker-compose
services that are development (named dev/local/test, running runserver, DEBUG on, or a file
that says it is the local stack) keep development, explicitly where their command would now
default to production. Each change is a note: operators read them.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from djrefactor.discovery.files import is_development_name, is_production_file
from djrefactor.engine import Note, Project

from .build import Contract

_MANAGE = re.compile(r"(?:\bmanage\.py|\bdjango-admin(?:\.py)?)(?=[\s\"',\]]|$)")
_SEGMENT_END = re.compile(r"&&|\|\||[;|`\"'\n]|\s+#")
_INLINE_SETTINGS = re.compile(r"DJANGO_SETTINGS_MODULE=|--settings\b")
_SCRIPT = re.compile(
    r"(?:^|[\s\"'\[=,])((?:\./|/)?[\w./-]+\.sh|(?:\./|/)?bin/[\w.-]+)(?=[\s\"',\]]|$)"
)
_BUILD_PLACEHOLDER = "build-only-placeholder"


@dataclass
class Deploy:
    writes: dict[str, str] = field(default_factory=dict)
    production_paths: list[str] = field(default_factory=list)
    """Scripts that run in a deployment: their settings references go to production."""
    notes: list[Note] = field(default_factory=list)


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


# -- one command line -----------------------------------------------------------------------------
def _with_settings(text: str, option: str) -> tuple[str, list[int]]:
    """`manage.py CMD ...` -> `manage.py CMD ... --settings=X` wherever a command segment
    (up to `&&`, `;`, `|`, a quote or the end of line) names no settings yet."""
    out: list[str] = []
    lines: list[int] = []
    position = 0
    for match in _MANAGE.finditer(text):
        if match.start() < position:
            continue
        end_match = _SEGMENT_END.search(text, match.end())
        end = end_match.start() if end_match else len(text)
        segment_start = _segment_start(text, match.start())
        segment = text[segment_start:end]
        if _INLINE_SETTINGS.search(segment) or not text[match.end() : end].strip():
            continue
        stripped = len(text[:end].rstrip())
        out.append(text[position:stripped] + f" {option}")
        position = stripped
        lines.append(_line_of(text, match.start()))
    out.append(text[position:])
    return "".join(out), lines


def _segment_start(text: str, index: int) -> int:
    starts = [text.rfind(sep, 0, index) for sep in ("&&", "||", ";", "|", "\n", '"', "'")]
    return max(starts) + 1 if max(starts) >= 0 else 0


def _exec_form(array: str, option: str) -> str | None:
    """`["python", "manage.py", "migrate"]` with the option appended (JSON exec form)."""
    try:
        words = json.loads(array)
    except ValueError:
        return None
    if not isinstance(words, list) or not all(isinstance(word, str) for word in words):
        return None
    if not any(_MANAGE.search(word) for word in words) or any("--settings" in w for w in words):
        return None
    if words and _MANAGE.search(words[-1]):
        return None
    return json.dumps([*words, option])


# -- Procfile and platform files ------------------------------------------------------------------
def _platform_file(project: Project, path: str, option: str, deploy: Deploy) -> None:
    text = project.text(path)
    updated, lines = _with_settings(text, option)
    if not lines:
        return
    deploy.writes[path] = updated
    for line in lines:
        deploy.notes.append(
            Note(path, line, f"this manage.py command runs production now ({option})")
        )


# -- Dockerfile -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Instruction:
    keyword: str
    start: int
    end: int
    text: str


def _instructions(text: str) -> list[Instruction]:
    found = []
    for match in re.finditer(r"^[ \t]*([A-Za-z]+)[ \t]+((?:[^\n]*\\\n)*[^\n]*)", text, re.M):
        found.append(
            Instruction(match.group(1).upper(), match.start(2), match.end(2), match.group(2))
        )
    return found


def _placeholders(contract: Contract) -> str:
    values = []
    for name in dict.fromkeys(contract.required):
        value = "localhost" if "HOST" in name else _BUILD_PLACEHOLDER
        values.append(f"{name}={value}")
    return " ".join(values)


def _dockerfile(
    project: Project, path: str, option: str, contract: Contract, deploy: Deploy
) -> None:
    text = project.text(path)
    pieces: list[str] = []
    position = 0
    has_env = False
    notes: list[Note] = []
    for item in _instructions(text):
        if item.keyword == "FROM":
            has_env = False
        elif item.keyword == "ENV" and "DJANGO_SETTINGS_MODULE" in item.text:
            has_env = True
        elif item.keyword in ("RUN", "CMD", "ENTRYPOINT") and _MANAGE.search(item.text):
            new = _docker_command(item, "" if has_env else option, contract)
            if new is None:
                notes.append(_exec_run_note(path, text, item))
                continue
            if new == item.text:
                continue
            pieces.append(text[position : item.start] + new)
            position = item.end
            notes.append(_docker_note(path, text, item, contract))
        if item.keyword in ("CMD", "ENTRYPOINT", "RUN"):
            deploy.production_paths += _scripts(project, item.text)
    if not pieces and not notes:
        return
    pieces.append(text[position:])
    if len(pieces) > 1:
        deploy.writes[path] = _with_build_comments("".join(pieces), contract)
    deploy.notes += notes


def _docker_command(item: Instruction, option: str, contract: Contract) -> str | None:
    stripped = item.text.strip()
    if stripped.startswith("["):
        if item.keyword == "RUN":
            return None
        return (_exec_form(stripped, option) or item.text) if option else item.text
    new = _with_settings(item.text, option)[0] if option else item.text
    if item.keyword == "RUN" and contract.required:
        new = f"{_placeholders(contract)} {new.lstrip()}"
    return new


_BUILD_COMMENT = (
    "Production settings require {names}. This build step has no secrets, so it gets "
    "placeholders that exist only while this RUN runs (never stored in the image); the real "
    "values come from the runtime environment."
)


def _with_build_comments(text: str, contract: Contract) -> str:
    names = " and ".join(dict.fromkeys(contract.required))
    wrapped = textwrap.wrap(_BUILD_COMMENT.format(names=names), 86)
    comment = "".join(f"# {line}\n" for line in wrapped)
    marker = _placeholders(contract)
    if not marker:
        return text
    return re.sub(
        rf"^([ \t]*)RUN[ \t]+{re.escape(marker)}",
        lambda match: match.group(1) + comment + match.group(0).lstrip(),
        text,
        flags=re.M,
    )


def _docker_note(path: str, text: str, item: Instruction, contract: Contract) -> Note:
    line = _line_of(text, item.start)
    if item.keyword == "RUN" and contract.required:
        return Note(
            path,
            line,
            "this build step imports the production settings: it runs with placeholders for "
            f"{', '.join(dict.fromkeys(contract.required))} (that RUN only); real values come "
            "from the runtime environment",
        )
    return Note(path, line, "this manage.py command runs production now")


def _exec_run_note(path: str, text: str, item: Instruction) -> Note:
    return Note(
        path,
        _line_of(text, item.start),
        "an exec-form RUN of manage.py imports the production settings at build time: "
        "give it the variables production requires (placeholders) by hand",
    )


# -- docker-compose -------------------------------------------------------------------------------
@dataclass
class Service:
    name: str
    start: int
    end: int
    indent: str


def _services(text: str) -> list[Service]:
    block = re.search(r"^services:[ \t]*\n", text, re.M)
    if block is None:
        return []
    body_start = block.end()
    top = re.search(r"^\S", text[body_start:], re.M)
    body_end = body_start + top.start() if top else len(text)
    found: list[Service] = []
    for match in re.finditer(
        r"^([ \t]+)([\w.-]+):[ \t]*(?:#.*)?$", text[body_start:body_end], re.M
    ):
        if found and len(match.group(1)) > len(found[0].indent):
            continue
        if found:
            found[-1].end = body_start + match.start()
        found.append(Service(match.group(2), body_start + match.start(), body_end, match.group(1)))
    return found


_DEBUG_ON = re.compile(r"\bDEBUG\b\W{1,4}[\"']?(1|true|True|yes|on)\b")


def _file_says_local(text: str) -> bool:
    head = text.split("services:", 1)[0]
    comments = " ".join(line for line in head.splitlines() if line.lstrip().startswith("#"))
    return re.search(r"\b(local|development|dev)\b", comments, re.I) is not None


def _is_development(path: str, text: str, service: Service, body: str) -> bool:
    return (
        is_development_name(path)
        or _file_says_local(text)
        or is_development_name(service.name)
        or "runserver" in body
        or _DEBUG_ON.search(body) is not None
    )


def _compose(project: Project, path: str, module: str, option: str, deploy: Deploy) -> None:
    text = project.text(path)
    services = _services(text)
    if not services:
        return
    pieces = [text[: services[0].start]]
    for service in services:
        body = text[service.start : service.end]
        development = _is_development(path, text, service, body)
        target = f"{module}.development" if development else f"{module}.production"
        updated = re.sub(rf"(?<![\w.]){re.escape(module)}(?![\w.])", target, body)
        if development:
            updated = _pin_development(updated, module, service, path, text, deploy)
        else:
            updated = _compose_production(updated, option, path, text, service, deploy)
            deploy.production_paths += _scripts(project, body)
        pieces.append(updated)
    pieces.append(text[services[-1].end :])
    new = "".join(pieces)
    if new != text:
        deploy.writes[path] = new


def _compose_production(
    body: str, option: str, path: str, text: str, service: Service, deploy: Deploy
) -> str:
    def exec_form(match: re.Match[str]) -> str:
        return match.group(1) + (_exec_form(match.group(2), option) or match.group(2))

    updated = re.sub(r"(command:[ \t]*)(\[[^\n]*\])", exec_form, body)
    updated, lines = _with_settings(updated, option) if updated == body else (updated, [1])
    if updated != body:
        deploy.notes.append(
            Note(
                path,
                _line_of(text, service.start),
                f"service {service.name}: its manage.py commands run production now ({option})",
            )
        )
    return updated


_DEFAULTS_TO_PRODUCTION = re.compile(r"\b(gunicorn|uvicorn|daphne|celery|uwsgi)\b|\.sh\b|\bbin/")


def _pin_development(
    body: str, module: str, service: Service, path: str, text: str, deploy: Deploy
) -> str:
    """A development service whose command would now default to production says so."""
    command = re.search(r"^[ \t]+(?:command|entrypoint):[^\n]*", body, re.M)
    if command is None or "DJANGO_SETTINGS_MODULE" in body:
        return body
    if not _DEFAULTS_TO_PRODUCTION.search(command.group(0)):
        return body
    value = f"{module}.development"
    environment = re.search(r"^([ \t]+)environment:[ \t]*\n([ \t]+)(-?)", body, re.M)
    if environment is not None:
        indent, dash = environment.group(2), environment.group(3)
        entry = (
            f"{indent}- DJANGO_SETTINGS_MODULE={value}\n"
            if dash
            else (f"{indent}DJANGO_SETTINGS_MODULE: {value}\n")
        )
        position = environment.start(2)
        updated = body[:position] + entry + body[position:]
    else:
        key_indent = command.group(0)[: len(command.group(0)) - len(command.group(0).lstrip())]
        entry = f"{key_indent}environment:\n{key_indent}  DJANGO_SETTINGS_MODULE: {value}\n"
        updated = body[: command.end() + 1] + entry + body[command.end() + 1 :]
    deploy.notes.append(
        Note(
            path,
            _line_of(text, service.start),
            f"service {service.name} is development: it keeps development settings "
            f"(DJANGO_SETTINGS_MODULE={value}), its command would default to production now",
        )
    )
    return updated


# -- start scripts --------------------------------------------------------------------------------
def _scripts(project: Project, command: str) -> list[str]:
    """Tracked scripts a command runs (`bin/start-web.sh`, `/app/docker-entrypoint.sh`)."""
    found = []
    for match in _SCRIPT.finditer(command):
        name = match.group(1).lstrip("./")
        for path in project.paths:
            if path == name or path.endswith("/" + name) or name.endswith("/" + path):
                found.append(path)
    return found


def _is_script(path: str) -> bool:
    name = PurePosixPath(path).name
    return (
        name.endswith((".sh", ".bash"))
        or name in ("run", "up", "gunicorn_start")
        or ("entrypoint" in name and "." not in name)
    )


def _script(project: Project, path: str, module: str, deploy: Deploy) -> None:
    text = project.text(path)
    if not _MANAGE.search(text) or "DJANGO_SETTINGS_MODULE" in text or "--settings" in text:
        return
    lines = text.splitlines(keepends=True)
    index = 0
    while index < len(lines) and (
        lines[index].startswith("#")
        or lines[index].strip() in ("", "set -e", "set -eu", "set -euo pipefail")
        or lines[index].startswith("set -")
    ):
        index += 1
    value = f"{module}.production"
    export = (
        "# This script runs in deployments: production settings unless the caller chose others.\n"
        f'export DJANGO_SETTINGS_MODULE="${{DJANGO_SETTINGS_MODULE:-{value}}}"\n'
    )
    if index and lines[index - 1].strip():
        export = "\n" + export
    deploy.writes[path] = (
        "".join(lines[:index])
        + export
        + ("\n" if index < len(lines) and lines[index].strip() else "")
        + "".join(lines[index:])
    )
    deploy.notes.append(
        Note(
            path,
            index + 1,
            f"this start script runs production settings ({value}) unless "
            "DJANGO_SETTINGS_MODULE is set",
        )
    )


# -- all of them ----------------------------------------------------------------------------------
def _is_compose(path: str) -> bool:
    name = PurePosixPath(path).name
    return name.startswith(("docker-compose", "compose")) and name.endswith((".yml", ".yaml"))


def _is_dockerfile(path: str) -> bool:
    name = PurePosixPath(path).name
    return name.startswith("Dockerfile") or name.endswith(".Dockerfile")


def run_production(project: Project, module: str, contract: Contract) -> Deploy:
    deploy = Deploy()
    option = f"--settings={module}.production"
    handlers: list[tuple[Callable[[str], bool], Callable[[str], None]]] = [
        (_is_compose, lambda path: _compose(project, path, module, option, deploy)),
        (_is_dockerfile, lambda path: _dockerfile(project, path, option, contract, deploy)),
    ]
    for path in project.paths:
        if path.endswith(".py"):
            continue
        handler = next((run for matches, run in handlers if matches(path)), None)
        if handler is not None:
            if _is_compose(path) or is_production_file(path):
                handler(path)
        elif is_production_file(path) and not _is_script(path):
            _platform_file(project, path, option, deploy)
        elif is_production_file(path):
            deploy.production_paths.append(path)
    for path in project.paths:
        if path.startswith("Procfile") and is_production_file(path):
            deploy.production_paths += _scripts(project, project.text(path))
    for path in dict.fromkeys(deploy.production_paths):
        if _is_script(path) and not path.endswith(".py"):
            _script(project, path, module, deploy)
    deploy.production_paths = list(dict.fromkeys(deploy.production_paths))
    return deploy
