"""Command line: parse options, make one engine call, render with rich, map errors to exit codes.

Exit codes: 0 done or nothing to do; 1 `plan --check` found something to do; 2 any error;
130 / 143 stopped by Ctrl-C / SIGTERM.

The product (diff, stat, JSON, annotations) alone goes to stdout, paged on a terminal the way
git pages; progress, notes and the summary go to stderr, the summary last.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer.core import TyperCommand, TyperGroup

import djrefactor.audit as audits
from djrefactor import __version__, engine, render, terminal
from djrefactor.config import DEFAULT_BRANCH, Options
from djrefactor.errors import DjrefactorError, UsageError
from djrefactor.model import Plan

try:  # recent typer releases carry their own copy of click (and do not install click)
    from typer import _click as click  # type: ignore[attr-defined, unused-ignore]
except ImportError:  # pragma: no cover - depends on the installed typer
    import click  # type: ignore[no-redef, unused-ignore]

EXIT_OK, EXIT_CHANGES, EXIT_ERROR = 0, 1, 2
# What click raises to end a command itself: a usage error (exit 2) or an exit
_CLICK_EXITS = (
    typer.Exit,
    click.exceptions.ClickException,
    getattr(click.exceptions, "Exit", typer.Exit),
)
STDOUT = "-"

out = terminal.console(stderr=False)
err = terminal.console(stderr=True)


def _set_color(choice: str) -> None:
    """The consoles for this run: colour on each stream as --color and the environment say."""
    global out, err
    out = terminal.console(False, terminal.wants_color(choice, sys.stdout))
    err = terminal.console(True, terminal.wants_color(choice, sys.stderr))


def _say(text: str) -> None:
    err.print(text, markup=False, highlight=False)


class _Commands(TyperGroup):
    """Where every error becomes one line on stderr and an exit code."""

    # `Any`: the Context class is click's or typer's vendored copy, depending on the version.
    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except engine.Interrupted as stop:
            _say(stop.message)
            raise typer.Exit(stop.exit_code) from None
        except DjrefactorError as exc:
            if isinstance(exc, engine.VerifyFailed) and exc.output.strip():
                _say(engine.tail(exc.output))
            _say(f"error: {exc.message}")
            raise typer.Exit(EXIT_ERROR) from None
        except KeyboardInterrupt as stop:
            _say("interrupted; nothing changed")
            raise typer.Exit(engine.exit_code(stop)) from None
        except _CLICK_EXITS:
            raise
        except Exception as exc:  # a bug: one line, or the traceback with DJREFACTOR_DEBUG=1
            if os.environ.get("DJREFACTOR_DEBUG"):
                raise
            _say(f"error: {engine.describe_crash(exc)}")
            raise typer.Exit(EXIT_ERROR) from None


class _Command(TyperCommand):
    """Help as click writes it, with arguments named like their usage (`PATH`), no `<type>`."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = [self.options_metavar or "[OPTIONS]"]
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                name = param.metavar or str(param.name).upper()
                pieces.append(name if param.required else f"[{name}]")
        return pieces

    def format_options(self, ctx: Any, formatter: Any) -> None:
        arguments, options = [], []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                arguments.append(
                    (param.metavar or param.name.upper(), getattr(param, "help", "") or "")
                )
            elif (record := param.get_help_record(ctx)) is not None:
                options.append(record)
        for title, rows in (("Arguments", arguments), ("Options", options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


app = typer.Typer(
    cls=_Commands,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
    help="Restructure a legacy Django repository into a layout that scales, as git commits.",
)


class Color(StrEnum):
    auto = "auto"
    always = "always"
    never = "never"


class Format(StrEnum):
    diff = "diff"
    stat = "stat"
    json = "json"
    github = "github"


PathArg = Annotated[
    Path,
    typer.Argument(
        metavar="PATH",
        show_default=False,
        help="Any folder inside the project's git repository (default: .).",
    ),
]
OnlyOpt = Annotated[
    list[str] | None,
    typer.Option("--only", metavar="NAMES", help="Run only these codemods (comma-separated)."),
]
SkipOpt = Annotated[
    list[str] | None, typer.Option("--skip", metavar="NAMES", help="Leave these codemods out.")
]
SettingsOpt = Annotated[
    str | None,
    typer.Option(
        "--settings", metavar="MODULE", help="Settings module, when manage.py does not name it."
    ),
]
ColorOpt = Annotated[
    Color,
    typer.Option(
        "--color",
        metavar="WHEN",
        help="Colour: auto (on a terminal, unless NO_COLOR is set; FORCE_COLOR forces it), "
        "always or never.",
    ),
]
StatOpt = Annotated[bool, typer.Option("--stat", help="Same as --format stat.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Same as --format json.")]
FormatOpt = Annotated[
    Format,
    typer.Option(
        "--format",
        metavar="FORMAT",
        help="What stdout gets: diff, stat (changed files with line counts), json (the "
        "document) or github (workflow annotations for the notes).",
    ),
]
OutOpt = Annotated[
    str | None,
    typer.Option(
        "--out", metavar="FILE", help="Write the patch (git apply-able) to FILE; - for stdout."
    ),
]
SaveOpt = Annotated[
    Path | None,
    typer.Option("--save", metavar="FILE", help="Save the plan to FILE, for `apply --plan FILE`."),
]
CheckOpt = Annotated[bool, typer.Option("--check", help="Exit 1 if there is anything to do.")]
NoPagerOpt = Annotated[
    bool, typer.Option("--no-pager", help="Do not page the output on a terminal.")
]
DescriptionOpt = Annotated[
    Path | None,
    typer.Option(
        "--pr-description",
        metavar="FILE",
        help="Write a Markdown pull request description of the restructuring to FILE.",
    ),
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
    if not terminal.is_terminal(sys.stderr):
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
def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _summary(plan: Plan, notes: int) -> Table:
    table = Table(title="djrefactor plan", title_justify="left")
    for column in ("step", "created", "changed", "moved", "deleted", "notes"):
        table.add_column(column, justify="left" if column == "step" else "right")
    for step in plan.steps:
        counts = render.counts(step.files)
        table.add_row(step.name, *map(str, counts.values()), str(len(step.notes)))
    return table


def _totals(plan: Plan, branch: str) -> str:
    """The last line of a plan, as terraform ends with `Plan: N to add`."""
    counts = render.counts(plan.total)
    files = ", ".join(f"{count} {word}" for word, count in counts.items())
    changing = sum(bool(step.files) for step in plan.steps)
    return (
        f"Plan: {_plural(changing, 'step')} ({files} in all); `djrefactor apply` makes one "
        f"commit per step on branch {branch}"
    )


def _print_notes(plan: Plan, skip_operators: bool = False) -> None:
    for group in engine.grouped_notes(plan):
        if skip_operators and group.message.startswith(engine.OPERATORS):
            continue
        label = f"note [{group.step}]" if group.step else "note"
        places = [place for place in group.places if place]
        if len(places) <= 1:
            _say(f"{label}: {group}")
            continue
        _say(f"{label}: {group.message} ({len(places)} places):")
        for place in places:
            _say(f"  {place}")


def _print_product(text: str, page: bool, color: bool) -> None:
    """The diff or stat on stdout: coloured when asked, paged on a terminal."""
    terminal.show(terminal.colored_diff(text) if color else text, page=page)


def _write_description(target: Path | None, text: str) -> None:
    if target is None:
        return
    engine.write_file(target, text.encode("utf-8"))
    _say(f"wrote the pull request description to {target}")


# -- commands ----------------------------------------------------------------------------------
def _show_version(value: bool) -> None:
    if value:
        out.print(f"djrefactor {__version__}", markup=False)
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


@app.command("list", cls=_Command)
def list_codemods() -> None:
    """List the codemods in pipeline order."""
    codemods = engine.available_codemods()
    width = max((len(c.name) for c in codemods), default=0)
    for codemod in codemods:
        out.print(f"{codemod.name:<{width}}  {codemod.summary}", markup=False)


@dataclass(frozen=True)
class _View:
    """How a preview is shown: what stdout gets, where the patch goes, and the rest."""

    shape: Format
    out_file: str | None
    save: Path | None
    check: bool
    page: bool
    color: Color
    description: Path | None

    @staticmethod
    def of(
        stat: bool,
        as_json: bool,
        shape: Format,
        out_file: str | None,
        save: Path | None,
        check: bool,
        no_pager: bool,
        color: Color,
        description: Path | None,
    ) -> _View:
        chosen = [name for name, on in (("--stat", stat), ("--json", as_json)) if on]
        if shape is not Format.diff:
            chosen.append(f"--format {shape.value}")
        if len(chosen) > 1:
            raise UsageError(f"{' and '.join(chosen)} are two views of the plan; pass one of them")
        if stat:
            shape = Format.stat
        elif as_json:
            shape = Format.json
        if out_file == STDOUT and shape is not Format.diff:
            raise UsageError(f"--out - and {chosen[0]} both write to stdout; pass --out FILE")
        for target in (out_file if out_file != STDOUT else None, save, description):
            if target is not None:
                engine.check_target(Path(target))
        return _View(shape, out_file, save, check, not no_pager, color, description)


@app.command(cls=_Command)
def plan(
    path: PathArg = Path("."),
    only: OnlyOpt = None,
    skip: SkipOpt = None,
    settings: SettingsOpt = None,
    stat: StatOpt = False,
    as_json: JsonOpt = False,
    shape: FormatOpt = Format.diff,
    out_file: OutOpt = None,
    save: SaveOpt = None,
    check: CheckOpt = False,
    no_pager: NoPagerOpt = False,
    color: ColorOpt = Color.auto,
    description: DescriptionOpt = None,
) -> None:
    """Preview every change as a diff. Writes nothing, leaves git untouched."""
    _set_color(color.value)
    view = _View.of(stat, as_json, shape, out_file, save, check, no_pager, color, description)
    with _progress() as progress:
        planned = engine.plan(path, _options(only, skip, settings), progress)
    _preview(planned, view)


def _preview(planned: engine.Planned, view: _View) -> None:
    """Show a plan: the product on stdout, then notes and the summary on stderr."""
    result = planned.plan
    if view.save is not None:
        engine.save_plan(planned, view.save)
    if view.description is not None:
        _write_description(view.description, engine.pr_description(result, planned.session.project))
    branch = planned.session.project.config.branch
    _write_products(result, view, branch)
    if view.shape is not Format.github:
        _print_notes(result)
    if result.is_empty:
        _say("nothing to do")
        raise typer.Exit(EXIT_OK)
    err.print(_summary(result, len(engine.located_notes(result))))
    _say(_totals(result, branch))
    if view.save is not None:
        _say(f"saved the plan to {view.save}; `djrefactor apply --plan {view.save}` commits it")
    raise typer.Exit(EXIT_CHANGES if view.check else EXIT_OK)


def _write_products(result: Plan, view: _View, branch: str) -> None:
    notes = engine.located_notes(result)
    if view.shape is Format.json:
        terminal.write_stdout(render.as_json(result, __version__, notes))
    elif view.shape is Format.github:
        placed = [(step, engine.in_original_tree(result, note)) for step, note in notes]
        summary = "nothing to do" if result.is_empty else _totals(result, branch)
        terminal.write_stdout(render.github_annotations(placed, summary))
    if result.is_empty:
        return
    if view.out_file is not None:  # the diff is rendered only where it goes
        patch = render.diff(result.total)
        if view.out_file == STDOUT:
            terminal.write_stdout(patch)
            return
        engine.write_file(Path(view.out_file), patch.encode("utf-8"))
        _say(f"wrote {view.out_file}")
    paging = view.page and terminal.is_terminal(sys.stdout)
    color = terminal.wants_color(view.color.value, sys.stdout)
    if view.shape is Format.stat:
        terminal.show(render.stat(result), page=paging)
    elif view.shape is Format.diff and view.out_file is None:
        _print_product(render.diff(result.total), paging, color)


@app.command(cls=_Command)
def apply(
    path: PathArg = Path("."),
    branch: Annotated[
        str | None,
        typer.Option(
            "--branch",
            metavar="NAME",
            help=f"New branch name (default: {DEFAULT_BRANCH}, or [tool.djrefactor] branch).",
        ),
    ] = None,
    only: OnlyOpt = None,
    skip: SkipOpt = None,
    settings: SettingsOpt = None,
    verify: Annotated[
        str | None,
        typer.Option(
            "--verify",
            metavar="CMD",
            help="Test command that must keep passing after each step (default: pytest or "
            "manage.py test, when the project has them).",
        ),
    ] = None,
    no_verify: Annotated[
        bool, typer.Option("--no-verify", help="Do not run any test command.")
    ] = False,
    saved: Annotated[
        Path | None,
        typer.Option(
            "--plan", metavar="FILE", help="Apply the plan saved by `plan --save FILE`, unchanged."
        ),
    ] = None,
    description: DescriptionOpt = None,
    color: ColorOpt = Color.auto,
) -> None:
    """Apply the plan on a new git branch, one commit per step."""
    _set_color(color.value)
    options = _options(only, skip, settings)
    _check_apply_options(options, verify, no_verify, saved)
    if description is not None:
        engine.check_target(description)
    with _progress() as progress:
        if saved is not None:
            loaded = engine.load_saved_plan(path, saved)
            repo, result, folder, config = loaded.repo, loaded.plan, loaded.folder, loaded.config
            settings = config.settings

            def original() -> engine.Project:
                return engine.open_session(path, Options(settings=settings)).project
        else:
            planned = engine.plan(path, options, progress)
            repo, result = planned.session.repo, planned.plan
            folder, config = planned.session.folder, planned.session.project.config

            def original() -> engine.Project:
                return planned.session.project

        if result.is_empty:
            _print_notes(result)
            _say("nothing to do")
            raise typer.Exit(EXIT_OK)
        verification = engine.choose_verification(repo, folder, verify, no_verify)
        text = None if description is None else engine.pr_description(result, original())
        name = branch or config.branch
        done = engine.apply_plan(repo, result, name, verification, folder, progress, text)
    _print_notes(result, skip_operators=True)
    _report_apply(done)
    if text is not None:
        _write_description(description, text)
    _next_steps(done, result)


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
        _say(
            f"warning: the test command `{done.unverified}` already fails before any change "
            f"(exit {done.unverified_exit}), so the steps were not verified; choose another "
            "with --verify CMD, or silence this with --no-verify"
        )
    for step_name, sha in done.commits:
        _say(f"committed {sha[:10]} {step_name}")
    for warning in done.warnings:
        _say(f"warning: {warning}")
    count = _plural(len(done.commits), "commit")
    if done.broken_by is not None:
        _say(engine.tail(done.verify_output))
        kept = ", ".join(name for name, _ in done.commits)
        raise DjrefactorError(
            f"step {done.broken_by} broke `{done.verify_command}`; branch {done.branch} keeps "
            f"the {_plural(len(done.commits), 'step')} before it ({kept}) and you are on it; "
            f"{done.original} is untouched"
        )
    if done.verify_command is not None:
        _say(f"`{done.verify_command}` passed after every step")
    if done.new_branch:
        _say(
            f"branch {done.branch} has {count} and you are on it; {done.original} is untouched "
            "(`djrefactor undo` deletes the branch)"
        )
    else:
        _say(f"{done.branch} moved forward by {count} (it was at {done.base[:10]})")


def _next_steps(done: engine.ApplyResult, result: Plan) -> None:
    """What to do now: review, undo, and what operators must set before deploying."""
    _say("")
    _say("next:")
    if done.new_branch:
        _say(f"  review each step:  git log -p {done.original}..{done.branch}")
        _say(f"  review the whole:  git diff {done.original}...{done.branch}")
        _say("  undo:              djrefactor undo")
    else:
        _say("  review:            git show HEAD")
        _say("  undo:              git reset --keep HEAD~1")
    operators = engine.operator_notes(result)
    if operators:
        _say("  before deploying, operators must:")
        for item in operators:
            _say(f"    - {item}")


@app.command("run", cls=_Command)
def run_step(
    step: Annotated[
        str, typer.Argument(metavar="STEP", help="The codemod to run (see `djrefactor list`).")
    ],
    path: PathArg = Path("."),
    settings: SettingsOpt = None,
    commit: Annotated[
        bool, typer.Option("--apply", help="Commit the step on the current branch.")
    ] = False,
    stat: StatOpt = False,
    as_json: JsonOpt = False,
    shape: FormatOpt = Format.diff,
    out_file: OutOpt = None,
    save: SaveOpt = None,
    check: CheckOpt = False,
    no_pager: NoPagerOpt = False,
    color: ColorOpt = Color.auto,
) -> None:
    """Run one codemod alone: preview it, or commit it on the current branch."""
    _set_color(color.value)
    view = _View.of(stat, as_json, shape, out_file, save, check, no_pager, color, None)
    previewing = stat or as_json or shape is not Format.diff or out_file or save or check
    if commit and previewing:
        raise UsageError(
            "--apply commits the step; --stat, --json, --format, --out, --save and --check "
            "belong to its preview"
        )
    with _progress() as progress:
        planned = engine.plan(path, _options([step], None, settings), progress)
        result, session = planned.plan, planned.session
        if commit and not result.is_empty:
            done = engine.apply_plan(
                session.repo, result, None, engine.NO_VERIFICATION, session.folder, progress
            )
    if not commit:
        _preview(planned, view)
    if result.is_empty:
        _print_notes(result)
        _say("nothing to do")
        raise typer.Exit(EXIT_OK)
    _print_notes(result, skip_operators=True)
    _report_apply(done)
    _next_steps(done, result)


@app.command(cls=_Command)
def undo(path: PathArg = Path(".")) -> None:
    """Delete the branch apply made and go back where it started.

    Refuses a branch that changed since apply made it."""
    done = engine.undo(path)
    where = f"you are back on {done.start}" if done.switched else f"you are on {done.current}"
    _say(
        f"deleted branch {done.branch} (it was at {done.tip[:10]}, "
        f"{_plural(done.commits, 'commit')} on top of {done.start}); {where}"
    )


@app.command("audit", cls=_Command)
def audit_project(
    path: PathArg = Path("."),
    settings: SettingsOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Report where the project stands on each layout rule. Read-only; exit 1 on findings."""
    report = audits.audit(engine.open_session(path, Options(settings=settings)).project)
    if as_json:
        terminal.write_stdout(audits.as_json(report))
        err.print(audits.render_summary(report), markup=False, end="")
    else:
        out.print(audits.render(report), markup=False, end="")
    raise typer.Exit(EXIT_CHANGES if report.findings else EXIT_OK)


def main() -> None:
    engine.raise_on_sigterm()
    app()


if __name__ == "__main__":
    main()
