"""Every process a deployment runs gets production settings explicitly; developers' don't.

wsgi, asgi and the Celery app default to production (the redirect does that). Here: `manage.py`
and `django-admin` commands in Procfiles, Dockerfiles, docker-compose services that are not
obviously development, platform files (fly.toml, render.yaml, app.json, .ebextensions, systemd)
and start scripts, which would otherwise run manage.py's development default. A Dockerfile
`RUN manage.py collectstatic` happens at build time, without the deployment's secrets: it gets
placeholders for the variables production requires, scoped to that one command. docker-compose
services that are development (named dev/local/test, running runserver, DEBUG on, or a file
that says it is the local stack) keep development, explicitly where their command would now
default to production. Each change is a note: operators read them.
"""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from djrefactor.discovery.files import is_development_name, is_production_file
from djrefactor.engine import Note, Project

from .build import Contract

_MANAGE = re.compile(r"(?:\bmanage\.py|\bdjango-admin(?:\.py)?)(?=[\s\"',\]]|$)")
_SEGMENT_END = re.compile(r"&&|\|\||[;|`\"'\n]|\s+#")
_SEGMENT_SEPARATORS = ("&&", "||", ";", "|", "\n", '"', "'")
_INLINE_SETTINGS = re.compile(r"DJANGO_SETTINGS_MODULE=|--settings\b")
_SCRIPT = re.compile(
    r"(?:^|[\s\"'\[=,])((?:\./|/)?[\w./-]+\.sh|(?:\./|/)?bin/[\w.-]+)(?=[\s\"',\]]|$)"
)
_BUILD_PLACEHOLDER = "build-only-placeholder"
_BUILD_COMMENT = (
    "Production settings require {names}. This build step has no secrets, so it gets "
    "placeholders that exist only while this RUN runs (never stored in the image); the real "
    "values come from the runtime environment."
)
_DEBUG_ON = re.compile(r"\bDEBUG\b\W{1,4}[\"']?(1|true|True|yes|on)\b")
_DEFAULTS_TO_PRODUCTION = re.compile(r"\b(gunicorn|uvicorn|daphne|celery|uwsgi)\b|\.sh\b|\bbin/")
_SHELL_PREAMBLE = re.compile(r"#|set -|\s*$")


@dataclass
class Deploy:
    writes: dict[str, str] = field(default_factory=dict)
    production_paths: list[str] = field(default_factory=list)
    """Scripts that run in a deployment: their settings references go to production."""
    notes: list[Note] = field(default_factory=list)


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1


# -- one command line -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Segment:
    """One shell command around a manage.py call: `start` to `end` in the text."""

    start: int
    manage: int
    end: int


def _segments(text: str) -> list[Segment]:
    """Each manage.py / django-admin command that names no settings yet."""
    found: list[Segment] = []
    for match in _MANAGE.finditer(text):
        end_match = _SEGMENT_END.search(text, match.end())
        end = end_match.start() if end_match else len(text)
        start = _segment_start(text, match.start())
        if _INLINE_SETTINGS.search(text[start:end]) or not text[match.end() : end].strip():
            continue
        if found and found[-1].end > start:
            continue
        found.append(Segment(start, match.start(), end))
    return found


def _segment_start(text: str, index: int) -> int:
    before = text[:index]
    found = [before.rfind(sep) + len(sep) for sep in _SEGMENT_SEPARATORS if sep in before]
    return max(found, default=0)


def _edited(text: str, segments: list[Segment], option: str, prefix: str) -> str:
    """`manage.py CMD` -> `PREFIX manage.py CMD OPTION` in every segment (either may be "")."""
    out: list[str] = []
    position = 0
    for segment in segments:
        body = text[segment.start : segment.end]
        lead = len(body) - len(body.lstrip())
        trail = len(body.rstrip())
        out.append(text[position : segment.start] + body[:lead])
        out.append(f"{prefix} " if prefix else "")
        out.append(body[lead:trail] + (f" {option}" if option else ""))
        position = segment.start + trail
    out.append(text[position:])
    return "".join(out)


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
    deploy.production_paths += _scripts(project, text)
    segments = _segments(text)
    if not segments:
        return
    deploy.writes[path] = _edited(text, segments, option, "")
    for segment in segments:
        line = _line_of(text, segment.manage)
        deploy.notes.append(Note(path, line, f"this manage.py command runs production ({option})"))


# -- Dockerfile -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Instruction:
    keyword: str
    line_start: int
    start: int
    end: int
    text: str


def _instructions(text: str) -> list[Instruction]:
    pattern = r"^[ \t]*([A-Za-z]+)[ \t]+((?:[^\n]*\\\n)*[^\n]*)"
    return [
        Instruction(match.group(1).upper(), match.start(), match.start(2), match.end(2), match[2])
        for match in re.finditer(pattern, text, re.M)
    ]


def _placeholders(contract: Contract) -> str:
    names = dict.fromkeys(contract.required)
    return " ".join(
        f"{name}={'localhost' if 'HOST' in name else _BUILD_PLACEHOLDER}" for name in names
    )


def _build_comment(contract: Contract) -> str:
    names = " and ".join(dict.fromkeys(contract.required))
    return "".join(f"# {line}\n" for line in textwrap.wrap(_BUILD_COMMENT.format(names=names), 86))


def _docker_command(item: Instruction, option: str, contract: Contract) -> str | None:
    """The instruction's new arguments; None for an exec-form RUN, which cannot take env."""
    stripped = item.text.strip()
    if stripped.startswith("["):
        if item.keyword == "RUN":
            return None
        return (_exec_form(stripped, option) or item.text) if option else item.text
    prefix = _placeholders(contract) if item.keyword == "RUN" else ""
    return _edited(item.text, _segments(item.text), option, prefix)


def _docker_note(path: str, text: str, item: Instruction, contract: Contract) -> Note:
    line = _line_of(text, item.start)
    if item.keyword == "RUN" and contract.required:
        return Note(
            path,
            line,
            "this build step imports the production settings: it runs with placeholders for "
            f"{', '.join(dict.fromkeys(contract.required))} (that command only); real values "
            "come from the runtime environment",
        )
    return Note(path, line, "this manage.py command runs production")


def _exec_run_note(path: str, text: str, item: Instruction) -> Note:
    return Note(
        path,
        _line_of(text, item.start),
        "an exec-form RUN of manage.py imports the production settings at build time: "
        "give it the variables production requires (placeholders) by hand",
    )


def _dockerfile(
    project: Project, path: str, option: str, contract: Contract, deploy: Deploy
) -> None:
    text = project.text(path)
    pieces: list[str] = []
    position = 0
    has_env = False
    for item in _instructions(text):
        if item.keyword == "FROM":
            has_env = False
        elif item.keyword == "ENV" and "DJANGO_SETTINGS_MODULE" in item.text:
            has_env = True
        if item.keyword not in ("RUN", "CMD", "ENTRYPOINT"):
            continue
        deploy.production_paths += _scripts(project, item.text)
        if not _MANAGE.search(item.text):
            continue
        new = _docker_command(item, "" if has_env else option, contract)
        if new is None:
            deploy.notes.append(_exec_run_note(path, text, item))
        elif new != item.text:
            comment = _build_comment(contract) if item.keyword == "RUN" else ""
            pieces.append(text[position : item.line_start] + comment)
            pieces.append(text[item.line_start : item.start] + new)
            position = item.end
            deploy.notes.append(_docker_note(path, text, item, contract))
    if pieces:
        deploy.writes[path] = "".join(pieces) + text[position:]


# -- docker-compose -------------------------------------------------------------------------------
@dataclass
class Service:
    name: str
    start: int
    end: int
    indent: str


def _services(text: str) -> list[Service]:
    """The services of a compose file, each with the span of its block."""
    block = re.search(r"^services:[ \t]*\n", text, re.M)
    if block is None:
        return []
    body_start = block.end()
    top = re.search(r"^\S", text[body_start:], re.M)
    body_end = body_start + top.start() if top else len(text)
    found: list[Service] = []
    keys = re.finditer(r"^([ \t]+)([\w.-]+):[ \t]*(?:#.*)?$", text[body_start:body_end], re.M)
    for match in keys:
        if found and len(match.group(1)) > len(found[0].indent):
            continue
        if found:
            found[-1].end = body_start + match.start()
        found.append(Service(match.group(2), body_start + match.start(), body_end, match.group(1)))
    return found


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
    if updated == body:
        updated = _edited(body, _segments(body), option, "")
    if updated != body:
        line = _line_of(text, service.start)
        message = f"service {service.name}: its manage.py commands run production ({option})"
        deploy.notes.append(Note(path, line, message))
    return updated


def _environment_entry(body: str, command: re.Match[str], value: str) -> str:
    """`DJANGO_SETTINGS_MODULE: value` added to the service's environment (or a new one)."""
    environment = re.search(r"^([ \t]+)environment:[ \t]*\n([ \t]+)(-?)", body, re.M)
    if environment is not None:
        indent, dash = environment.group(2), environment.group(3)
        if dash:
            entry = f"{indent}- DJANGO_SETTINGS_MODULE={value}\n"
        else:
            entry = f"{indent}DJANGO_SETTINGS_MODULE: {value}\n"
        position = environment.start(2)
        return body[:position] + entry + body[position:]
    line = command.group(0)
    indent = line[: len(line) - len(line.lstrip())]
    entry = f"{indent}environment:\n{indent}  DJANGO_SETTINGS_MODULE: {value}\n"
    return body[: command.end() + 1] + entry + body[command.end() + 1 :]


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
    deploy.notes.append(
        Note(
            path,
            _line_of(text, service.start),
            f"service {service.name} is development: it keeps development settings "
            f"(DJANGO_SETTINGS_MODULE={value}), its command would default to production now",
        )
    )
    return _environment_entry(body, command, value)


# -- start scripts --------------------------------------------------------------------------------
def _scripts(project: Project, command: str) -> list[str]:
    """Tracked scripts a command runs (`bin/start-web.sh`, `/app/docker-entrypoint.sh`)."""
    found = []
    for match in _SCRIPT.finditer(command):
        name = match.group(1).lstrip("./")
        found += [path for path in project.paths if path == name or name.endswith("/" + path)]
    return found


def _is_script(path: str) -> bool:
    name = PurePosixPath(path).name
    return (
        name.endswith((".sh", ".bash"))
        or name in ("run", "up", "gunicorn_start")
        or ("entrypoint" in name and "." not in name)
    )


def _script(project: Project, path: str, module: str, deploy: Deploy) -> None:
    """`export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-production}` after the preamble."""
    text = project.text(path)
    if (
        not _MANAGE.search(text)
        or _INLINE_SETTINGS.search(text)
        or "DJANGO_SETTINGS_MODULE" in text
    ):
        return
    lines = text.splitlines(keepends=True)
    end = next((i for i, line in enumerate(lines) if not _SHELL_PREAMBLE.match(line)), len(lines))
    value = f"{module}.production"
    export = (
        "# This script runs in deployments: production settings unless the caller chose others.\n"
        f'export DJANGO_SETTINGS_MODULE="${{DJANGO_SETTINGS_MODULE:-{value}}}"\n'
    )
    before = "".join(lines[:end])
    if before and not before.endswith("\n\n"):
        export = "\n" + export
    rest = "".join(lines[end:])
    deploy.writes[path] = before + export + ("\n" + rest if rest else "")
    message = (
        f"this start script runs production settings ({value}) unless DJANGO_SETTINGS_MODULE is set"
    )
    deploy.notes.append(Note(path, end + 1, message))


# -- all of them ----------------------------------------------------------------------------------
def _is_compose(path: str) -> bool:
    name = PurePosixPath(path).name
    return name.startswith(("docker-compose", "compose")) and name.endswith((".yml", ".yaml"))


def _is_dockerfile(path: str) -> bool:
    name = PurePosixPath(path).name
    return name.startswith("Dockerfile") or name.endswith(".Dockerfile")


def run_production(project: Project, module: str, contract: Contract) -> Deploy:
    """Writes and notes that make every deployed process run `<module>.production`."""
    deploy = Deploy()
    option = f"--settings={module}.production"
    for path in project.paths:
        if path.endswith(".py"):
            continue
        if _is_compose(path):
            _compose(project, path, module, option, deploy)
        elif not is_production_file(path):
            continue
        elif _is_dockerfile(path):
            _dockerfile(project, path, option, contract, deploy)
        elif _is_script(path):
            deploy.production_paths.append(path)
        else:
            _platform_file(project, path, option, deploy)
    deploy.production_paths = list(dict.fromkeys(deploy.production_paths))
    for path in deploy.production_paths:
        if _is_script(path):
            _script(project, path, module, deploy)
    return deploy
