"""What a module's import statements name: relative imports resolved to absolute modules."""

from __future__ import annotations


def resolve_relative(
    module: str | None, is_package: bool, level: int, name: str | None
) -> str | None:
    """The absolute module a `from <level dots><name> import ...` in `module` refers to."""
    if level == 0:
        return name
    if module is None:
        return None
    package = module.split(".") if is_package else module.split(".")[:-1]
    if level - 1 >= len(package):  # above the top-level package: an ImportError in Python
        return None
    base = package[: len(package) - (level - 1)]
    parts = base + ([name] if name else [])
    return ".".join(parts) or None
