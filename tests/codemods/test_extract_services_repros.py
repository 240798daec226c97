"""extract-services on the minimal reproductions of ../shared/repros (idem, condimp, star,
apiapp, apiapp2), copied inline, and on where a service layer already lives."""

from __future__ import annotations

import pytest

from tests.helpers import assert_noop, assert_rewrites, make_project, run_codemod

NAME = "extract-services"

SITE = {
    "manage.py": """
        import os, sys
        if __name__ == "__main__":
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
            from django.core.management import execute_from_command_line
            execute_from_command_line(sys.argv)
    """,
    "mysite/__init__.py": "",
    "mysite/urls.py": "urlpatterns = []\n",
}


def site(apps: list[str]) -> dict[str, str]:
    settings = (
        f'SECRET_KEY = "x"\nDEBUG = True\nINSTALLED_APPS = {apps!r}\nROOT_URLCONF = "mysite.urls"\n'
    )
    return {**SITE, "mysite/settings.py": settings}


ORDER_MODEL = """
    from django.db import models
    class Order(models.Model):
        total = models.IntegerField(default=0)
"""


def test_idem_calls_into_the_service_layer_are_delegation():
    """The service is named like a business method of a model (`send_message`): a second run
    must see `services.send_message(...)` as the delegation it is."""
    before = {
        **site(["chat"]),
        "chat/__init__.py": "",
        "chat/models.py": """
            from django.db import models
            class Message(models.Model):
                @classmethod
                def send_message(cls, sender, recipient, text):
                    return cls.objects.create()
        """,
        "chat/views.py": """
            from django.contrib.auth import get_user_model
            from django.shortcuts import render

            from chat.models import Message


            def send_message(request):
                sender = request.user
                recipient = get_user_model().objects.get(username=request.POST.get("to"))
                message = Message.send_message(sender, recipient, request.POST.get("message"))
                recipient.unread += 1
                recipient.save()
                return render(request, "one.html", {"message": message})
        """,
    }
    result = assert_rewrites(
        NAME,
        before,
        {
            "chat/views.py": """
                from django.shortcuts import render

                from services import chat as services


                def send_message(request):
                    sender = request.user
                    message = services.send_message(
                        sender,
                        to=request.POST.get("to"),
                        message_text=request.POST.get("message"),
                    )
                    return render(request, "one.html", {"message": message})
            """,
            "services/__init__.py": "",
            "services/chat.py": '''
                """Workflows of the chat app: plain functions its views and serializers call."""

                from __future__ import annotations

                from typing import Any

                from django.contrib.auth import get_user_model
                from django.contrib.auth.models import User

                from chat.models import Message


                def send_message(
                    sender: User,
                    to: str | None,
                    message_text: str | None,
                ) -> Any:
                    """Send the message: update the user."""
                    recipient = get_user_model().objects.get(username=to)
                    message = Message.send_message(sender, recipient, message_text)
                    recipient.unread += 1
                    recipient.save()
                    return message
            ''',
        },
    )
    _, again = run_codemod(NAME, result)
    assert again.is_empty and again.notes == ()


def test_condimp_a_guarded_import_travels_with_its_condition():
    before = {
        **site(["orders", "shop"]),
        "orders/__init__.py": "",
        "orders/models.py": ORDER_MODEL,
        "shop/__init__.py": "",
        "shop/views.py": """
            from django.conf import settings
            from django.shortcuts import redirect
            from orders.models import Order
            if settings.AUDIT_LOG_ENABLED:
                from orders.models import Order as Audit
            def checkout(request):
                order = Order.objects.create(total=int(request.POST["total"]))
                if settings.AUDIT_LOG_ENABLED:
                    Audit.objects.create(total=order.total)
                return redirect("done", order.pk)
        """,
    }
    after = {
        "shop/views.py": """
            from django.shortcuts import redirect
            from services import shop as services
            def checkout(request):
                order = services.checkout_order(total=request.POST["total"])
                return redirect("done", order.pk)
        """,
        "services/__init__.py": "",
        "services/shop.py": '''
            """Workflows of the shop app: plain functions its views and serializers call."""

            from __future__ import annotations

            from django.conf import settings

            from orders.models import Order

            if settings.AUDIT_LOG_ENABLED:
                from orders.models import Order as Audit


            def checkout_order(total: str) -> Order:
                """Check out the order."""
                order = Order.objects.create(total=int(total))
                if settings.AUDIT_LOG_ENABLED:
                    Audit.objects.create(total=order.total)
                return order
        ''',
    }
    assert_rewrites(NAME, before, after)


def test_star_import_beside_an_explicit_import_of_the_same_module():
    before = {
        **site(["orders"]),
        "orders/__init__.py": "",
        "orders/models.py": ORDER_MODEL,
        "orders/views.py": """
            from django.shortcuts import redirect
            from .models import *
            from orders.models import Order
            def checkout(request):
                order = Order.objects.create(total=int(request.POST["total"]))
                order.total += 1
                order.save()
                return redirect("done", order.pk)
        """,
    }
    result, changes = run_codemod(NAME, make_project(before))
    assert not any("crash" in str(note) for note in changes.notes)
    service = result.text("services/orders.py")
    assert "from orders.models import Order\n" in service and "*" not in service
    assert "services.checkout_order(total=" in result.text("orders/views.py")


def test_star_import_is_carried_when_the_workflow_reads_what_it_brings():
    before = {
        **site(["orders"]),
        "orders/__init__.py": "",
        "orders/models.py": ORDER_MODEL,
        "orders/views.py": """
            from django.shortcuts import redirect
            from .models import *
            def checkout(request):
                order = Order.objects.create(total=int(request.POST["total"]))
                order.save()
                return redirect("done", order.pk)
        """,
    }
    result, _ = run_codemod(NAME, make_project(before))
    assert "from orders.models import *\n" in result.text("services/orders.py")


@pytest.mark.parametrize(
    "app", [pytest.param("api", id="apiapp"), pytest.param("orders", id="apiapp2")]
)
def test_a_models_module_is_a_models_module_whatever_its_app_is_called(app):
    before = {
        **site([app, "shop"]),
        f"{app}/__init__.py": "",
        f"{app}/models.py": ORDER_MODEL,
        "shop/__init__.py": "",
        "shop/views.py": f"""
            from django.shortcuts import redirect
            from {app}.models import Order
            def checkout(request):
                order = Order.objects.create(total=int(request.POST["total"]))
                order.total += 1
                order.save()
                return redirect("done", order.pk)
        """,
    }
    result, changes = run_codemod(NAME, make_project(before))
    assert changes.notes == ()
    assert f"from {app}.models import Order" in result.text("services/shop.py")
    assert "def checkout_order(total: str) -> Order:" in result.text("services/shop.py")


def test_serializer_methods_are_never_reported_as_left_in_the_view():
    before = {
        "shop/models.py": "class Order:\n    pass\n",
        "shop/serializers.py": """
            from rest_framework import serializers

            from .models import Order


            class OrderSerializer(serializers.ModelSerializer):
                def create(self, validated_data):
                    order = Order.objects.create(**validated_data)
                    self.context["request"].session["last"] = order.pk
                    order.notify()
                    return order
        """,
    }
    changes = assert_noop(NAME, before)
    assert changes.notes and all("left in the view" not in str(n) for n in changes.notes)
    assert "OrderSerializer.create left in the serializer" in str(changes.notes[0])


# -- where the service layer lives --------------------------------------------------------------
VIEWS = """
    from django.shortcuts import redirect

    from .models import Order


    def close_order(request, pk):
        order = Order.objects.get(pk=pk)
        order.closed = True
        order.save()
        order.lines.update(closed=True)
        return redirect("orders")
"""


def test_a_top_level_services_module_becomes_the_package_and_keeps_its_names():
    before = {
        "shop/models.py": "class Order:\n    pass\n",
        "shop/views.py": VIEWS,
        "services.py": "def ping():\n    return 'pong'\n",
    }
    project = make_project(before)
    result, changes = run_codemod(NAME, project)
    assert "services.py" in changes.deletes
    assert result.text("services/__init__.py") == "def ping():\n    return 'pong'\n"
    assert "def close_order(" in result.text("services/shop.py")


def test_a_services_package_binding_the_apps_name_is_never_shadowed():
    before = {
        "shop/models.py": "class Order:\n    pass\n",
        "shop/views.py": VIEWS,
        "services/__init__.py": "from .legacy import shop\n",
        "services/legacy.py": "shop = object()\n",
    }
    assert_noop(
        NAME,
        before,
        notes=[
            "shop/views.py: left in the view: services/__init__.py already binds `shop`: "
            "services/shop.py would be hidden behind it; rename one of them, then run the "
            "step again"
        ],
    )


def test_an_apps_own_service_layer_is_reused():
    before = {
        "shop/__init__.py": "",
        "shop/models.py": "class Order:\n    pass\n",
        "shop/views.py": VIEWS,
        "shop/services.py": '"""Shop workflows."""\n\n\ndef archive(order):\n    order.save()\n',
    }
    result, _ = run_codemod(NAME, make_project(before))
    assert not result.exists("services/shop.py")
    assert "def close_order(" in result.text("shop/services.py")
    assert "from shop import services" in result.text("shop/views.py")


def test_a_view_already_calling_the_existing_service_layer_is_left_alone():
    before = {
        "shop/__init__.py": "",
        "shop/models.py": "class Order:\n    pass\n",
        "services/__init__.py": "",
        "services/shop.py": """
            def create(order):
                order.save()


            def update(order):
                order.save()
        """,
        "shop/views.py": """
            from django.shortcuts import redirect

            from services import shop as services
            from services.shop import update

            from .models import Order


            def close_order(request, pk):
                order = Order.objects.get(pk=pk)
                services.create(order)
                update(order)
                return redirect("orders")
        """,
    }
    assert_noop(NAME, before, notes=[])
