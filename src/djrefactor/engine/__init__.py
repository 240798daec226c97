"""The engine: load the repo once, run the codemods in order on a shared snapshot, build a Plan,
and hand the same Plan to git. It knows the codemod protocol, never a codemod by name.

What a codemod may use is re-exported here: `Project` (the snapshot it reads), `Changes` (what
it asks for), `ImportRequest` (an import a file needs), `Note`, `Redirect`.
"""

from djrefactor.config import Config
from djrefactor.discovery import Facts
from djrefactor.engine.applying import ApplyResult, apply_plan, commit_message
from djrefactor.engine.loading import load_project, new_project
from djrefactor.engine.moves import apply_changes
from djrefactor.engine.planning import Progress, build_plan, file_changes
from djrefactor.engine.registry import Codemod, available_codemods, order, select
from djrefactor.engine.session import Planned, Session, open_session, plan
from djrefactor.errors import DjrefactorError, UsageError
from djrefactor.model import Changes, ImportRequest, Note, Plan, Redirect, Source, Step
from djrefactor.project import Project

__all__ = [
    "ApplyResult",
    "Changes",
    "Codemod",
    "Config",
    "DjrefactorError",
    "Facts",
    "ImportRequest",
    "Note",
    "Plan",
    "Planned",
    "Progress",
    "Project",
    "Redirect",
    "Session",
    "Source",
    "Step",
    "UsageError",
    "apply_changes",
    "apply_plan",
    "available_codemods",
    "build_plan",
    "commit_message",
    "file_changes",
    "load_project",
    "new_project",
    "open_session",
    "order",
    "plan",
    "select",
]
