"""The codemods: one module each, discovered by walking this package (no central list)."""
