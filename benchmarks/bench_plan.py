"""Benchmark `djrefactor plan` against libcst merely parsing the same repository, in one run.

Why: the engine promises that each file is parsed once and the tree shared between codemods, so a
whole `plan` should cost little more than one libcst parse of the repo, and a 150k-line repo must
plan in well under 1 GiB. Only ratios measured side by side on the same machine say whether that
holds; timed tests cannot.

For each size a synthetic legacy monolith (see synthetic_repo.py) is generated and committed in a
temp dir; then separate child processes measure, so each peak RSS belongs to one measurement:
  idle   python + the same imports + one tiny parse (the memory floor),
  parse  read every tracked .py file and `libcst.parse_module` it once, keeping every tree,
  plan   `open_session` + `build_plan` + `render.diff(plan.total)`, what `djrefactor plan` does.

Usage: python3 benchmarks/bench_plan.py [--sizes 10000,50000,150000] [--repeat K] [--json FILE]
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import io
import json
import os
import pkgutil
import pstats
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import libcst as cst
from synthetic_repo import generate_files, non_blank_lines, write_repo

from djrefactor import engine, render
from djrefactor.config import Options, read_config
from djrefactor.engine import Changes, Codemod, Project, Session
from djrefactor.engine.loading import load_project
from djrefactor.git import Repository

DEFAULT_SIZES = (10_000, 50_000, 150_000)
MIB = 1024 * 1024
cpu = time.process_time
"""Every duration is CPU time of the measuring process: other work on the machine barely moves
it, where wall time would. Wall time of the whole measurement is reported alongside."""
PROFILE_LINES = 30
OWN_CODE = r"[/\\](djrefactor|codemods)[/\\]"
"""pstats restriction: functions defined in the engine (src/djrefactor) or in codemods/."""


# -- measurements (child side) -------------------------------------------------------------------
@dataclass(frozen=True)
class StepTime:
    """One codemod in one plan run: its own `run`, and the whole step including the engine's
    apply (moves, redirects, file diffing)."""

    name: str
    run_seconds: float
    step_seconds: float
    files: int
    notes: int
    error: str | None = None


@dataclass(frozen=True)
class Measurement:
    """What one child process reports."""

    mode: str
    seconds: float
    peak_bytes: int
    wall_seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)
    steps: tuple[StepTime, ...] = ()
    diff_lines: int = 0
    failed_step: str | None = None
    error: str | None = None


def peak_rss_bytes() -> int:
    """This process's peak resident set size (VmHWM), falling back to getrusage."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss if sys.platform == "darwin" else maxrss * 1024


def tracked_python(repo: Path) -> list[Path]:
    output = subprocess.run(
        ["git", "ls-files", "-z", "*.py"], cwd=repo, check=True, capture_output=True, text=True
    ).stdout
    return [repo / path for path in output.split("\0") if path]


def measure_idle(repo: Path, skip: Sequence[str]) -> Measurement:
    load_codemods({})
    warm_up()
    return Measurement("idle", 0.0, peak_rss_bytes())


def measure_parse(repo: Path, skip: Sequence[str]) -> Measurement:
    paths = tracked_python(repo)
    warm_up()
    start, wall = cpu(), time.perf_counter()
    trees = [cst.parse_module(path.read_text(encoding="utf-8")) for path in paths]
    seconds, wall = cpu() - start, time.perf_counter() - wall
    peak = peak_rss_bytes()
    del trees
    return Measurement("parse", seconds, peak, wall)


def warm_up() -> None:
    """Load libcst's native parser before any timer starts, in every mode alike."""
    cst.parse_module("x = 1\n")


class StepClock:
    """Times each codemod's `run` and each whole step (build_plan reports progress between
    steps), and turns a codemod's exception into a reported error and no changes."""

    def __init__(self) -> None:
        self.run_seconds: dict[str, float] = {}
        self.errors: dict[str, str] = {}
        self.stamps: list[tuple[str, float]] = []

    def progress(self, label: str, done: int, total: int) -> None:
        self.stamps.append((label, cpu()))

    @property
    def current(self) -> str | None:
        return self.stamps[-1][0] if self.stamps else None

    def wrap(self, codemod: Codemod) -> Codemod:
        def run(project: Project) -> Changes:
            start = cpu()
            try:
                return codemod.run(project)
            # A benchmark must survive a half-written codemod: report it and carry on.
            except Exception as exc:
                self.errors[codemod.name] = describe(exc)
                return Changes.none()
            finally:
                self.run_seconds[codemod.name] = cpu() - start

        return replace(codemod, run=run)

    def step_seconds(self) -> dict[str, float]:
        pairs = zip(self.stamps, self.stamps[1:], strict=False)
        return {label: end - begin for (label, begin), (_, end) in pairs}


def describe(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    if isinstance(exc, SyntaxError):
        where = ""  # its message already names the file and line
    return f"{type(exc).__name__}: {exc}{where}"


def measure_plan(repo: Path, skip: Sequence[str]) -> Measurement:
    clock = StepClock()
    warm_up()
    start, wall = cpu(), time.perf_counter()
    try:
        session, load_errors = open_plan_session(repo, skip)
        opened = cpu()
        codemods = [clock.wrap(codemod) for codemod in session.codemods]
        plan = engine.build_plan(session.project, codemods, clock.progress)
        planned = cpu()
        diff = render.diff(plan.total)
    # Any engine failure is reported with the step it happened in, so the parent can skip it.
    except Exception as exc:
        return Measurement(
            "plan", 0.0, peak_rss_bytes(), failed_step=clock.current, error=describe(exc)
        )
    end, wall = cpu(), time.perf_counter() - wall
    clock.errors.update(load_errors)
    step_seconds = clock.step_seconds()
    steps = tuple(
        StepTime(
            step.name,
            clock.run_seconds.get(step.name, 0.0),
            step_seconds.get(step.name, 0.0),
            len(step.files),
            len(step.notes),
            clock.errors.pop(step.name, None),
        )
        for step in plan.steps
    )
    steps += tuple(StepTime(name, 0.0, 0.0, 0, 0, error) for name, error in clock.errors.items())
    phases = {"open": opened - start, "build_plan": planned - opened, "render": end - planned}
    return Measurement("plan", end - start, peak_rss_bytes(), wall, phases, steps, diff.count("\n"))


def open_plan_session(repo: Path, skip: Sequence[str]) -> tuple[Session, dict[str, str]]:
    """`engine.open_session`, or, when a codemod module cannot even be imported (someone is
    writing it right now), the same session built with the importable codemods only."""
    try:
        return engine.open_session(repo, Options(skip=tuple(skip))), {}
    except (ImportError, SyntaxError, AttributeError, ValueError):
        errors: dict[str, str] = {}
        codemods = [c for c in load_codemods(errors) if c.name not in skip]
        git_repo = Repository.open(repo)
        root = git_repo.root
        project = load_project(root, git_repo.tracked_files(), read_config(root))
        project.facts.require_settings()
        return Session(git_repo, root, project, codemods), errors


def load_codemods(errors: dict[str, str]) -> list[Codemod]:
    """Every importable codemod in pipeline order; import failures go to `errors`."""
    package = importlib.import_module("djrefactor.codemods")
    found: dict[str, Codemod] = {}
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_"):
            continue
        name = info.name.replace("_", "-")
        try:
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            after = tuple(dep.replace("_", "-") for dep in getattr(module, "AFTER", ()))
            found[name] = Codemod(
                name, str(module.SUMMARY), module.__doc__ or "", after, module.run
            )
        # A half-written codemod module may fail in any way on import.
        except Exception as exc:
            errors[name] = describe(exc)
    return engine.order(runnable(found, errors))


def runnable(found: dict[str, Codemod], errors: dict[str, str]) -> list[Codemod]:
    """Drop codemods that must run AFTER one that failed to load."""
    pending = dict(found)
    while True:
        blocked = [c for c in pending.values() if any(dep not in pending for dep in c.after)]
        if not blocked:
            return list(pending.values())
        for codemod in blocked:
            errors[codemod.name] = f"skipped: runs AFTER {codemod.after}, which did not load"
            del pending[codemod.name]


def profile_plan(repo: Path, skip: Sequence[str]) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    measurement = measure_plan(repo, skip)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    out.write("== djrefactor engine and codemods, by cumulative time ==\n")
    stats.sort_stats("cumulative").print_stats(OWN_CODE, PROFILE_LINES)
    out.write("== everything, by own time ==\n")
    stats.sort_stats("tottime").print_stats(PROFILE_LINES)
    return f"plan took {measurement.seconds:.2f}s under cProfile\n{out.getvalue()}"


MODES: dict[str, Callable[[Path, Sequence[str]], Measurement]] = {
    "idle": measure_idle,
    "parse": measure_parse,
    "plan": measure_plan,
}


def child(mode: str, repo: Path, skip: Sequence[str]) -> None:
    if mode == "profile":
        sys.stdout.write(profile_plan(repo, skip))
    else:
        sys.stdout.write(json.dumps(asdict(MODES[mode](repo, skip))))
    sys.stdout.flush()
    # Skip tearing down hundreds of MiB of trees: it is not part of any measurement.
    os._exit(0)


# -- orchestration (parent side) -----------------------------------------------------------------
def run_child(mode: str, repo: Path, skip: Sequence[str]) -> str:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", mode, "--repo", str(repo)]
    if skip:
        command += ["--skip", ",".join(skip)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{mode} child failed:\n{done.stderr.strip()}")
    return done.stdout


def measure(mode: str, repo: Path, skip: Sequence[str] = ()) -> Measurement:
    data: dict[str, Any] = json.loads(run_child(mode, repo, skip))
    data["steps"] = tuple(StepTime(**step) for step in data["steps"])
    return Measurement(**data)


def measure_plan_despite_failures(repo: Path, skipped: list[str]) -> tuple[Measurement, list[str]]:
    """A plan measurement; a step the engine cannot apply is reported and skipped next time."""
    failures: list[str] = []
    while True:
        result = measure("plan", repo, skipped)
        if result.error is None:
            return result, failures
        failures.append(f"{result.failed_step or 'open_session'}: {result.error}")
        if result.failed_step in (None, "done") or result.failed_step in skipped:
            raise RuntimeError(f"plan failed outside any codemod: {result.error}")
        skipped.append(result.failed_step)
        log(f"  step {result.failed_step} broke the engine; measuring again without it")


@dataclass(frozen=True)
class Row:
    """One size: the repository and the best of K runs of each measurement."""

    target_lines: int
    lines: int
    files: int
    idle: Measurement
    parse: Measurement
    plan: Measurement
    skipped: tuple[str, ...]
    failures: tuple[str, ...]

    @property
    def time_ratio(self) -> float:
        return self.plan.seconds / self.parse.seconds

    @property
    def wall_ratio(self) -> float:
        return self.plan.wall_seconds / self.parse.wall_seconds

    @property
    def memory_ratio(self) -> float:
        return self.plan.peak_bytes / self.parse.peak_bytes

    @property
    def memory_ratio_above_idle(self) -> float:
        above_parse = max(self.parse.peak_bytes - self.idle.peak_bytes, 1)
        return (self.plan.peak_bytes - self.idle.peak_bytes) / above_parse


def best(runs: Sequence[Measurement]) -> Measurement:
    """The fastest run, with the lowest peak seen in any run (both are noise-only upwards)."""
    fastest = min(runs, key=lambda run: run.seconds)
    return replace(fastest, peak_bytes=min(run.peak_bytes for run in runs))


def bench_size(workdir: Path, target: int, seed: int, repeat: int) -> Row:
    repo = workdir / f"legacy_{target}"
    files = generate_files(target, seed)
    write_repo(repo, files)
    python = {path: text for path, text in files.items() if path.endswith(".py")}
    lines = sum(non_blank_lines(text) for text in python.values())
    log(f"{target}: generated {lines} lines in {len(python)} files at {repo}")
    runs: dict[str, list[Measurement]] = {"idle": [], "parse": [], "plan": []}
    skipped: list[str] = []
    failures: list[str] = []
    for attempt in range(repeat):
        log(f"  run {attempt + 1}/{repeat}")
        runs["idle"].append(measure("idle", repo))
        runs["parse"].append(measure("parse", repo))
        plan, failed = measure_plan_despite_failures(repo, skipped)
        runs["plan"].append(plan)
        failures += failed
    row = Row(
        target,
        lines,
        len(python),
        best(runs["idle"]),
        best(runs["parse"]),
        best(runs["plan"]),
        tuple(skipped),
        tuple(dict.fromkeys(failures)),
    )
    log(
        f"  parse {row.parse.seconds:.2f}s, plan {row.plan.seconds:.2f}s (x{row.time_ratio:.2f}); "
        f"peak parse {mib(row.parse.peak_bytes)} MiB, plan {mib(row.plan.peak_bytes)} MiB"
    )
    return row


# -- report -------------------------------------------------------------------------------------
def mib(value: int) -> str:
    return f"{value / MIB:.0f}"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def summary_table(rows: Sequence[Row]) -> str:
    headers = [
        "lines",
        "files",
        "parse s",
        "plan s",
        "time x",
        "wall x",
        "idle MiB",
        "parse MiB",
        "plan MiB",
        "mem x",
        "mem x above idle",
    ]
    cells = [
        [
            str(r.lines),
            str(r.files),
            f"{r.parse.seconds:.2f}",
            f"{r.plan.seconds:.2f}",
            f"{r.time_ratio:.2f}",
            f"{r.wall_ratio:.2f}",
            mib(r.idle.peak_bytes),
            mib(r.parse.peak_bytes),
            mib(r.plan.peak_bytes),
            f"{r.memory_ratio:.2f}",
            f"{r.memory_ratio_above_idle:.2f}",
        ]
        for r in rows
    ]
    return table(headers, cells)


def steps_table(row: Row) -> str:
    phases = ", ".join(f"{name} {seconds:.2f}s" for name, seconds in row.plan.phases.items())
    headers = ["codemod", "run s", "engine s", "files", "notes", "error"]
    cells = [
        [
            s.name,
            f"{s.run_seconds:.3f}",
            f"{max(s.step_seconds - s.run_seconds, 0.0):.3f}",
            str(s.files),
            str(s.notes),
            s.error or "",
        ]
        for s in row.plan.steps
    ]
    text = f"{row.lines} lines: plan phases: {phases}; diff {row.plan.diff_lines} lines\n"
    if cells:
        text += table(headers, cells) + "\n"
    for failure in row.failures:
        text += f"engine failure, step skipped: {failure}\n"
    return text


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, DEFAULT_SIZES)),
        help="comma-separated target non-blank Python line counts",
    )
    parser.add_argument("--repeat", type=int, default=1, help="take the best of K runs")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    parser.add_argument(
        "--profile",
        type=int,
        metavar="SIZE",
        help="instead of measuring, cProfile one plan of a SIZE-line repo",
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated repositories")
    parser.add_argument("--child", choices=[*MODES, "profile"], help=argparse.SUPPRESS)
    parser.add_argument("--repo", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--skip", default="", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    skip = [name for name in args.skip.split(",") if name]
    if args.child:
        child(args.child, args.repo, skip)
    workdir = Path(tempfile.mkdtemp(prefix="djrefactor-bench-"))
    try:
        if args.profile:
            repo = workdir / "profiled"
            write_repo(repo, generate_files(args.profile, args.seed))
            print(run_child("profile", repo, skip))
            return 0
        sizes = [int(size) for size in args.sizes.split(",")]
        rows = [bench_size(workdir, size, args.seed, max(args.repeat, 1)) for size in sizes]
    finally:
        if args.keep:
            log(f"repositories kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    print(summary_table(rows))
    print()
    for row in rows:
        print(steps_table(row))
    if args.json:
        args.json.write_text(json.dumps([row_json(row) for row in rows], indent=2) + "\n")
    return 0


def row_json(row: Row) -> dict[str, Any]:
    data = asdict(row)
    data.update(
        time_ratio=row.time_ratio,
        wall_ratio=row.wall_ratio,
        memory_ratio=row.memory_ratio,
        memory_ratio_above_idle=row.memory_ratio_above_idle,
    )
    return data


if __name__ == "__main__":
    sys.exit(main())
