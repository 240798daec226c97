"""add-layering-contract: import-linter's contract written in the project's own config file
(merged beside the team's), and the imports that break it noted with `file:line`.

The last tests run the real `lint-imports` on a restructured fixture (skipped without it)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from textwrap import dedent

import pytest

from tests.helpers import MINI_DJANGO, assert_noop, assert_rewrites, codemod, make_project

VENDORS = """\
    "Adyen",
    "adyen",
    "algoliasearch",
    "anthropic",
    "authy",
    "boto3",
    "botocore",
    "braintree",
    "cohere",
    "firebase_admin",
    "httpx",
    "hubspot",
    "mailchimp3",
    "mailchimp_marketing",
    "mailjet_rest",
    "messagebird",
    "mollie",
    "nexmo",
    "openai",
    "paypalcheckoutsdk",
    "paypalhttp",
    "paypalrestsdk",
    "plaid",
    "postmarker",
    "pusher",
    "python_http_client",
    "razorpay",
    "replicate",
    "requests",
    "sendgrid",
    "shopify",
    "slack",
    "slack_sdk",
    "square",
    "stripe",
    "telegram",
    "tweepy",
    "twilio",
    "vonage",
"""


def layered(**extra: str) -> dict[str, str]:
    """MINI_DJANGO after the restructure: a thin view, a service, a Stripe integration."""
    files = dict(MINI_DJANGO)
    files.update(
        {
            "shop/models.py": "",
            "shop/views.py": """
                from django.http import HttpResponse

                from services import shop as services


                def index(request):
                    services.charge(request.user)
                    return HttpResponse("ok")
            """,
            "shop/tests/__init__.py": "",
            "shop/tests/test_views.py": "import stripe\n",
            "services/__init__.py": "",
            "services/shop.py": """
                from integrations.stripe import create_charge


                def charge(user):
                    return create_charge(customer=user.email)
            """,
            "integrations/__init__.py": "",
            "integrations/stripe.py": """
                import stripe


                def create_charge(**kwargs):
                    return stripe.Charge.create(**kwargs)
            """,
        }
    )
    files.update(extra)
    return files


COMMENT_TOML = """\
    # Layering contract (djrefactor add-layering-contract), checked by `lint-imports`.
    # The djrefactor-* contracts follow the layout when djrefactor runs again; ignore_imports
    # added to them stay. `djrefactor plan` also checks that services import no HTTP module
    # (django.http, django.shortcuts...), which import-linter cannot name.
"""

TOML_CONTRACTS = """\
    [[tool.importlinter.contracts]]
    id = "djrefactor-integrations"
    name = "integrations import nothing from services or apps"
    type = "forbidden"
    source_modules = ["integrations"]
    forbidden_modules = ["services", "shop"]
    allow_indirect_imports = true

    [[tool.importlinter.contracts]]
    id = "djrefactor-services"
    name = "services never import views or serializers"
    type = "forbidden"
    source_modules = ["services"]
    forbidden_modules = ["**.serializers", "**.views", "**.viewsets"]
    allow_indirect_imports = true

    [[tool.importlinter.contracts]]
    id = "djrefactor-vendors"
    name = "vendor SDKs are imported only in integrations"
    type = "forbidden"
    source_modules = ["mysite", "services", "shop"]
    forbidden_modules = [
{vendors}    ]
    ignore_imports = ["**.tests -> *", "**.tests.** -> *"]
    unmatched_ignore_imports_alerting = "none"
    allow_indirect_imports = true
""".format(vendors="".join(f"    {line}\n" for line in VENDORS.splitlines()))

SESSION_TOML = """\
    [tool.importlinter]
    root_packages = ["integrations", "mysite", "services", "shop"]
    include_external_packages = true
"""

INI = """\
    # Layering contract (djrefactor add-layering-contract), checked by `lint-imports`.
    # The djrefactor-* contracts follow the layout when djrefactor runs again; ignore_imports
    # added to them stay. `djrefactor plan` also checks that services import no HTTP module
    # (django.http, django.shortcuts...), which import-linter cannot name.
    [importlinter]
    root_packages =
        integrations
        mysite
        services
        shop
    include_external_packages = True

    [importlinter:contract:djrefactor-integrations]
    name = integrations import nothing from services or apps
    type = forbidden
    source_modules =
        integrations
    forbidden_modules =
        services
        shop
    allow_indirect_imports = True

    [importlinter:contract:djrefactor-services]
    name = services never import views or serializers
    type = forbidden
    source_modules =
        services
    forbidden_modules =
        **.serializers
        **.views
        **.viewsets
    allow_indirect_imports = True

    [importlinter:contract:djrefactor-vendors]
    name = vendor SDKs are imported only in integrations
    type = forbidden
    source_modules =
        mysite
        services
        shop
    forbidden_modules =
{vendors}    ignore_imports =
        **.tests -> *
        **.tests.** -> *
    unmatched_ignore_imports_alerting = none
    allow_indirect_imports = True
""".format(vendors="".join(f"        {line.strip()[1:-2]}\n" for line in VENDORS.splitlines()))


def test_without_a_pyproject_the_contract_is_a_new_importlinter_file() -> None:
    assert_rewrites("add-layering-contract", layered(), {".importlinter": INI}, notes=[])


def test_a_pyproject_without_the_table_gets_it_appended() -> None:
    before = layered(**{"pyproject.toml": "[tool.ruff]\nline-length = 100\n"})
    after = "[tool.ruff]\nline-length = 100\n\n" + dedent(COMMENT_TOML + SESSION_TOML)
    after += "\n" + dedent(TOML_CONTRACTS)
    assert_rewrites("add-layering-contract", before, {"pyproject.toml": after}, notes=[])


TEAM_TOML = """\
    [tool.importlinter]
    root_package = "shop"
    # the team's own rule
    [[tool.importlinter.contracts]]
    name = "models never import views"
    type = "forbidden"
    source_modules = ["shop.models"]
    forbidden_modules = ["shop.views"]

    [tool.ruff]
    line-length = 100
"""


def test_merged_into_the_teams_table_without_touching_its_contracts() -> None:
    before = layered(**{"pyproject.toml": TEAM_TOML})
    after = (
        dedent(SESSION_TOML)
        + dedent(
            """\
            # the team's own rule
            [[tool.importlinter.contracts]]
            name = "models never import views"
            type = "forbidden"
            source_modules = ["shop.models"]
            forbidden_modules = ["shop.views"]

            """
        )
        + dedent(TOML_CONTRACTS)
        + "\n[tool.ruff]\nline-length = 100\n"
    )
    assert_rewrites("add-layering-contract", before, {"pyproject.toml": after}, notes=[])


def test_an_outdated_djrefactor_contract_is_rewritten_and_keeps_the_teams_ignores() -> None:
    current = dedent(INI)
    expected = current.replace(
        "    **.tests.** -> *\n", "    **.tests.** -> *\n    shop.admin -> stripe\n"
    )
    outdated = current.replace(
        "forbidden_modules =\n    services\n    shop\nallow",
        "forbidden_modules =\n    services\nallow",
    ).replace("ignore_imports =\n", "ignore_imports =\n    shop.admin -> stripe\n")
    assert outdated.count("shop.admin") == expected.count("shop.admin") == 1
    assert_rewrites(
        "add-layering-contract",
        layered(**{".importlinter": outdated}),
        {".importlinter": expected},
        notes=[],
    )


def test_setup_cfg_holding_the_configuration_is_where_it_is_merged() -> None:
    setup_cfg = "[flake8]\nmax-line-length = 100\n\n[importlinter]\nroot_package = shop\n"
    files = layered(**{"setup.cfg": setup_cfg, "pyproject.toml": "[tool.ruff]\n"})
    project = make_project(files)
    changes = codemod("add-layering-contract").run(project)
    assert set(changes.writes) == {"setup.cfg"}, "import-linter reads setup.cfg first"
    without_comment = dedent(INI).split("[importlinter]\n", 1)[1]
    expected = "[flake8]\nmax-line-length = 100\n\n[importlinter]\n" + without_comment
    assert changes.writes["setup.cfg"] == expected


def test_a_table_written_another_way_is_left_with_the_block_to_paste() -> None:
    inline = (
        "[tool.importlinter]\nroot_packages = ['shop']\ncontracts = [{name = 'n', "
        "type = 'forbidden', source_modules = ['shop'], forbidden_modules = ['services']}]\n"
    )
    changes = assert_noop("add-layering-contract", layered(**{"pyproject.toml": inline}))
    [note] = changes.notes
    assert note.path == "pyproject.toml"
    assert note.message.startswith("the layering contract could not be merged here")
    assert '[[tool.importlinter.contracts]]\nid = "djrefactor-vendors"' in note.message


@pytest.mark.parametrize(
    "files",
    [
        pytest.param(dict(MINI_DJANGO), id="no services or integrations"),
        pytest.param(
            {k: v for k, v in layered().items() if not k.startswith("services/")},
            id="integrations without services",
        ),
        pytest.param(layered(**{".importlinter": INI}), id="already written"),
        pytest.param(
            layered(
                **{
                    "pyproject.toml": dedent(SESSION_TOML).replace(
                        '"integrations", "mysite", "services", "shop"',
                        '"shop", "services", "mysite", "integrations", "tools"',
                    )
                    + "\n"
                    + dedent(TOML_CONTRACTS).replace("= true", "= 'True'")
                }
            ),
            id="same meaning written differently, with an extra root package",
        ),
    ],
)
def test_noop(files: dict[str, str]) -> None:
    assert_noop("add-layering-contract", files, notes=[])


def test_external_packages_turned_off_is_left_with_a_note() -> None:
    pyproject = "[tool.importlinter]\nroot_package = 'shop'\ninclude_external_packages = false\n"
    assert_noop(
        "add-layering-contract",
        layered(**{"pyproject.toml": pyproject}),
        notes=[
            "pyproject.toml: include_external_packages is false: the vendor contract needs it; "
            "set it to true (it only adds the outside packages to the graph) and run djrefactor "
            "again"
        ],
    )


def test_imports_that_break_the_contract_are_notes_with_file_and_line() -> None:
    files = layered(
        **{
            ".importlinter": INI,
            "integrations/stripe.py": """
                import stripe

                from services.shop import charge


                def create_charge(**kwargs):
                    return stripe.Charge.create(**kwargs)
            """,
            "services/shop.py": """
                from django.shortcuts import redirect

                from integrations.stripe import create_charge
                from shop.views import index


                def charge(user):
                    return create_charge(customer=user.email)
            """,
            "shop/views.py": """
                import stripe as s
                from django.http import HttpResponse


                def index(request):
                    return HttpResponse(s.api_key)
            """,
            "shop/tests/test_views.py": "import stripe\nfrom django.shortcuts import render\n",
        }
    )
    assert_noop(
        "add-layering-contract",
        files,
        notes=[
            "integrations/stripe.py:3: layering contract broken: imports services.shop.charge: "
            "integrations wrap a vendor and import nothing from services or apps; pass what the "
            "wrapper needs as arguments",
            "services/shop.py:1: layering contract broken: imports django.shortcuts.redirect, an "
            "HTTP module: services take plain values and return them; build the response (and "
            "its messages) in the view",
            "services/shop.py:4: layering contract broken: imports shop.views.index: services "
            "never import views or serializers; move what it uses into the service, a model or "
            "a plain module both can import",
            "shop/views.py:1: layering contract broken: imports stripe: vendor SDKs are imported "
            "only in integrations/; call a wrapper in integrations/ instead",
        ],
    )


# -- the real tool -----------------------------------------------------------------------------
LINT_IMPORTS = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
needs_lint_imports = pytest.mark.skipif(
    LINT_IMPORTS is None, reason="import-linter is not installed (pip install -e '.[test]')"
)


@pytest.fixture(scope="module")
def restructured(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """fixtures/clinic after `djrefactor apply` (the contract is one of its steps)."""
    from tests.e2e.test_fixtures import copy_fixture, djrefactor

    repo = copy_fixture("clinic", tmp_path_factory.mktemp("contract") / "clinic")
    result = djrefactor("apply", ".", cwd=repo)
    assert result.returncode == 0, result.stderr
    return repo


def lint_imports(repo: Path) -> subprocess.CompletedProcess[str]:
    assert LINT_IMPORTS is not None
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache"], cwd=repo, capture_output=True, text=True, check=False
    )


@needs_lint_imports
def test_lint_imports_keeps_every_contract_on_a_restructured_fixture(restructured: Path) -> None:
    assert (restructured / ".importlinter").is_file()
    result = lint_imports(restructured)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 3 kept, 0 broken." in result.stdout


@needs_lint_imports
def test_lint_imports_and_plan_both_catch_a_vendor_import_added_to_a_view(
    restructured: Path, tmp_path: Path
) -> None:
    from tests.e2e.test_fixtures import djrefactor
    from tests.helpers import git_run

    repo = tmp_path / "clinic"
    shutil.copytree(restructured, repo)
    views = repo / "appointments" / "views.py"
    views.write_text("import stripe  # noqa\n" + views.read_text(encoding="utf-8"), "utf-8")
    git_run(repo, "commit", "-qam", "a shortcut")
    result = lint_imports(repo)
    assert result.returncode == 1
    assert "vendor SDKs are imported only in integrations BROKEN" in result.stdout
    assert "appointments.views -> stripe (l.1)" in result.stdout
    plan = djrefactor("plan", ".", cwd=repo)
    assert (
        "note [add-layering-contract]: appointments/views.py:1: layering contract broken: "
        "imports stripe: vendor SDKs are imported only in integrations/"
    ) in plan.stderr
