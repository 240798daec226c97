"""Rule 1: split settings; DEBUG and the secret in what production runs."""

from __future__ import annotations

import pytest

from djrefactor.audit import split_settings
from tests.audit.cases import found, legacy, split

ONE_MODULE = "mysite/settings.py: one settings module serves every environment"


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param(legacy(), [ONE_MODULE], id="unsplit, secret and debug from the environment"),
        pytest.param(
            legacy('SECRET_KEY = "x7"\nDEBUG = True\n'),
            [
                ONE_MODULE,
                "mysite/settings.py:2: DEBUG is on in what production runs",
                "mysite/settings.py:1: SECRET_KEY is written in the code",
            ],
            id="hard-coded secret and DEBUG",
        ),
        pytest.param(
            legacy(
                'SECRET_KEY = env("SECRET_KEY", default="django-insecure-1")\n'
                'DEBUG = env.bool("DEBUG", default=True)\n'
            ),
            [
                ONE_MODULE,
                "mysite/settings.py:2: DEBUG defaults to on",
                "mysite/settings.py:1: SECRET_KEY falls back to a secret written in the code",
            ],
            id="environment lookups with committed defaults",
        ),
        pytest.param(
            legacy('SECRET_KEY = os.environ.get("SECRET_KEY", "fallback")\n'),
            [
                ONE_MODULE,
                "mysite/settings.py:1: SECRET_KEY falls back to a secret written in the code",
            ],
            id="os.environ.get with a positional default",
        ),
        pytest.param(
            split(**{"config/settings/production.py": "from .base import *\n\nDEBUG = True\n"}),
            ["config/settings/production.py:3: DEBUG is on in what production runs"],
            id="split, production turns DEBUG on",
        ),
        pytest.param(
            split(
                **{
                    "config/settings/base.py": 'SECRET_KEY = "committed"\n',
                    "config/settings/production.py": "from .base import *\n\nDEBUG = False\n",
                }
            ),
            ["config/settings/base.py:1: SECRET_KEY is written in the code"],
            id="split, production inherits the shared secret",
        ),
    ],
)
def test_findings(files: dict[str, str], expected: list[str]) -> None:
    assert sorted(found(split_settings, files)) == sorted(expected)


@pytest.mark.parametrize(
    "files",
    [
        pytest.param(split(), id="split, production reads the environment"),
        pytest.param(
            split(
                **{
                    "config/settings/base.py": 'SECRET_KEY = "shared"\n',
                }
            ),
            id="a committed secret that production overrides",
        ),
        pytest.param(
            split(
                **{
                    "config/settings/production.py": (
                        "from .base import *\n\nSECRET_KEY = _required('DJANGO_SECRET_KEY')\n"
                        "DEBUG = env.bool('DEBUG', default=False)\n"
                    )
                }
            ),
            id="a helper that fails without the variable, DEBUG defaulting off",
        ),
        pytest.param(
            split(**{"config/settings/production.py": 'SECRET_KEY = os.environ.get("K", "")\n'}),
            id="an empty default is no committed secret",
        ),
    ],
)
def test_no_finding(files: dict[str, str]) -> None:
    assert found(split_settings, files) == []
