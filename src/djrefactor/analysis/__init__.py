"""Read-only analysis shared by the engine and every codemod: trees, names and scopes, imports.

Nothing here edits code or touches the disk; each part has its own tests.
"""
