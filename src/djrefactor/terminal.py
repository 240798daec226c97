"""Where the product goes and how it looks, the way git decides it: a pager on a terminal
(GIT_PAGER, then PAGER, else `less` with LESS=FRX), colour with --color=auto|always|never
(auto: NO_COLOR off, FORCE_COLOR on, else only on a terminal), bytes as they are otherwise."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from contextlib import suppress
from typing import IO

from rich.console import Console

COLORS = ("auto", "always", "never")
DEFAULT_PAGER = "less"
# git's defaults for less: quit if one screen (F), keep colour (R), leave the screen (X)
PAGER_ENV = {"LESS": "FRX", "LV": "-c"}

_RESET = "\x1b[m"
_META, _FRAG, _OLD, _NEW = "\x1b[1m", "\x1b[36m", "\x1b[31m", "\x1b[32m"


def is_terminal(stream: IO[str]) -> bool:
    """The one place that asks whether a stream is a terminal (tests replace it)."""
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def wants_color(choice: str, stream: IO[str], env: Mapping[str, str] = os.environ) -> bool:
    if choice != "auto":
        return choice == "always"
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    return is_terminal(stream) and env.get("TERM") != "dumb"


def console(stderr: bool, color: bool | None = None) -> Console:
    """A rich console on stdout or stderr (whichever sys.* is at the time of writing) that
    never wraps text itself; colour as decided (None: rich's own guess)."""
    if color is None:
        return Console(stderr=stderr, highlight=False, soft_wrap=True)
    return Console(
        stderr=stderr,
        highlight=False,
        soft_wrap=True,
        force_terminal=color,
        no_color=not color,
        color_system="standard" if color else None,
    )


def pager_command(env: Mapping[str, str] = os.environ) -> str | None:
    """git's order: GIT_PAGER, then PAGER, then `less`; empty or `cat` means no pager."""
    for name in ("GIT_PAGER", "PAGER"):
        if name in env:
            command = env[name].strip()
            return None if command in ("", "cat") else command
    return DEFAULT_PAGER


def colored_diff(text: str) -> str:
    """git's colours: headers bold, hunk headers cyan, removed lines red, added lines green."""
    lines = []
    in_hunk = False
    for line in text.splitlines(keepends=True):
        body, end = (line[:-1], "\n") if line.endswith("\n") else (line, "")
        if body.startswith("diff --git "):
            in_hunk = False
        if body.startswith("@@"):
            in_hunk, style = True, _FRAG
        elif not in_hunk:
            style = _META
        else:
            style = {"+": _NEW, "-": _OLD}.get(body[:1], "")
        lines.append(f"{style}{body}{_RESET}{end}" if style else line)
    return "".join(lines)


def show(text: str, *, page: bool, env: Mapping[str, str] = os.environ) -> None:
    """Write the product to stdout, through the pager when `page` (and one is configured)."""
    command = pager_command(env) if page else None
    if command is None:
        write_stdout(text)
        return
    environment = {**PAGER_ENV, **env}
    sys.stdout.flush()
    pager = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, env=environment)
    assert pager.stdin is not None
    try:
        pager.stdin.write(text.encode("utf-8"))
    except BrokenPipeError:  # the reader quit before the end: that is fine
        pass
    finally:
        with suppress(BrokenPipeError):
            pager.stdin.close()
        _wait(pager)


def _wait(pager: subprocess.Popen[bytes]) -> None:
    while True:
        try:
            pager.wait()
            return
        except KeyboardInterrupt:  # Ctrl-C belongs to the pager (less) while it runs
            continue


def write_stdout(text: str) -> None:
    """The product, byte for byte (CRLF and non-ASCII included), whatever the locale says."""
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(text)
        return
    buffer.write(text.encode("utf-8"))
    buffer.flush()
