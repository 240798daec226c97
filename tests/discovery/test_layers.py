"""discovery.layers: which modules are transport and which are models, by what the project is,
not by a dotted name (an app named `api` holding models is a models package)."""

from __future__ import annotations

import pytest

from djrefactor.discovery.layers import is_models_module, is_transport_module, module_is_transport
from tests.helpers import make_project

PROJECT = {
    "api/__init__.py": "",
    "api/models.py": "",
    "api/views.py": "",
    "api/tasks.py": "",
    "shop/__init__.py": "",
    "shop/apps.py": "",
    "shop/views.py": "",
    "shop/serializers.py": "",
    "shop/models/__init__.py": "",
    "shop/models/order.py": "",
    "shop/api/__init__.py": "",
    "shop/api/orders.py": "",
    "shop/forms.py": "",
    "rest/__init__.py": "",
    "rest/viewsets.py": "",
    "rest/routers.py": "",
    "services/views.py": "",
    "integrations/api.py": "",
}


@pytest.mark.parametrize(
    ("path", "transport", "models"),
    [
        pytest.param("api/models.py", False, True, id="an app named api holds models"),
        pytest.param("api/tasks.py", False, False, id="a module of an app named api"),
        pytest.param("api/views.py", True, False, id="views of an app named api"),
        pytest.param("shop/views.py", True, False, id="views"),
        pytest.param("shop/serializers.py", True, False, id="serializers"),
        pytest.param("shop/models/order.py", False, True, id="a models package"),
        pytest.param("shop/api/orders.py", True, False, id="an api folder that is no app"),
        pytest.param("shop/forms.py", False, False, id="forms"),
        pytest.param("rest/routers.py", False, False, id="a module beside viewsets"),
        pytest.param("rest/viewsets.py", True, False, id="viewsets"),
        pytest.param("services/views.py", False, False, id="the service layer never"),
        pytest.param("integrations/api.py", False, False, id="integrations never"),
    ],
)
def test_layer_of_a_module(path, transport, models):
    project = make_project(PROJECT)
    assert is_transport_module(project, path) is transport
    assert is_models_module(project, path) is models


def test_dotted_names_resolve_through_the_project():
    project = make_project(PROJECT)
    assert module_is_transport(project, "shop.views")
    assert not module_is_transport(project, "api.models")
    assert not module_is_transport(project, "rest_framework.views")
