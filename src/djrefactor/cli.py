"""Command line: parse options, make one engine call, render with rich, map errors to exit codes.

Exit codes: 0 done or nothing to do; 1 `plan --check` found something to do; 2 any error.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

import djrefactor.audit as audits
from djrefactor import engine, render
from djrefactor.config import Options
from djrefactor.errors import DjrefactorError
from djrefactor.model import Plan, Step

EXIT_OK, EXIT_CHANGES, EXIT_ERROR = 0, 1, 2

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Restructure a legacy Django repository into a layout that scales, as git commits.",
)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

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


def _print_notes(steps: tuple[Step, ...]) -> None:
    for step in steps:
        for note in step.notes:
            err.print(f"note [{step.name}]: {note}", markup=False, soft_wrap=True)


def _print_diff(text: str) -> None:
    if not out.is_terminal:
        sys.stdout.write(text)
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


# -- commands ----------------------------------------------------------------------------------
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
        Path | None, typer.Option("--out", help="Write the patch (git apply-able) to FILE.")
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 if there is anything to do.")
    ] = False,
) -> None:
    """Preview every change as a diff. Writes nothing, leaves git untouched."""
    with _progress() as progress:
        result = engine.plan(path, _options(only, skip, settings), progress).plan
    if as_json:
        sys.stdout.write(render.as_json(result))
    if result.is_empty:
        _print_notes(result.steps)
        err.print("nothing to do")
        raise typer.Exit(EXIT_OK)
    err.print(_summary(result))
    _print_notes(result.steps)
    if out_file is not None:
        out_file.write_text(render.diff(result.total), encoding="utf-8")
        err.print(f"wrote {out_file}", markup=False)
    elif stat:
        out.print(render.stat(result), markup=False, soft_wrap=True, end="")
    elif not as_json:
        _print_diff(render.diff(result.total))
    raise typer.Exit(EXIT_CHANGES if check else EXIT_OK)


@app.command()
def apply(
    path: PathArg = Path("."),
    branch: Annotated[
        str | None,
        typer.Option("--branch", help="New branch name [default: djrefactor/restructure]."),
    ] = None,
    only: OnlyOpt = None,
    skip: SkipOpt = None,
    settings: SettingsOpt = None,
    verify: Annotated[
        str | None,
        typer.Option(
            "--verify", help="Command that must keep passing after each step (e.g. tests)."
        ),
    ] = None,
) -> None:
    """Apply the plan on a new git branch, one commit per step."""
    with _progress() as progress:
        planned = engine.plan(path, _options(only, skip, settings), progress)
        result = planned.plan
        if result.is_empty:
            err.print("nothing to do")
            raise typer.Exit(EXIT_OK)
        name = branch or planned.session.project.config.branch
        done = engine.apply_plan(planned.session, result, name, verify, path, progress)
    _print_notes(result.steps)
    _report_apply(done)


def _report_apply(done: engine.ApplyResult) -> None:
    for step_name, sha in done.commits:
        err.print(f"committed {sha[:10]} {step_name}", markup=False)
    if done.baseline_failed:
        err.print(
            "warning: --verify command failed before any step; it judged nothing", markup=False
        )
    if done.broken_by is not None:
        tail = "\n".join(done.verify_output.strip().splitlines()[-15:])
        err.print(tail, markup=False)
        raise DjrefactorError(
            f"step {done.broken_by} broke the --verify command; branch {done.branch} keeps the "
            f"{len(done.commits)} steps before it; {done.original} is untouched"
        )
    err.print(
        f"branch {done.branch} has {len(done.commits)} commits; {done.original} is untouched",
        markup=False,
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
            _print_notes(result.steps)
            err.print("nothing to do")
            raise typer.Exit(EXIT_OK)
        if commit:
            done = engine.apply_plan(planned.session, result, None, None, path, progress)
    _print_notes(result.steps)
    if commit:
        _report_apply(done)
    else:
        _print_diff(render.diff(result.total))


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
    try:
        app()
    except DjrefactorError as exc:
        err.print(f"error: {exc.message}", markup=False, soft_wrap=True)
        sys.exit(EXIT_ERROR)


if __name__ == "__main__":
    main()
