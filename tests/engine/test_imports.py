"""The import editor: requested imports added where isort would put them, imports a change left
unused removed; before/after pairs per rule, a differential test against ruff's isort, and the
wiring through `apply_changes`."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import libcst as cst
import pytest

from djrefactor.engine import Changes, ImportRequest, apply_changes
from djrefactor.engine.import_style import ImportStyle
from djrefactor.engine.imports import add_imports, remove_unused_imports
from tests.helpers import make_project

R = ImportRequest
FIRST_PARTY = frozenset({"shop", "mysite", "integrations", "services"})
STYLE = ImportStyle(detected_first_party=FIRST_PARTY)
BLACK = ImportStyle(line_length=88, detected_first_party=FIRST_PARTY, newline_before_comments=True)


def source(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def add(
    text: str,
    requests: list[ImportRequest],
    style: ImportStyle = STYLE,
    module: str = "shop.views",
    is_package: bool = False,
) -> str:
    tree = add_imports(cst.parse_module(source(text)), requests, style, module, is_package)
    return tree.code


def remove(before: str | None, after: str, style: ImportStyle = STYLE, **flags: bool) -> cst.Module:
    old = cst.parse_module(source(before)) if before is not None else None
    return remove_unused_imports(old, cst.parse_module(source(after)), style, **flags)


# -- adding -------------------------------------------------------------------------------------
ADDED = [
    pytest.param(
        """
        from django.db import models
        """,
        [R("django.db", "transaction")],
        STYLE,
        """
        from django.db import models, transaction
        """,
        id="joins an existing from-import",
    ),
    pytest.param(
        """
        from shop.models import DEFAULT, Order, build
        """,
        [R("shop.models", "total"), R("shop.models", "MAX"), R("shop.models", "Item")],
        STYLE,
        """
        from shop.models import DEFAULT, MAX, Item, Order, build, total
        """,
        id="names ordered by type: constants, classes, functions",
    ),
    pytest.param(
        """
        from shop.models import helper, Order
        """,
        [R("shop.models", "MAX")],
        ImportStyle(order_by_type=False),
        """
        from shop.models import helper, MAX, Order
        """,
        id="order-by-type off sorts names case-insensitively",
    ),
    pytest.param(
        """
        from shop import v2, v10
        """,
        [R("shop", "v3")],
        STYLE,
        """
        from shop import v2, v3, v10
        """,
        id="natural order of numbers",
    ),
    pytest.param(
        """
        import os
        import sys
        """,
        [R("json")],
        STYLE,
        """
        import json
        import os
        import sys
        """,
        id="new module in an existing section",
    ),
    pytest.param(
        """
        import os
        """,
        [R("pathlib", "Path")],
        STYLE,
        """
        import os
        from pathlib import Path
        """,
        id="from-import after the plain imports of its section",
    ),
    pytest.param(
        """
        import os

        from shop.models import Order
        """,
        [R("requests")],
        STYLE,
        """
        import os

        import requests

        from shop.models import Order
        """,
        id="new section between stdlib and first-party",
    ),
    pytest.param(
        """
        import os

        from shop.models import Order
        """,
        [R(".forms", "OrderForm"), R("..base", "View")],
        STYLE,
        """
        import os

        from shop.models import Order

        from ..base import View
        from .forms import OrderForm
        """,
        id="relative imports go last, furthest first",
    ),
    pytest.param(
        '''
        """Views."""
        import os
        ''',
        [R("__future__", "annotations")],
        STYLE,
        '''
        """Views."""
        from __future__ import annotations

        import os
        ''',
        id="future import stays first, after the docstring",
    ),
    pytest.param(
        '''
        #!/usr/bin/env python
        # -*- coding: utf-8 -*-
        """Run the shop."""

        main()
        ''',
        [R("sys")],
        STYLE,
        '''
        #!/usr/bin/env python
        # -*- coding: utf-8 -*-
        """Run the shop."""

        import sys

        main()
        ''',
        id="docstring and shebang stay on top",
    ),
    pytest.param(
        """
        # Build the shop.

        def build():
            return 1
        """,
        [R("django.conf", "settings"), R("os")],
        STYLE,
        """
        # Build the shop.

        import os

        from django.conf import settings


        def build():
            return 1
        """,
        id="a file with no imports: two blank lines before a def",
    ),
    pytest.param(
        '''
        """Settings."""
        # Where the project lives
        BASE_DIR = "."
        ''',
        [R("os")],
        STYLE,
        '''
        """Settings."""

        import os

        # Where the project lives
        BASE_DIR = "."
        ''',
        id="a file with no imports: one blank line before code and its comment",
    ),
    pytest.param(
        """
        x = 1
        """,
        [R("os")],
        ImportStyle(lines_after_imports=3),
        """
        import os



        x = 1
        """,
        id="lines-after-imports",
    ),
    pytest.param(
        """
        import sys
        import os
        """,
        [R("tempfile")],
        STYLE,
        """
        import sys
        import os
        import tempfile
        """,
        id="an unsorted file is extended without reordering",
    ),
    pytest.param(
        """
        from django.db import models
        """,
        [R("django.db", "transaction")],
        ImportStyle(force_single_line=True),
        """
        from django.db import models
        from django.db import transaction
        """,
        id="force-single-line",
    ),
    pytest.param(
        """
        from datetime import date
        import os
        """,
        [R("collections"), R("json", "dumps")],
        ImportStyle(force_sort_within_sections=True),
        """
        import collections
        from datetime import date
        from json import dumps
        import os
        """,
        id="force-sort-within-sections",
    ),
    pytest.param(
        """
        import Crypto
        import django
        """,
        [R("boto3")],
        ImportStyle(case_sensitive=True),
        """
        import Crypto
        import boto3
        import django
        """,
        id="case-sensitive",
    ),
    pytest.param(
        """
        import Crypto
        import django
        """,
        [R("boto3")],
        STYLE,
        """
        import boto3
        import Crypto
        import django
        """,
        id="case-insensitive by default",
    ),
    pytest.param(
        """
        from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
        """,
        [R("django.http", "StreamingHttpResponse")],
        BLACK,
        """
        from django.http import (
            Http404,
            HttpResponse,
            HttpResponseRedirect,
            JsonResponse,
            StreamingHttpResponse,
        )
        """,
        id="profile black: a one-liner over 88 columns becomes a vertical hanging indent",
    ),
    pytest.param(
        """
        from django.http import Http404, HttpResponse  # noqa: F401
        """,
        [R("django.http", "HttpResponseRedirectBase"), R("django.http", "JsonResponse")],
        BLACK,
        """
        from django.http import (  # noqa: F401
            Http404,
            HttpResponse,
            HttpResponseRedirectBase,
            JsonResponse,
        )
        """,
        id="the comment of a wrapped line goes after the parenthesis",
    ),
    pytest.param(
        """
        import os
        """,
        [R("integrations.payments.stripe_gateway", "create_payment_intent_for_order")],
        ImportStyle(line_length=60, detected_first_party=FIRST_PARTY),
        """
        import os

        from integrations.payments.stripe_gateway import (
            create_payment_intent_for_order,
        )
        """,
        id="a new statement over the line length is wrapped",
    ),
    pytest.param(
        """
        from shop.models import (
            Order,  # the order
            # lines of an order
            OrderLine,
            Shipment,
        )
        """,
        [R("shop.models", "OrderItem"), R("shop.models", "Product"), R("shop.models", "Address")],
        STYLE,
        """
        from shop.models import (
            Address,
            Order,  # the order
            OrderItem,
            # lines of an order
            OrderLine,
            Product,
            Shipment,
        )
        """,
        id="a parenthesised import gets one more line per name, comments kept in place",
    ),
    pytest.param(
        """
        from shop.models import (
            Order,
            Shipment  # last
        )
        """,
        [R("shop.models", "Tracking")],
        STYLE,
        """
        from shop.models import (
            Order,
            Shipment,  # last
            Tracking
        )
        """,
        id="a parenthesised import without trailing comma stays without",
    ),
    pytest.param(
        """
        from django.db import models
        """,
        [R("django.db", "transaction", "tx")],
        STYLE,
        """
        from django.db import models
        from django.db import transaction as tx
        """,
        id="an aliased name gets its own statement",
    ),
    pytest.param(
        """
        from django.db import models
        """,
        [R("django.db", "transaction", "tx")],
        ImportStyle(combine_as_imports=True),
        """
        from django.db import models, transaction as tx
        """,
        id="combine-as-imports",
    ),
    pytest.param(
        """
        import os
        """,
        [R("numpy", alias="np"), R("os.path")],
        STYLE,
        """
        import os
        import os.path

        import numpy as np
        """,
        id="plain imports with and without alias",
    ),
    pytest.param(
        """
        import a.b
        """,
        [R("a", "b")],
        STYLE,
        """
        import a.b
        from a import b
        """,
        id="import a.b does not satisfy from a import b",
    ),
    pytest.param(
        """
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            pass
        except ClientError:
            pass
        """,
        [R("integrations.aws", "ClientError")],
        STYLE,
        """
        from botocore.exceptions import BotoCoreError

        from integrations.aws import ClientError

        try:
            pass
        except ClientError:
            pass
        """,
        id="a request replaces an import binding its name to something else",
    ),
    pytest.param(
        """
        import os

        # Our code
        from shop.models import Order
        """,
        [R("services", "shop", "services")],
        BLACK,
        """
        import os

        from services import shop as services

        # Our code
        from shop.models import Order
        """,
        id="the comment above an import stays with it",
    ),
]


@pytest.mark.parametrize("before, requests, style, after", ADDED)
def test_add_imports(before, requests, style, after):
    result = add(before, requests, style)
    assert result == source(after)
    assert add(result, requests, style) == result, "a second run changes the file again"


UNCHANGED = [
    pytest.param("from django.db import models\n", [R("django.db", "models")], id="already there"),
    pytest.param(
        "from shop.models import Order\n", [R(".models", "Order")], id="absolute spelling"
    ),
    pytest.param(
        "from .models import Order\n", [R("shop.models", "Order")], id="relative spelling"
    ),
    pytest.param("from . import models\n", [R("shop", "models")], id="relative package import"),
    pytest.param("import os.path\n", [R("os.path")], id="dotted module"),
    pytest.param("import numpy as np\n", [R("numpy", alias="np")], id="aliased module"),
    pytest.param(
        "from django.db import transaction as tx\n",
        [R("django.db", "transaction", "tx")],
        id="aliased name",
    ),
    pytest.param(
        "from shop.models import Order\n",
        [R("shop.models", "Order", "Order")],
        id="alias equal to the name",
    ),
    pytest.param("from __future__ import annotations\n", [R("__future__", "annotations")]),
    pytest.param(
        "from shop.models import (\n    Item,\n    Order,\n)\n",
        [R("shop.models", "Order"), R("shop.models", "Item"), R("shop.models", "Order")],
        id="repeated requests in a parenthesised import",
    ),
    pytest.param(
        "x = 1\nfrom shop.models import Order\n",
        [R("shop.models", "Order")],
        id="imported further down at module level",
    ),
    pytest.param("import os\n", [], id="no requests"),
]


@pytest.mark.parametrize("before, requests", UNCHANGED)
def test_add_imports_leaves_satisfied_files_alone(before, requests):
    tree = cst.parse_module(before)
    assert add_imports(tree, requests, STYLE, "shop.views", False) is tree


@pytest.mark.parametrize(
    "before, module, is_package",
    [
        pytest.param("from .models import Order\n", "shop", True, id="package __init__"),
        pytest.param("from ..models import Order\n", "shop.views.list", False, id="two dots"),
    ],
)
def test_relative_spellings_resolve_from_the_module(before, module, is_package):
    tree = cst.parse_module(before)
    assert add_imports(tree, [R("shop.models", "Order")], STYLE, module, is_package) is tree


def test_an_empty_file_gets_its_imports_and_a_final_newline():
    assert add("", [R("os")]) == "import os\n"


def test_replacing_the_only_import_keeps_the_final_newline():
    result = add("from stripe import Charge\n", [R("integrations.stripe", "Charge")])
    assert result == "from integrations.stripe import Charge\n"


@pytest.mark.parametrize(
    "before, requests, message",
    [
        pytest.param("", [R(".models")], "invalid import request", id="relative plain import"),
        pytest.param("", [R("shop", "class")], "invalid import request", id="keyword name"),
        pytest.param("", [R("shop models")], "invalid import request", id="not a module"),
        pytest.param(
            "def Order():\n    pass\n",
            [R("shop.models", "Order")],
            "cannot import 'Order': the module defines that name",
            id="clash with a definition",
        ),
        pytest.param(
            "",
            [R("shop.models", "Order"), R("billing.models", "Order")],
            "conflicting import requests for the name 'Order'",
            id="two requests for one name",
        ),
    ],
)
def test_add_imports_rejects_bad_requests(before, requests, message):
    with pytest.raises(ValueError, match=message):
        add(before, requests)


# -- removing -----------------------------------------------------------------------------------
REMOVED = [
    pytest.param(
        """
        from django.db import models, transaction

        transaction.atomic(models)
        """,
        """
        from django.db import models, transaction

        transaction.atomic()
        """,
        """
        from django.db import transaction

        transaction.atomic()
        """,
        id="unused alias removed from a multi-alias import",
    ),
    pytest.param(
        """
        import os

        # Vendor SDK, see docs/payments.md
        import stripe
        from django.conf import settings

        stripe.api_key = settings.KEY
        os.getcwd()
        """,
        """
        import os

        # Vendor SDK, see docs/payments.md
        import stripe
        from django.conf import settings

        os.getcwd(settings.KEY)
        """,
        """
        import os

        # Vendor SDK, see docs/payments.md
        from django.conf import settings

        os.getcwd(settings.KEY)
        """,
        id="whole statement removed, its comment moved to the next one",
    ),
    pytest.param(
        """
        import os
        import sys  # for argv

        from django.conf import settings

        print(os, sys, settings)
        """,
        """
        import os
        import sys  # for argv

        from django.conf import settings

        print(os, settings)
        """,
        """
        import os

        # for argv
        from django.conf import settings

        print(os, settings)
        """,
        id="a trailing comment of a removed line goes to the next statement",
    ),
    pytest.param(
        """
        import os

        # about json
        import json

        # about re
        import re
        import sys

        print(os, json, re, sys)
        """,
        """
        import os

        # about json
        import json

        # about re
        import re
        import sys

        print(os, sys)
        """,
        """
        import os

        # about json
        # about re
        import sys

        print(os, sys)
        """,
        id="comments moved above an import stay together",
    ),
    pytest.param(
        """
        import os

        import requests

        from shop.models import Order


        def fetch():
            return requests.get(Order, os)
        """,
        """
        import os

        import requests

        from shop.models import Order


        def fetch():
            return Order, os
        """,
        """
        import os

        from shop.models import Order


        def fetch():
            return Order, os
        """,
        id="an emptied section leaves one blank line between its neighbours",
    ),
    pytest.param(
        """
        import stripe

        from shop.models import Order

        stripe.charge(Order)
        """,
        """
        import stripe

        from shop.models import Order

        Order.charge()
        """,
        """
        from shop.models import Order

        Order.charge()
        """,
        id="the first statement of a file removed",
    ),
    pytest.param(
        """
        def pay(order):
            import stripe
            from decimal import Decimal

            return stripe.charge(Decimal(order.total))
        """,
        """
        def pay(order):
            import stripe
            from decimal import Decimal

            return Decimal(order.total)
        """,
        """
        def pay(order):
            from decimal import Decimal

            return Decimal(order.total)
        """,
        id="function-local import removed",
    ),
    pytest.param(
        """
        def ready():
            # the signal handlers
            from shop import signals
            signals.connect()
        """,
        """
        def ready():
            # the signal handlers
            from shop import signals
        """,
        """
        def ready():
            # the signal handlers
            pass
        """,
        id="a block left empty gets pass, the comment kept",
    ),
    pytest.param(
        """
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:
            from shop.models import Order

        def f(order: Order) -> None: ...
        """,
        """
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:
            from shop.models import Order

        def f(order) -> None: ...
        """,
        """
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:
            pass

        def f(order) -> None: ...
        """,
        id="an emptied TYPE_CHECKING block gets pass",
    ),
    pytest.param(
        """
        from shop.models import (
            Order,  # the order
            # shipping
            Shipment,  # a parcel
            Tracking,
        )
        print(Order, Shipment, Tracking)
        """,
        """
        from shop.models import (
            Order,  # the order
            # shipping
            Shipment,  # a parcel
            Tracking,
        )
        print(Order, Tracking)
        """,
        """
        from shop.models import (
            Order,  # the order
            # shipping
            # a parcel
            Tracking,
        )
        print(Order, Tracking)
        """,
        id="a name removed from a parenthesised import, its comments kept",
    ),
    pytest.param(
        """
        from shop.models import (
            Order,
            Shipment
        )
        print(Order, Shipment)
        """,
        """
        from shop.models import (
            Order,
            Shipment
        )
        print(Order)
        """,
        """
        from shop.models import (
            Order,
        )
        print(Order)
        """,
        id="the last name of a parenthesised import without trailing comma",
    ),
    pytest.param(
        """
        from shop.models import (  # models
            Order,  # the order
            Shipment,
        )
        print(Order, Shipment)
        """,
        """
        from shop.models import (  # models
            Order,  # the order
            Shipment,
        )
        x = 1
        """,
        """
        # models
        # the order
        x = 1
        """,
        id="comments inside a removed statement are kept",
    ),
    pytest.param(
        """
        import os.path
        import sys

        os.path.join(sys.argv)
        """,
        """
        import os.path
        import sys

        sys.argv
        """,
        """
        import sys

        sys.argv
        """,
        id="import a.b removed when a is no longer read",
    ),
    pytest.param(
        """
        import os; import sys
        print(os, sys)
        """,
        """
        import os; import sys
        print(sys)
        """,
        """
        import sys
        print(sys)
        """,
        id="an import among statements on one line",
    ),
    pytest.param(
        """
        x = 1
        import json  # serialiser
        print(json)
        """,
        """
        x = 1
        import json  # serialiser
        """,
        """
        x = 1
        # serialiser
        """,
        id="the last statement of a file removed, its comment kept",
    ),
    pytest.param(
        """
        from shop.models import Order
        Order.objects.all()
        """,
        """
        from shop.models import Order
        order.total(Order=1)
        self.Order = 2
        """,
        """
        order.total(Order=1)
        self.Order = 2
        """,
        id="a keyword or attribute named like the import is not a read",
    ),
    pytest.param(
        None,
        """
        from typing import Any

        import stripe
        from django.conf import settings


        def charge(amount: int) -> int:
            return stripe.charge(amount)
        """,
        """
        import stripe


        def charge(amount: int) -> int:
            return stripe.charge(amount)
        """,
        id="a generated file loses every unused import",
    ),
    pytest.param(
        """
        import noqa_tools
        import stripe

        noqa_tools.run(stripe)
        """,
        """
        import noqa_tools
        import stripe

        stripe.run()
        """,
        """
        import stripe

        stripe.run()
        """,
        id="noqa in a module's name is no noqa comment",
    ),
    pytest.param(
        """
        from django.db import models
        User = "auth.User"

        # one billing profile per email
        # (guests too)

        import stripe
        stripe.api_key = "sk_test"



        class Profile(models.Model):
            pass
        """,
        """
        from django.db import models
        User = "auth.User"

        # one billing profile per email
        # (guests too)

        import stripe



        class Profile(models.Model):
            pass
        """,
        """
        from django.db import models
        User = "auth.User"

        # one billing profile per email
        # (guests too)



        class Profile(models.Model):
            pass
        """,
        id="comments a blank line keeps apart from a removed line stay apart from the next",
    ),
]


@pytest.mark.parametrize("before, after, expected", REMOVED)
def test_remove_unused_imports(before, after, expected):
    result = remove(before, after, BLACK)
    assert result.code == source(expected)
    again = remove(before, result.code, BLACK)
    assert again.code == result.code, "a second run changes the file again"


KEPT = [
    pytest.param(
        "from .models import Order\n",
        "from .models import Order\n",
        {"is_package": True},
        id="re-export in __init__.py",
    ),
    pytest.param(
        None, "from .models import Order\n", {"is_package": True}, id="generated __init__.py"
    ),
    pytest.param(
        "import stripe\nstripe.x()\n", "import stripe  # noqa: F401\n", {}, id="noqa comment"
    ),
    pytest.param(
        "import stripe\nstripe.x()\n",
        "from stripe import (\n    Charge,  # noqa: F401\n)\n",
        {},
        id="noqa inside parentheses",
    ),
    pytest.param(
        "import stripe\nimport os\nstripe.x(os)\n",
        "import stripe; import os  # noqa\n",
        {},
        id="noqa after a line of two statements",
    ),
    pytest.param(
        'from .models import Order\n__all__ = ["Order"]\nOrder.x\n',
        'from .models import Order\n__all__ = ["Order"]\n',
        {},
        id="names in __all__",
    ),
    pytest.param(
        "from .models import Order\n__all__ += []\nOrder\n",
        'from .models import Order\n__all__.extend(["Order"])\n',
        {},
        id="names added to __all__",
    ),
    pytest.param(
        "from .models import Order\nOrder.x\n",
        'from .models import Order\ndef f(o: "Order") -> "list[Order]": ...\n',
        {},
        id="string annotations",
    ),
    pytest.param(
        "from .models import Order\nOrder.x\n",
        'from .models import Order\nx = cast("Order", y)\n',
        {},
        id="cast target string",
    ),
    pytest.param(
        "from .models import Order\nOrder.x\n",
        "from .models import Order\ndef f(o):  # type: (Order) -> None\n    pass\n",
        {},
        id="type comment",
    ),
    pytest.param(
        "import os\nos.getcwd()\n",
        "import os\nos.path.join('a')\n",
        {},
        id="still read through an attribute chain",
    ),
    pytest.param(
        "import os\n", "import os\nx = 1\n", {}, id="unused before the change: not ours to remove"
    ),
    pytest.param(
        "from __future__ import annotations\nannotations\n",
        "from __future__ import annotations\n",
        {},
        id="future import",
    ),
    pytest.param("from .base import *\nDEBUG\n", "from .base import *\n", {}, id="star import"),
    pytest.param(
        "from .base import DEBUG\nx = DEBUG\n",
        "from .base import DEBUG\n",
        {"is_settings": True},
        id="a setting imported into a settings module",
    ),
    pytest.param(
        "import os\nos.x\n",
        "import os\n\n\n@decorate(os)\ndef f():\n    return [os for _ in range(2)]\n",
        {},
        id="read in a decorator and a comprehension",
    ),
    pytest.param(
        "from django.db import models\nmodels.x\n",
        "from django.db import models\n\n\nclass Order(models.Model):\n    pass\n",
        {},
        id="read in a base class",
    ),
    pytest.param(
        "import os\nos.x\n",
        "import os\n\n\ndef f(sep=os.sep, *, key=os.name):\n    pass\n",
        {},
        id="read in default values",
    ),
    pytest.param(
        "import os\nos.x\n",
        'import os\nprint(f"{os.sep}")\n',
        {},
        id="read in an f-string",
    ),
]


@pytest.mark.parametrize("before, after, flags", KEPT)
def test_remove_unused_imports_keeps(before, after, flags):
    tree = cst.parse_module(after)
    old = cst.parse_module(before) if before is not None else None
    assert remove_unused_imports(old, tree, STYLE, **flags) is tree


def test_remove_is_a_noop_when_the_tree_did_not_change():
    tree = cst.parse_module("import os\n")
    assert remove_unused_imports(tree, tree, STYLE) is tree


def test_without_newline_before_comments_moved_comments_stay_tight():
    before = "import os\nimport sys  # argv\nimport json\nos, sys, json\n"
    result = remove(before, "import os\nimport sys  # argv\nimport json\nos, json\n", STYLE)
    assert result.code == "import os\n# argv\nimport json\nos, json\n"


# -- against ruff's isort -----------------------------------------------------------------------
HEADERS = {
    "django views": '''
        """Views of the shop."""

        import json
        import logging

        from django.contrib.auth.decorators import login_required
        from django.http import Http404, HttpResponse, JsonResponse
        from django.shortcuts import get_object_or_404, render

        # The shop's own models
        from shop.models import Order

        from .forms import CheckoutForm

        logger = logging.getLogger(__name__)


        @login_required
        def checkout(request):
            return render(request, "checkout.html", {"form": CheckoutForm()})
    ''',
    "django settings": '''
        """Django settings for mysite."""

        import os
        from pathlib import Path

        BASE_DIR = Path(__file__).resolve().parent.parent
        SECRET_KEY = os.environ["SECRET_KEY"]
    ''',
    "drf module": """
        from __future__ import annotations

        from decimal import Decimal
        from typing import TYPE_CHECKING, Any

        from django.db import transaction
        from rest_framework import serializers, status, viewsets
        from rest_framework.response import Response

        from shop.models import (
            Order,
            OrderItem,  # one line of an order
            Product,
        )

        if TYPE_CHECKING:
            from shop.forms import CheckoutForm


        class OrderSerializer(serializers.ModelSerializer):
            pass
    """,
    "celery tasks without imports": '''
        """Celery tasks."""


        def send_reminders():
            return 0
    ''',
}
POOL = [
    R("__future__", "annotations"),
    *(R(name) for name in ("os", "sys", "re", "os.path", "uuid", "json", "logging")),
    R("datetime", "date"),
    R("datetime", "timedelta"),
    R("collections", "defaultdict"),
    R("typing", "Any"),
    R("typing", "Optional"),
    R("decimal", "Decimal"),
    R("pathlib", "Path"),
    R("django.db", "models"),
    R("django.db", "transaction", "atomic_tx"),
    R("django.conf", "settings"),
    R("django.http", "HttpResponseRedirect"),
    R("django.shortcuts", "redirect"),
    R("django.utils.translation", "gettext_lazy", "_"),
    R("rest_framework", "permissions"),
    R("rest_framework.response", "Response"),
    R("requests"),
    R("celery", "shared_task"),
    R("numpy", alias="np"),
    R("shop.models", "Order"),
    R("shop.models", "MAX_ITEMS"),
    R("shop.models", "build_order"),
    R("integrations.stripe", "create_payment_intent"),
    R("integrations.stripe", "CardError"),
    R("integrations.shipping", "post", "shipping_post"),
    R("services", "shop", "services"),
    R(".models", "Product"),
    R(".forms", "OrderForm"),
    R(".", "tasks"),
    R("..utils", "helper"),
    R("integrations.payments.gateways.stripe_checkout", "create_checkout_session_for_order"),
]


def ruff_like(line_length: int = 88, **settings: bool | int) -> ImportStyle:
    """An import style as ruff has it (ruff always puts a blank line above import comments)."""
    return ImportStyle(
        line_length,
        detected_first_party=FIRST_PARTY,
        newline_before_comments=True,
        **settings,
    )


RUFF_STYLES = {
    "isort's line length": (ruff_like(79), {}),
    "black": (BLACK, {}),
    "force-single-line": (ruff_like(force_single_line=True), {"force-single-line": True}),
    "force-sort-within-sections": (
        ruff_like(force_sort_within_sections=True),
        {"force-sort-within-sections": True},
    ),
    "case-sensitive": (ruff_like(case_sensitive=True), {"case-sensitive": True}),
    "order-by-type off": (ruff_like(order_by_type=False), {"order-by-type": False}),
    "combine-as-imports": (ruff_like(combine_as_imports=True), {"combine-as-imports": True}),
    "lines-after-imports": (ruff_like(lines_after_imports=2), {"lines-after-imports": 2}),
}


def ruff_path() -> str:
    """The venv's ruff, else the one on PATH ('' when there is none)."""
    beside = Path(sys.executable).with_name("ruff")
    return str(beside) if beside.exists() else shutil.which("ruff") or ""


needs_ruff = pytest.mark.skipif(not ruff_path(), reason="ruff is not installed")


def ruff_command(style: ImportStyle, options: dict[str, object], *args: str) -> list[str]:
    """ruff with the isort options equivalent to `style` (ruff always writes black's way)."""
    settings = {"known-first-party": sorted(FIRST_PARTY), **options}
    command = [ruff_path()]
    command += ["check", "--isolated", "--select", "I", "--line-length", str(style.line_length)]
    for key, value in settings.items():
        command += ["--config", f"lint.isort.{key} = {json.dumps(value)}"]
    return [*command, *args]


def ruff_sorted(text: str, style: ImportStyle, options: dict[str, object], tmp: Path) -> str:
    """`text` as ruff's isort would write it."""
    path = tmp / "module.py"
    path.write_text(text, encoding="utf-8")
    subprocess.run(ruff_command(style, options, "--fix", "-q", str(path)), check=False)
    return path.read_text(encoding="utf-8")


def ruff_findings(text: str, style: ImportStyle, options: dict[str, object], tmp: Path) -> str:
    path = tmp / "module.py"
    path.write_text(text, encoding="utf-8")
    completed = subprocess.run(
        ruff_command(style, options, "--diff", str(path)), capture_output=True, text=True
    )
    return "" if completed.returncode == 0 else completed.stdout + completed.stderr


def bound_names(text: str) -> set[str]:
    tree = cst.parse_module(text)
    names = set()
    for node in _imports(tree):
        for alias in node.names if not isinstance(node.names, cst.ImportStar) else ():
            names.add((alias.evaluated_alias or alias.evaluated_name).split(".")[0])
    return names


def _imports(tree: cst.Module):
    for statement in tree.body:
        if isinstance(statement, cst.SimpleStatementLine):
            yield from (s for s in statement.body if isinstance(s, cst.Import | cst.ImportFrom))


@needs_ruff
@pytest.mark.parametrize("style_name", sorted(RUFF_STYLES))
@pytest.mark.parametrize("header_name", sorted(HEADERS))
def test_added_imports_are_sorted_as_ruff_sorts_them(header_name, style_name, tmp_path):
    style, options = RUFF_STYLES[style_name]
    clean = ruff_sorted(source(HEADERS[header_name]), style, options, tmp_path)
    assert ruff_findings(clean, style, options, tmp_path) == "", "the input must be clean"
    taken = bound_names(clean)
    pool = [request for request in POOL if (request.alias or request.name or "") not in taken]
    for seed in range(6):
        rng = random.Random(f"{header_name}/{style_name}/{seed}")
        requests = rng.sample(pool, rng.randint(1, 10))
        result = add(clean, requests, style)
        findings = ruff_findings(result, style, options, tmp_path)
        assert findings == "", f"requests {requests} on {header_name}:\n{findings}"
        assert add(result, requests, style) == result


def reading(names: list[str]) -> str:
    return "\n\ndef use():\n" + "".join(f"    print({name})\n" for name in names) + "    pass\n"


@needs_ruff
def test_removals_leave_the_imports_sorted_and_nothing_unused(tmp_path):
    header = source(HEADERS["drf module"])
    uses = ["Decimal", "Any", "transaction", "status", "viewsets", "Response"]
    uses += ["Order", "OrderItem", "Product", "CheckoutForm"]
    for seed in range(12):
        kept = random.Random(seed).sample(uses, seed % len(uses))
        result = remove(header + reading(uses), header + reading(kept), BLACK).code
        findings = ruff_findings(result, BLACK, {}, tmp_path)
        assert findings == "", f"kept {kept}:\n{findings}"
        assert "# one line of an order" in result
        unused = subprocess.run(
            [ruff_path(), "check", "--isolated", "--select", "F401", "-"],
            input=result,
            capture_output=True,
            text=True,
        )
        assert unused.returncode == 0, unused.stdout


# -- wiring: apply_changes ----------------------------------------------------------------------
SITE = {
    "manage.py": "import os\n",
    "setup.cfg": "[isort]\nprofile = black\nknown_first_party = shop\n",
    "shop/__init__.py": "",
    "shop/models.py": "class Order:\n    pass\n",
    "shop/views.py": source(
        """
        import json

        import stripe
        from django.conf import settings

        from shop.models import Order


        def pay(order):
            stripe.api_key = settings.STRIPE_KEY
            return json.dumps(stripe.charge(order))
        """
    ),
}


def test_a_codemods_import_requests_are_added_in_the_projects_order():
    project = make_project(SITE)
    views = project.tree("shop/views.py")
    pay = cst.parse_statement("def pay(order):\n    return json.dumps(charge(order))\n")
    pay = pay.with_changes(leading_lines=views.body[-1].leading_lines)
    rewritten = views.with_changes(body=[*views.body[:-1], pay])
    changes = Changes(
        writes={"shop/views.py": rewritten, "integrations/stripe.py": "def charge(o): ...\n"},
        imports={"shop/views.py": (R("integrations.stripe", "charge"),)},
    )
    after, _ = apply_changes(project, changes)
    assert after.text("shop/views.py") == source(
        """
        import json

        from integrations.stripe import charge
        from shop.models import Order


        def pay(order):
            return json.dumps(charge(order))
        """
    )
    assert after.tree("shop/views.py").code == after.text("shop/views.py")


def test_imports_alone_edit_a_file_the_step_does_not_write():
    changes = Changes(imports={"shop/models.py": (R("django.db", "models"),)})
    after, _ = apply_changes(make_project(SITE), changes)
    expected = "from django.db import models\n\n\nclass Order:\n    pass\n"
    assert after.text("shop/models.py") == expected
    assert not changes.is_empty


def test_a_generated_file_keeps_only_the_imports_it_reads():
    text = "import os\nimport sys\n\nARGS = sys.argv\n"
    after, _ = apply_changes(make_project(SITE), Changes(writes={"shop/cli.py": text}))
    assert after.text("shop/cli.py") == "import sys\n\nARGS = sys.argv\n"


def test_a_written_text_loses_the_imports_it_stopped_reading_and_keeps_the_others():
    text = SITE["shop/views.py"].replace("json.dumps(", "(")
    project = make_project({**SITE, "shop/views.py": "import re\n" + SITE["shop/views.py"]})
    after, _ = apply_changes(project, Changes(writes={"shop/views.py": "import re\n" + text}))
    assert after.text("shop/views.py").startswith("import re\n\nimport stripe\n")


def test_files_the_step_does_not_touch_keep_their_unused_imports():
    project = make_project({**SITE, "shop/admin.py": "import os\n"})
    after, _ = apply_changes(project, Changes(writes={"shop/cli.py": "X = 1\n"}))
    assert after.text("shop/admin.py") == "import os\n"


def test_imports_for_a_missing_file_are_a_codemod_bug():
    changes = Changes(imports={"shop/nothing.py": (R("os"),)})
    with pytest.raises(ValueError, match="shop/nothing.py: imports requested for a file"):
        apply_changes(make_project(SITE), changes)


@pytest.mark.parametrize(
    "path, kept",
    [
        pytest.param("mysite/settings.py", True, id="settings.py"),
        pytest.param("config/settings/production.py", True, id="a settings package module"),
        pytest.param("mysite/local_settings.py", True, id="local_settings.py"),
        pytest.param("shop/constants.py", False, id="any other module"),
    ],
)
def test_a_settings_module_keeps_the_settings_it_imports(path, kept):
    text = "from shop.defaults import DEBUG, helper\n"
    after, _ = apply_changes(make_project(SITE), Changes(writes={path: text}))
    expected = "from shop.defaults import DEBUG\n" if kept else ""
    assert after.text(path) == expected


def test_unused_names_leave_an_import_a_codemod_built_without_commas():
    """A codemod's ImportFrom whose aliases leave their commas to libcst's default."""
    names = [cst.ImportAlias(cst.Name(name)) for name in ("a", "b", "c")]
    built = cst.SimpleStatementLine([cst.ImportFrom(module=cst.Name("m"), names=names)])
    after = cst.Module(body=[built, cst.parse_statement("a\n")])
    before = cst.parse_module("from m import a, b, c\na, b, c\n")
    assert remove_unused_imports(before, after, STYLE).code == "from m import a\na\n"
