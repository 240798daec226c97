"""Benchmark `djrefactor plan` against libcst merely parsing the same repository, in one run.

Why: a whole `plan` should cost little more than one libcst parse of the repo (issue 14: at most
1.5x at every size), a second `plan` of an unchanged repo should come from the step cache (at most
0.3x), a single 42k-line views module must plan within 3x its parse and 600 MiB, and 300k lines
within 1 GiB. Only ratios measured side by side on the same machine say whether that holds;
timed tests cannot.

For each size a synthetic legacy monolith (see synthetic_repo.py) is generated and committed in a
temp dir; then separate child processes measure, so each peak RSS belongs to one measurement:
  idle    python + the same imports + one tiny parse (the memory floor),
  parse   read every tracked .py file and `libcst.parse_module` it once, keeping every tree,
  plan    `engine.plan` + `render.diff(plan.total)`, what `djrefactor plan` does, with the plan
          cache empty (cold),
  cached  the same again in a new process, once the cold plan has stored its cache entry.

Usage: python3 benchmarks/bench_plan.py [--sizes 10000,50000,150000] [--huge-views [LINES]]
                                        [--memory-only] [--repeat K] [--json FILE] [--keep]
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import json
import math
import os
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
from synthetic_repo import generate_files, generate_huge_views_files, non_blank_lines, write_repo

from djrefactor import engine, render
from djrefactor.config import Options
from djrefactor.engine.planning import CACHED

DEFAULT_SIZES = (10_000, 50_000, 150_000)
HUGE_VIEWS_LINES = 42_000
MIB = 1024 * 1024
PROFILE_LINES = 30
OWN_CODE = r"[/\\](djrefactor|codemods)[/\\]"
"""pstats restriction: functions defined in the engine (src/djrefactor) or in codemods/."""
MONOLITH = "monolith"
FORMATTERS = {
    "ruff": (
        "[tool.ruff]\nline-length = 100\n\n[tool.ruff.format]\n\n"
        '[tool.ruff.lint]\nselect = ["E", "F", "I"]\n'
    ),
    "black+isort": (
        '[tool.black]\nline-length = 100\n\n[tool.isort]\nprofile = "black"\nline_length = 100\n'
    ),
}
"""The pyproject.toml `--formatters` gives the monolith: what it configures, the team's style."""
HUGE_VIEWS = "huge views"
EXISTING = "repo"


def cpu() -> float:
    """CPU seconds (user + system) of this process and of every child it has waited for: git
    and the project's formatters run as subprocesses. Other work on the machine barely moves
    CPU time, where it would move wall time (reported alongside)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


# -- measurements (child side) -------------------------------------------------------------------
STEP_PARTS = ("run", "edits", "references", "formatting", "comparing")
"""Where a step's time goes, from build_plan's progress labels: the codemod's own `run`; the
engine's `<step>: editing` (apply_changes) until its reference pass reports `<step>: references
in <file>`; `<step>: formatting` (the project's formatters); `<step>: comparing`."""
LABEL_PARTS = {"editing": "edits", "formatting": "formatting", "comparing": "comparing"}
PHASES = ("open", "build_plan", "finish")
"""What `engine.plan` spends, from its progress labels: until the first step starts (git,
reading, discovery, the cache key), the steps, and from `done` on (cache store, finish_plan)."""


@dataclass(frozen=True)
class StepTime:
    """One codemod in one plan run: CPU seconds per part of its step, and what it produced."""

    name: str
    run: float = 0.0
    edits: float = 0.0
    references: float = 0.0
    formatting: float = 0.0
    comparing: float = 0.0
    files: int = 0
    notes: int = 0

    @property
    def editing(self) -> float:
        return self.edits + self.references

    @property
    def total(self) -> float:
        return self.run + self.editing + self.formatting + self.comparing


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
    diff_hash: str = ""
    from_cache: bool = False
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


def warm_up() -> None:
    """Load libcst's native parser and the codemods before any timer starts, in every mode."""
    engine.available_codemods()
    cst.parse_module("x = 1\n")


def measure_idle(repo: Path, skip: Sequence[str]) -> Measurement:
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


class Clock:
    """The progress callback: every label `engine.plan` reports, with the CPU time it came."""

    def __init__(self) -> None:
        self.stamps: list[tuple[str, float]] = []

    def progress(self, label: str, done: int, total: int) -> None:
        self.stamps.append((label, cpu()))

    def current_step(self, names: Sequence[str]) -> str | None:
        """The step running when the last label came (for a failure report)."""
        for label, _ in reversed(self.stamps):
            step = label.partition(": ")[0]
            if step in names:
                return step
        return None


Where = tuple[str, str | None, str | None]
"""(engine phase, step name, step part) a stretch of time is charged to."""


def classify(label: str, names: Sequence[str], current: Where) -> Where:
    """What the time after `label` is spent on; a label of no known kind (`reading <path>`, a
    formatter's per-file label) continues what was going on."""
    if label in names:
        return ("build_plan", label, "run")
    if label.endswith(CACHED) and label.removesuffix(CACHED) in names:
        return ("build_plan", None, None)  # a step read back from the cache
    step, colon, rest = label.partition(": ")
    if colon and step in names:
        part = "references" if rest.startswith("references in ") else LABEL_PARTS.get(rest)
        return ("build_plan", step, part) if part else current
    if label.startswith("done"):
        return ("finish", None, None)
    return current


def attribute(
    stamps: Sequence[tuple[str, float]], names: Sequence[str], start: float, end: float
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Charge each stretch between two labels to the phase and step part the first one began."""
    phases = dict.fromkeys(PHASES, 0.0)
    steps: dict[str, dict[str, float]] = {}
    where: Where = ("open", None, None)
    previous = start
    for label, at in [*stamps, ("", end)]:
        phase, step, part = where
        phases[phase] += at - previous
        if step is not None and part is not None:
            parts = steps.setdefault(step, dict.fromkeys(STEP_PARTS, 0.0))
            parts[part] += at - previous
        where, previous = classify(label, names, where), at
    return phases, steps


def measure_plan(repo: Path, skip: Sequence[str], mode: str = "plan") -> Measurement:
    clock = Clock()
    warm_up()
    names = [codemod.name for codemod in engine.available_codemods()]
    start, wall = cpu(), time.perf_counter()
    try:
        planned = engine.plan(repo, Options(skip=tuple(skip)), clock.progress)
        computed = cpu()
        diff = render.diff(planned.plan.total)
    # Any failure is reported with the step it happened in, so the parent can skip that step.
    except Exception as exc:
        failed = clock.current_step(names)
        return Measurement(mode, 0.0, peak_rss_bytes(), failed_step=failed, error=describe(exc))
    end, wall = cpu(), time.perf_counter() - wall
    phases, parts = attribute(clock.stamps, names, start, computed)
    phases["render"] = end - computed
    produced = {step.name: step for step in planned.plan.steps}
    steps = tuple(
        StepTime(
            name,
            **parts[name],
            files=len(produced[name].files) if name in produced else 0,
            notes=len(produced[name].notes) if name in produced else 0,
        )
        for name in names
        if name in parts
    )
    return Measurement(
        mode,
        end - start,
        peak_rss_bytes(),
        wall,
        phases,
        steps,
        diff.count("\n"),
        hashlib.sha256(diff.encode("utf-8", "surrogateescape")).hexdigest()[:16],
        from_cache=not steps,
    )


def measure_cached(repo: Path, skip: Sequence[str]) -> Measurement:
    return measure_plan(repo, skip, "cached")


def describe(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    if isinstance(exc, SyntaxError):
        where = ""  # its message already names the file and line
    reason = f"{type(exc).__name__}: {exc}".strip().splitlines()[0]
    return f"{reason}{where}"


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
    outcome = measurement.error or f"took {measurement.seconds:.2f}s"
    return f"plan {outcome} under cProfile\n{out.getvalue()}"


MODES: dict[str, Callable[[Path, Sequence[str]], Measurement]] = {
    "idle": measure_idle,
    "parse": measure_parse,
    "plan": measure_plan,
    "cached": measure_cached,
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


def clear_step_cache(repo: Path) -> None:
    """Empty the step cache (engine/cache.py keeps it in .git/djrefactor/cache)."""
    shutil.rmtree(repo / ".git" / "djrefactor" / "cache", ignore_errors=True)


def measure_plan_despite_failures(
    mode: str, repo: Path, skipped: list[str]
) -> tuple[Measurement, list[str]]:
    """A plan measurement; a step that crashes is reported and skipped (--skip) next time."""
    failures: list[str] = []
    while True:
        if mode == "plan":
            clear_step_cache(repo)
        result = measure(mode, repo, skipped)
        if result.error is None:
            return result, failures
        failures.append(f"{result.failed_step or 'outside any step'}: {result.error}")
        if result.failed_step is None or result.failed_step in skipped:
            raise RuntimeError(f"{mode} failed outside any codemod: {result.error}")
        skipped.append(result.failed_step)
        log(f"  step {result.failed_step} crashed; measuring again without it")


@dataclass(frozen=True)
class Row:
    """One repository: the best of K runs of each measurement (None: not measured)."""

    kind: str
    target_lines: int
    lines: int
    files: int
    plan: Measurement
    idle: Measurement | None
    parse: Measurement | None
    cached: Measurement | None
    skipped: tuple[str, ...]
    failures: tuple[str, ...]

    def over_parse(self, run: Measurement | None, wall: bool = False) -> float | None:
        if run is None or self.parse is None:
            return None
        if wall:
            return run.wall_seconds / max(self.parse.wall_seconds, 1e-9)
        return run.seconds / max(self.parse.seconds, 1e-9)

    @property
    def time_ratio(self) -> float | None:
        return self.over_parse(self.plan)

    @property
    def cached_ratio(self) -> float | None:
        return self.over_parse(self.cached)

    @property
    def memory_ratio(self) -> float | None:
        return None if self.parse is None else self.plan.peak_bytes / self.parse.peak_bytes

    @property
    def memory_ratio_above_idle(self) -> float | None:
        if self.parse is None or self.idle is None:
            return None
        above_parse = max(self.parse.peak_bytes - self.idle.peak_bytes, 1)
        return (self.plan.peak_bytes - self.idle.peak_bytes) / above_parse

    def warnings(self) -> list[str]:
        """What makes the cached measurement meaningless, if anything."""
        found = []
        if self.plan.from_cache:
            found.append("the cold plan came from the cache (clearing it did not work)")
        if self.cached is not None and not self.cached.from_cache:
            found.append("the second plan was computed again, not read from the cache")
        if self.cached is not None and self.cached.diff_hash != self.plan.diff_hash:
            found.append("the cached plan's diff differs from the cold plan's")
        return found


def best(runs: Sequence[Measurement]) -> Measurement | None:
    """The fastest run, with the lowest peak seen in any run (both are noise-only upwards)."""
    if not runs:
        return None
    fastest = min(runs, key=lambda run: run.seconds)
    return replace(fastest, peak_bytes=min(run.peak_bytes for run in runs))


def bench_repo(
    repo: Path, files: dict[str, str], kind: str, target: int, repeat: int, memory_only: bool
) -> Row:
    write_repo(repo, files)
    python = {path: text for path, text in files.items() if path.endswith(".py")}
    lines = sum(non_blank_lines(text) for text in python.values())
    log(f"{kind} {target}: generated {lines} lines in {len(python)} files at {repo}")
    return measure_repo(repo, kind, target, lines, len(python), repeat, memory_only)


def bench_existing(repo: Path, repeat: int, memory_only: bool) -> Row:
    """An existing git repository (a public Django project): its tracked Python files are what
    the parse measurement reads. Its `.git/djrefactor/cache` is written and cleared."""
    tracked = subprocess.run(
        ["git", "ls-files", "-z", "--", "*.py"], cwd=repo, capture_output=True, check=True
    ).stdout.decode()
    texts = [
        (repo / path).read_text(encoding="utf-8", errors="replace")
        for path in tracked.split("\0")
        if path and (repo / path).is_file()
    ]
    lines = sum(non_blank_lines(text) for text in texts)
    kind = f"{EXISTING} {repo.name}"
    log(f"{kind}: {lines} lines in {len(texts)} files")
    return measure_repo(repo, kind, lines, lines, len(texts), repeat, memory_only)


def measure_repo(
    repo: Path, kind: str, target: int, lines: int, files: int, repeat: int, memory_only: bool
) -> Row:
    modes = ["plan"] if memory_only else ["idle", "parse", "plan", "cached"]
    runs: dict[str, list[Measurement]] = {mode: [] for mode in modes}
    skipped: list[str] = []
    failures: list[str] = []
    for attempt in range(repeat):
        log(f"  run {attempt + 1}/{repeat}: {', '.join(modes)}")
        for mode in modes:
            if mode in ("plan", "cached"):
                run, failed = measure_plan_despite_failures(mode, repo, skipped)
                failures += failed
            else:
                run = measure(mode, repo)
            runs[mode].append(run)
    plan = best(runs["plan"])
    assert plan is not None
    row = Row(
        kind,
        target,
        lines,
        files,
        plan,
        best(runs.get("idle", [])),
        best(runs.get("parse", [])),
        best(runs.get("cached", [])),
        tuple(skipped),
        tuple(dict.fromkeys(failures)),
    )
    log(f"  {one_line(row)}")
    return row


def one_line(row: Row) -> str:
    text = f"plan {row.plan.seconds:.2f}s, peak {mib(row.plan.peak_bytes)} MiB"
    if row.parse is not None:
        text += f"; parse {row.parse.seconds:.2f}s (plan x{row.time_ratio:.2f})"
    if row.cached is not None:
        text += f"; cached {row.cached.seconds:.2f}s (x{row.cached_ratio:.2f} parse)"
    return text


# -- report -------------------------------------------------------------------------------------
def mib(value: int) -> str:
    return f"{value / MIB:.0f}"


def ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def seconds(run: Measurement | None) -> str:
    return "-" if run is None else f"{run.seconds:.2f}"


def peak(run: Measurement | None) -> str:
    return "-" if run is None else mib(run.peak_bytes)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


SUMMARY_HEADERS = (
    "repo",
    "lines",
    "files",
    "parse s",
    "plan s",
    "time x",
    "wall x",
    "cached s",
    "cached x",
    "idle MiB",
    "parse MiB",
    "plan MiB",
    "mem x",
    "mem x above idle",
)


def summary_table(rows: Sequence[Row]) -> str:
    cells = [
        [
            r.kind,
            str(r.lines),
            str(r.files),
            seconds(r.parse),
            seconds(r.plan),
            ratio(r.time_ratio),
            ratio(r.over_parse(r.plan, wall=True)),
            seconds(r.cached),
            ratio(r.cached_ratio),
            peak(r.idle),
            peak(r.parse),
            peak(r.plan),
            ratio(r.memory_ratio),
            ratio(r.memory_ratio_above_idle),
        ]
        for r in rows
    ]
    return table(SUMMARY_HEADERS, cells)


def exponents(rows: Sequence[Row]) -> dict[str, Any] | None:
    """How CPU time grows with lines from the smallest to the largest monolith measured
    (1.0 = linear): log(t2 / t1) / log(n2 / n1)."""
    sized = sorted((r for r in rows if r.kind == MONOLITH), key=lambda r: r.lines)
    if len(sized) < 2 or sized[0].lines == sized[-1].lines:
        return None
    small, large = sized[0], sized[-1]
    scale = math.log(large.lines / small.lines)
    found: dict[str, Any] = {"from_lines": small.lines, "to_lines": large.lines}
    found["plan"] = math.log(large.plan.seconds / small.plan.seconds) / scale
    if small.parse is not None and large.parse is not None:
        found["parse"] = math.log(large.parse.seconds / small.parse.seconds) / scale
    return found


def exponent_line(found: dict[str, Any] | None) -> str:
    if found is None:
        return "size exponent: needs two monolith sizes"
    parse = f", parse {found['parse']:.2f}" if "parse" in found else ""
    return (
        f"size exponent of CPU time, {found['from_lines']} -> {found['to_lines']} lines: "
        f"plan {found['plan']:.2f}{parse} (1.00 = linear)"
    )


@dataclass(frozen=True)
class Target:
    """One check of issue 14 on one measured repository."""

    what: str
    lines: int
    value: float
    limit: float

    @property
    def met(self) -> bool:
        return self.value <= self.limit


def targets(rows: Sequence[Row]) -> list[Target]:
    found = []
    for r in rows:
        time_limit = 1.5 if r.kind == MONOLITH else 1.0 if r.kind.startswith(EXISTING) else 3.0
        formatted = r.kind.startswith(MONOLITH + " + ")  # no target: the formatters' own cost
        if r.time_ratio is not None and not formatted:
            found.append(Target(f"{r.kind} plan / parse CPU", r.lines, r.time_ratio, time_limit))
        if r.kind == MONOLITH and r.cached_ratio is not None:
            found.append(Target("second plan / parse CPU", r.lines, r.cached_ratio, 0.3))
        memory = r.plan.peak_bytes / MIB
        memory_limit = 600 if r.kind == HUGE_VIEWS else 1024
        found.append(Target(f"{r.kind} plan peak MiB", r.lines, memory, memory_limit))
    return found


def targets_text(found: Sequence[Target]) -> str:
    lines = ["targets (issue 14):"]
    for t in found:
        verdict = "ok" if t.met else "MISSED"
        lines.append(f"  {t.what} at {t.lines} lines: {t.value:.2f} (<= {t.limit:g}) {verdict}")
    return "\n".join(lines)


STEP_HEADERS = (
    "codemod",
    "run s",
    "editing s",
    "edits s",
    "refs s",
    "formatting s",
    "comparing s",
    "step s",
    "files",
    "notes",
)


def steps_table(row: Row) -> str:
    phases = ", ".join(f"{name} {value:.2f}s" for name, value in row.plan.phases.items())
    text = (
        f"{row.kind}, {row.lines} lines: plan phases: {phases}; diff {row.plan.diff_lines} lines\n"
    )
    if row.cached is not None:
        cached = ", ".join(f"{name} {value:.2f}s" for name, value in row.cached.phases.items())
        text += f"  second plan phases: {cached}\n"
    cells = [
        [
            s.name,
            *(f"{value:.3f}" for value in (s.run, s.editing, s.edits, s.references)),
            *(f"{value:.3f}" for value in (s.formatting, s.comparing, s.total)),
            str(s.files),
            str(s.notes),
        ]
        for s in row.plan.steps
    ]
    if cells:
        text += table(STEP_HEADERS, cells) + "\n"
    for failure in row.failures:
        text += f"step crashed, skipped: {failure}\n"
    for warning in row.warnings():
        text += f"warning: {warning}\n"
    return text


def row_json(row: Row) -> dict[str, Any]:
    data = asdict(row)
    data.update(
        time_ratio=row.time_ratio,
        wall_ratio=row.over_parse(row.plan, wall=True),
        cached_ratio=row.cached_ratio,
        memory_ratio=row.memory_ratio,
        memory_ratio_above_idle=row.memory_ratio_above_idle,
        warnings=row.warnings(),
    )
    return data


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, DEFAULT_SIZES)),
        help="comma-separated target non-blank Python line counts of the monolith ('' for none)",
    )
    parser.add_argument(
        "--huge-views",
        type=int,
        nargs="?",
        const=HUGE_VIEWS_LINES,
        metavar="LINES",
        help=f"also measure a small repo whose one views.py has LINES lines ({HUGE_VIEWS_LINES})",
    )
    parser.add_argument(
        "--memory-only",
        action="store_true",
        help="measure only the cold plan (its CPU time and peak RSS), e.g. --sizes 300000",
    )
    parser.add_argument(
        "--existing",
        type=Path,
        action="append",
        default=[],
        metavar="REPO",
        help="also measure this git repository as it is (repeatable); its "
        ".git/djrefactor/cache is written and cleared",
    )
    parser.add_argument(
        "--formatters",
        choices=sorted(FORMATTERS),
        help="also measure each monolith size with these formatters configured (no target)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="take the best of K runs")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    parser.add_argument(
        "--profile",
        type=int,
        metavar="SIZE",
        help="instead of measuring, cProfile one cold plan of a SIZE-line monolith "
        "(with --huge-views: of the huge views repo instead)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the generated repositories")
    parser.add_argument("--child", choices=[*MODES, "profile"], help=argparse.SUPPRESS)
    parser.add_argument("--repo", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--skip", default="", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def measure_all(args: argparse.Namespace, workdir: Path) -> list[Row]:
    repeat, memory_only = max(args.repeat, 1), args.memory_only
    rows = []
    for size in (int(size) for size in args.sizes.split(",") if size.strip()):
        files = generate_files(size, args.seed)
        repo = workdir / f"legacy_{size}"
        rows.append(bench_repo(repo, files, MONOLITH, size, repeat, memory_only))
        if args.formatters:
            files["pyproject.toml"] = FORMATTERS[args.formatters]
            repo = workdir / f"legacy_{size}_{args.formatters.replace('+', '_')}"
            kind = f"{MONOLITH} + {args.formatters}"
            rows.append(bench_repo(repo, files, kind, size, repeat, memory_only))
    if args.huge_views:
        files = generate_huge_views_files(args.huge_views, args.seed)
        views = max(files.items(), key=lambda item: non_blank_lines(item[1]))
        log(f"huge views: {views[0]} has {non_blank_lines(views[1])} non-blank lines")
        repo = workdir / f"huge_views_{args.huge_views}"
        rows.append(bench_repo(repo, files, HUGE_VIEWS, args.huge_views, repeat, memory_only))
    for existing in args.existing:
        rows.append(bench_existing(existing.resolve(), repeat, memory_only))
    return rows


def profile(args: argparse.Namespace, workdir: Path, skip: Sequence[str]) -> None:
    repo = workdir / "profiled"
    if args.huge_views:
        write_repo(repo, generate_huge_views_files(args.huge_views, args.seed))
    else:
        write_repo(repo, generate_files(args.profile, args.seed))
    print(run_child("profile", repo, skip))


def report(rows: Sequence[Row], json_file: Path | None) -> None:
    found, checks = exponents(rows), targets(rows)
    if json_file is not None:  # first: the numbers survive a closed stdout
        data = {
            "rows": [row_json(row) for row in rows],
            "exponents": found,
            "targets": [asdict(t) | {"met": t.met} for t in checks],
        }
        json_file.write_text(json.dumps(data, indent=2) + "\n")
    print(summary_table(rows))
    print()
    print(exponent_line(found))
    print(targets_text(checks))
    print()
    for row in rows:
        print(steps_table(row))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    skip = [name for name in args.skip.split(",") if name]
    if args.child:
        child(args.child, args.repo, skip)
    workdir = Path(tempfile.mkdtemp(prefix="djrefactor-bench-"))
    try:
        if args.profile:
            profile(args, workdir, skip)
            return 0
        rows = measure_all(args, workdir)
    finally:
        if args.keep:
            log(f"repositories kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    report(rows, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
