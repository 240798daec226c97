"""Command line: parse options, make one engine call, render with rich, map errors to exit codes.

Exit codes: 0 done or nothing to do; 1 `plan --check` found something to do; 2 any error;
130 / 143 stopped by Ctrl-C / SIGTERM.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import click
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text
from typer.core import TyperGroup

import djrefactor.audit as audits
from djrefactor import __version__, engine, render
from djrefactor.config import DEFAULT_BRANCH, Options
from djrefactor.errors import DjrefactorError, UsageError
from djrefactor.model import Plan

EXIT_OK, EXIT_CHANGES, EXIT_ERROR = 0, 1, 2
STDOUT = "-"

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


class _Commands(TyperGroup):
    """Where every error becomes one line on stderr and an exit code."""

    # `Any`: the Context class is click's or typer's vendored copy, depending on the version.
    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except engine.Interrupted as stop:
            err.print(stop.message, markup=False, soft_wrap=True)
            raise typer.Exit(stop.exit_code) from None
        except DjrefactorError as exc:
            if isinstance(exc, engine.VerifyFailed) and exc.output.strip():
                err.print(engine.tail(exc.output), markup=False, soft_wrap=True)
            err.print(f"error: {exc.message}", markup=False, soft_wrap=True)
            raise typer.Exit(EXIT_ERROR) from None
        except KeyboardInterrupt as stop:
            err.print("interrupted; nothing changed", markup=False, soft_wrap=True)
            raise typer.Exit(engine.exit_code(stop)) from None
        except (typer.Exit, click.exceptions.ClickException, click.exceptions.Exit):
            raise
        except Exception as exc:  # a bug: one line, or the traceback with DJREFACTOR_DEBUG=1
            if os.environ.get("DJREFACTOR_DEBUG"):
                raise
            err.print(f"error: {engine.describe_crash(exc)}", markup=False, soft_wrap=True)
            raise typer.Exit(EXIT_ERROR) from None


app = typer.Typer(
    cls=_Commands,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Restructure a legacy Django repository into a layout that scales, as git commits.",
)

PathArg = Annotated[Path, typer.Argument(help="Any folder inside the project's git repository.")]
OnlyOpt = Annotated[
    list[str] | None, typer.Option("--only", help="Run only these codemods (comma-separated).")
]
SkipOpt = Annotated[list[str] | None, typer.Option("--skip", help="Leave these codemods out.")]
SettingsOpt = Annotated[
    str | None,
    typer.Option("--settings", help="Settings module, when manage.py does not name it."),
]


def _names(values: list[str] | None) -> tuple[str, ...]:
    return tuple(
        part.strip() for value in values or [] for part in value.split(",") if part.strip()
    )


def _options(only: list[str] | None, skip: list[str] | None, settings: str | None) -> Options:
    return Options(only=_names(only), skip=_names(skip), settings=settings)


@contextmanager
def _progress() -> Iterator[engine.Progress]:
    """A progress bar on stderr, shown only when stderr is a terminal."""
    if not err.is_terminal:
        yield lambda label, done, total: None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err, transient=True) as bar:
        task = bar.add_task("starting", total=None)

        def update(label: str, done: int, total: int) -> None:
            bar.update(task, description=label, completed=done, total=total)

        yield update


# -- rendering -----------------------------------------------------------------------------------
def _summary(plan: Plan) -> Table:
    table = Table(title="djrefactor plan", title_justify="left")
    for column in ("step", "created", "changed", "moved", "deleted", "notes"):
        table.add_column(column, justify="left" if column == "step" else "right")
    for step in plan.steps:
        counts = [str(step.count(kind)) for kind in ("create", "edit", "move", "delete")]
        table.add_row(step.name, *counts, str(len(step.notes)))
    return table


def _print_notes(plan: Plan) -> None:
    for note in plan.notes:
        err.print(f"note: {note}", markup=False, soft_wrap=True)
    for step in plan.steps:
        for note in step.notes:
            err.print(f"note [{step.name}]: {note}", markup=False, soft_wrap=True)


def _write_stdout(text: str) -> None:
    """The product, byte for byte (CRLF and non-ASCII included), whatever the locale says."""
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:
        sys.stdout.write(text)
        return
    buffer.write(text.encode("utf-8"))
    buffer.flush()


def _print_diff(text: str) -> None:
    if not out.is_terminal:
        _write_stdout(text)
        return
    for line in text.splitlines():
        style = ""
        if line.startswith(
            ("diff --git", "new file", "deleted file", "rename ", "similarity")
        ) or line.startswith(("+++", "---")):
            style = "bold"
        elif line.startswith("+"):
            style = "green"
        elif line.startswith("-"):
            style = "red"
        elif line.startswith("@@"):
            style = "cyan"
        out.print(Text(line, style=style), soft_wrap=True)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# -- commands ----------------------------------------------------------------------------------
def _show_version(value: bool) -> None:
    if value:
        out.print(f"djrefactor {__version__}", markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_OK)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """Restructure a legacy Django repository into a layout that scales, as git commits."""


@app.command("list")
def list_codemods() -> None:
    """List the codemods in pipeline order."""
    codemods = engine.available_codemods()
    width = max((len(c.name) for c in codemods), default=0)
    for codemod in codemods:
        out.print(f"{codemod.name:<{width}}  {codemod.summary}", markup=False, soft_wrap=True)


@app.command()
def plan(
    path: PathArg = Path("."),
    only: OnlyOpt = None,
    skip: SkipOpt = None,
    settings: SettingsOpt = None,
    stat: Annotated[bool, typer.Option("--stat", help="Show changed files, not the diff.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
    out_file: Annotated[
        str | None,
        typer.Option("--out", help="Write the patch (git apply-able) to FILE; - for stdout."),
    ] = None,
    save: Annotated[
        Path | None,
        typer.Option("--save", help="Save the plan to FILE, for `apply --plan FILE`."),
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 if there is anything to do.")
    ] = False,
) -> None:
    """Preview every change as a diff. Writes nothing, leaves git untouched."""
    _check_plan_options(stat, as_json, out_file)
    for target in (out_file if out_file != STDOUT else None, save):
        if target is not None:
            engine.check_target(Path(target))
    with _progress() as progress:
        planned = engine.plan(path, _options(only, skip, settings), progress)
    result = planned.plan
    if save is not None:
        engine.save_plan(planned, save)
    if as_json:
        _write_stdout(render.as_json(result))
    if result.is_empty:
        _print_notes(result)
        err.print("nothing to do")
        raise typer.Exit(EXIT_OK)
    err.print(_summary(result))
    _print_notes(result)
    _write_products(result, stat, as_json, out_file)
    if save is not None:
        err.print(
            f"saved the plan to {save}; `djrefactor apply --plan {save}` commits it",
            markup=False,
            soft_wrap=True,
        )
    raise typer.Exit(EXIT_CHANGES if check else EXIT_OK)


def _check_plan_options(stat: bool, as_json: bool, out_file: str | None) -> None:
    if stat and as_json:
        raise UsageError("--stat and --json are two views of the plan; pass one of them")
    if out_file == STDOUT and (stat or as_json):
        shown = "--stat" if stat else "--json"
        raise UsageError(f"--out - and {shown} both write to stdout; pass --out FILE")


def _write_products(result: Plan, stat: bool, as_json: bool, out_file: str | None) -> None:
    patch = render.diff(result.total)
    if out_file == STDOUT:
        _write_stdout(patch)
        return
    if out_file is not None:
        engine.write_file(Path(out_file), patch.encode("utf-8"))
        err.print(f"wrote {out_file}", markup=False, soft_wrap=True)
    if stat:
        out.print(render.stat(result), markup=False, soft_wrap=True, end="")
    elif not as_json and out_file is None:
        _print_diff(patch)


@app.command()
def apply(
    path: PathArg = Path("."),
    branch: Annotated[
        str | None,
        typer.Option("--branch", help="New branch name.", show_default=DEFAULT_BRANCH),
    ] = None,
    only: OnlyOpt = None,
    skip: SkipOpt = None,
    settings: SettingsOpt = None,
    verify: Annotated[
        str | None,
        typer.Option(
            "--verify",
            help="Test command that must keep passing after each step.",
            show_default="pytest or manage.py test, when the project has them",
        ),
    ] = None,
    no_verify: Annotated[
        bool, typer.Option("--no-verify", help="Do not run any test command.")
    ] = False,
    saved: Annotated[
        Path | None,
        typer.Option("--plan", help="Apply the plan saved by `plan --save FILE`, unchanged."),
    ] = None,
) -> None:
    """Apply the plan on a new git branch, one commit per step."""
    options = _options(only, skip, settings)
    _check_apply_options(options, verify, no_verify, saved)
    with _progress() as progress:
        if saved is not None:
            loaded = engine.load_saved_plan(path, saved)
            repo, result, folder, config = loaded.repo, loaded.plan, loaded.folder, loaded.config
        else:
            planned = engine.plan(path, options, progress)
            repo, result = planned.session.repo, planned.plan
            folder, config = planned.session.folder, planned.session.project.config
        if result.is_empty:
            _print_notes(result)
            err.print("nothing to do")
            raise typer.Exit(EXIT_OK)
        verification = engine.choose_verification(repo, folder, verify, no_verify)
        name = branch or config.branch
        done = engine.apply_plan(repo, result, name, verification, folder, progress)
    _print_notes(result)
    _report_apply(done)


def _check_apply_options(
    options: Options, verify: str | None, no_verify: bool, saved: Path | None
) -> None:
    if verify is not None and not verify.strip():
        raise UsageError("--verify needs a command, e.g. --verify 'python -m pytest -q'")
    if verify is not None and no_verify:
        raise UsageError("--verify and --no-verify contradict each other; pass one of them")
    if saved is not None and (options.only or options.skip or options.settings):
        raise UsageError(
            "--plan applies a saved plan as it is; --only, --skip and --settings belong to "
            "`plan --save`"
        )


def _report_apply(done: engine.ApplyResult) -> None:
    if done.unverified is not None:
        err.print(
            f"warning: the test command `{done.unverified}` already fails before any change "
            f"(exit {done.unverified_exit}), so the steps were not verified; choose another "
            "with --verify CMD, or silence this with --no-verify",
            markup=False,
            soft_wrap=True,
        )
    for step_name, sha in done.commits:
        err.print(f"committed {sha[:10]} {step_name}", markup=False, soft_wrap=True)
    for warning in done.warnings:
        err.print(f"warning: {warning}", markup=False, soft_wrap=True)
    count = _plural(len(done.commits), "commit")
    if done.broken_by is not None:
        err.print(engine.tail(done.verify_output), markup=False, soft_wrap=True)
        kept = ", ".join(name for name, _ in done.commits)
        raise DjrefactorError(
            f"step {done.broken_by} broke `{done.verify_command}`; branch {done.branch} keeps "
            f"the {_plural(len(done.commits), 'step')} before it ({kept}) and you are on it; "
            f"{done.original} is untouched"
        )
    if done.verify_command is not None:
        err.print(f"`{done.verify_command}` passed after every step", markup=False, soft_wrap=True)
    if done.new_branch:
        err.print(
            f"branch {done.branch} has {count} and you are on it; {done.original} is untouched "
            "(`djrefactor undo` deletes the branch)",
            markup=False,
            soft_wrap=True,
        )
    else:
        err.print(
            f"{done.branch} moved forward by {count} (it was at {done.base[:10]})",
            markup=False,
            soft_wrap=True,
        )


@app.command("run")
def run_step(
    step: Annotated[str, typer.Argument(help="The codemod to run (see `djrefactor list`).")],
    path: PathArg = Path("."),
    settings: SettingsOpt = None,
    commit: Annotated[
        bool, typer.Option("--apply", help="Commit the step on the current branch.")
    ] = False,
) -> None:
    """Run one codemod alone: show its diff, or commit it on the current branch."""
    with _progress() as progress:
        planned = engine.plan(path, _options([step], None, settings), progress)
        result = planned.plan
        if result.is_empty:
            _print_notes(result)
            err.print("nothing to do")
            raise typer.Exit(EXIT_OK)
        if commit:
            session = planned.session
            done = engine.apply_plan(
                session.repo, result, None, engine.NO_VERIFICATION, session.folder, progress
            )
    _print_notes(result)
    if commit:
        _report_apply(done)
    else:
        _print_diff(render.diff(result.total))


@app.command()
def undo(path: PathArg = Path(".")) -> None:
    """Delete the branch apply created, if unchanged since, and go back to where it started."""
    done = engine.undo(path)
    where = f"you are back on {done.start}" if done.switched else f"you are on {done.current}"
    err.print(
        f"deleted branch {done.branch} (it was at {done.tip[:10]}, "
        f"{_plural(done.commits, 'commit')} on top of {done.start}); {where}",
        markup=False,
        soft_wrap=True,
    )


@app.command("audit")
def audit_project(
    path: PathArg = Path("."),
    settings: SettingsOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Report where the project stands on each layout rule. Read-only; exit 1 on findings."""
    report = audits.audit(engine.open_session(path, Options(settings=settings)).project)
    if as_json:
        sys.stdout.write(audits.as_json(report))
        err.print(audits.render_summary(report), markup=False, soft_wrap=True, end="")
    else:
        out.print(audits.render(report), markup=False, soft_wrap=True, end="")
    raise typer.Exit(EXIT_CHANGES if report.findings else EXIT_OK)


def main() -> None:
    engine.raise_on_sigterm()
    app()


if __name__ == "__main__":
    main()
