"""The engine: load the repo once, run the codemods in order on a shared snapshot, build a Plan,
and hand the same Plan to git. It knows the codemod protocol, never a codemod by name.

What a codemod may use is re-exported here: `Project` (the snapshot it reads), `Changes` (what
it asks for), `ImportRequest` (an import a file needs), `Note`, `Redirect`, and the helpers
codemods share (`pin_task_names`: Celery task names that survive a move).
"""

from djrefactor.config import Config
from djrefactor.discovery import Facts
from djrefactor.engine.applying import (
    NO_VERIFICATION,
    ApplyResult,
    Verification,
    VerifyFailed,
    apply_plan,
    choose_verification,
    commit_message,
    detect_verification,
    tail,
)
from djrefactor.engine.describing import (
    OPERATORS,
    NoteGroup,
    grouped_notes,
    in_original_tree,
    located_notes,
    operator_notes,
    pr_description,
)
from djrefactor.engine.interrupts import Interrupted, exit_code, raise_on_sigterm
from djrefactor.engine.loading import load_project, new_project
from djrefactor.engine.moves import apply_changes
from djrefactor.engine.planning import Progress, build_plan, describe_crash, file_changes
from djrefactor.engine.registry import Codemod, available_codemods, order, select
from djrefactor.engine.saved import SavedPlan, check_target, load_saved_plan, save_plan, write_file
from djrefactor.engine.session import Planned, Session, finish_plan, open_session, plan
from djrefactor.engine.tasks import pin_task_names
from djrefactor.engine.undoing import Undone, undo
from djrefactor.errors import DjrefactorError, UsageError
from djrefactor.model import Changes, ImportRequest, Note, Plan, Redirect, Source, Step
from djrefactor.project import Project

__all__ = [
    "NO_VERIFICATION",
    "OPERATORS",
    "NoteGroup",
    "ApplyResult",
    "Changes",
    "Codemod",
    "Config",
    "DjrefactorError",
    "Facts",
    "ImportRequest",
    "Interrupted",
    "Note",
    "Plan",
    "Planned",
    "Progress",
    "Project",
    "Redirect",
    "SavedPlan",
    "Session",
    "Source",
    "Step",
    "Undone",
    "UsageError",
    "Verification",
    "VerifyFailed",
    "apply_changes",
    "apply_plan",
    "check_target",
    "choose_verification",
    "available_codemods",
    "build_plan",
    "commit_message",
    "describe_crash",
    "detect_verification",
    "exit_code",
    "file_changes",
    "finish_plan",
    "grouped_notes",
    "in_original_tree",
    "located_notes",
    "operator_notes",
    "pr_description",
    "load_project",
    "load_saved_plan",
    "new_project",
    "open_session",
    "order",
    "pin_task_names",
    "plan",
    "raise_on_sigterm",
    "save_plan",
    "select",
    "tail",
    "undo",
    "write_file",
]
