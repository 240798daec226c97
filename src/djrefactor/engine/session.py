"""Open a repository: git handle, configuration, the loaded Project and the chosen codemods."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from djrefactor.config import Options, read_config
from djrefactor.engine.loading import load_project
from djrefactor.engine.planning import Progress, build_plan, quiet
from djrefactor.engine.registry import Codemod, available_codemods, select
from djrefactor.git import Repository
from djrefactor.model import Plan
from djrefactor.project import Project


@dataclass
class Session:
    """An opened repository: git handle, configuration and the loaded Project."""

    repo: Repository
    root: Path
    project: Project
    codemods: list[Codemod] = field(default_factory=list)


def open_session(
    path: Path,
    overrides: Options,
    progress: Progress = quiet,
) -> Session:
    repo = Repository.open(path)
    root = repo.root
    config = read_config(root, path.resolve() if path.resolve() != root else None)
    config = config.overridden(overrides)
    progress("reading files", 0, 1)
    project = load_project(root, repo.tracked_files(), config)
    progress("reading files", 1, 1)
    project.facts.require_settings()
    codemods = select(available_codemods(), config.only, config.skip)
    return Session(repo=repo, root=root, project=project, codemods=codemods)


def plan(path: Path, options: Options, progress: Progress = quiet) -> Planned:
    """Open the repository at `path` and compute its plan: what `djrefactor plan` shows."""
    session = open_session(path, options, progress)
    return Planned(session, build_plan(session.project, session.codemods, progress))


@dataclass(frozen=True)
class Planned:
    """A plan and the session it was computed in (`apply` commits it there)."""

    session: Session
    plan: Plan
