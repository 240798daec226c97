"""Ctrl-C and SIGTERM: stop cleanly where nothing is changed yet, hold them back where
djrefactor changes the user's repository, and say what was kept."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from djrefactor.errors import DjrefactorError

EXIT_SIGINT, EXIT_SIGTERM = 130, 143


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Python raises KeyboardInterrupt for SIGINT."""


class Interrupted(DjrefactorError):
    """Ctrl-C or SIGTERM stopped a command; the message says what was kept."""

    def __init__(self, stop: BaseException, message: str) -> None:
        super().__init__(message)
        self.exit_code = exit_code(stop)


def exit_code(stop: BaseException) -> int:
    return EXIT_SIGTERM if isinstance(stop, Terminated) else EXIT_SIGINT


def raise_on_sigterm() -> None:
    """Make SIGTERM stop djrefactor the way Ctrl-C does, so that it can clean up and say so."""

    def terminate(signum: int, frame: FrameType | None) -> None:
        raise Terminated

    signal.signal(signal.SIGTERM, terminate)


@contextmanager
def deferred_signals() -> Iterator[list[BaseException]]:
    """Hold Ctrl-C and SIGTERM back: they are recorded, and acted on by the caller after."""
    received: list[BaseException] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return

    def hold(signum: int, frame: FrameType | None) -> None:
        received.append(Terminated() if signum == signal.SIGTERM else KeyboardInterrupt())

    previous = {number: signal.signal(number, hold) for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield received
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
