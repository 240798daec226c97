"""Package discovery for the two source roots; everything else is in pyproject.toml.

`djrefactor` lives in src/, its codemods in the top-level codemods/ folder, installed as
`djrefactor.codemods` (the `package-dir` mapping in pyproject.toml). A codemod package added to
codemods/ is found here, so adding a codemod touches no configuration.
"""

from setuptools import find_packages, setup

CODEMODS = "djrefactor.codemods"

setup(
    packages=[
        *find_packages("src"),
        CODEMODS,
        *(f"{CODEMODS}.{name}" for name in find_packages("codemods")),
    ],
)
