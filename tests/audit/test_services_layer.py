"""Rule 3: business logic in views and serializers; services importing transport."""

from __future__ import annotations

import pytest

from djrefactor.audit import services_layer
from tests.audit.cases import found, legacy, split


def test_a_view_writing_and_charging_is_a_finding_listing_what_it_does() -> None:
    files = legacy(
        **{
            "shop/views.py": """
                import stripe as s
                from django.core.mail import send_mail
                from django.db import transaction

                from .models import Order


                def checkout(request):
                    with transaction.atomic():
                        order = Order.objects.create(user=request.user)
                    s.PaymentIntent.create(amount=order.total)
                    send_mail("paid", "", None, [request.user.email])
                    return redirect("done")
            """
        }
    )
    assert found(services_layer, files) == [
        "shop/views.py:8: checkout runs business logic in the transport layer: opens a "
        "transaction (line 9); writes through the ORM (.create()) (line 10); calls stripe "
        "(stripe.PaymentIntent.create) (line 11); and 1 more"
    ]


def test_a_fat_serializer_method_and_a_queryset_update() -> None:
    files = legacy(
        **{
            "shop/serializers.py": """
                class OrderSerializer:
                    def create(self, validated_data):
                        Product.objects.filter(pk__in=[1]).update(stock=0)
                        return super().create(validated_data)
            """
        }
    )
    assert found(services_layer, files) == [
        "shop/serializers.py:2: OrderSerializer.create runs business logic in the transport "
        "layer: writes through the ORM (.update()) (line 3)"
    ]


def test_a_service_importing_http_or_a_view_is_a_finding() -> None:
    files = split(
        **{
            "services/__init__.py": "",
            "services/shop.py": "from django.http import JsonResponse\nfrom shop.views import x\n",
            "integrations/__init__.py": "",
            "shop/views.py": "x = 1\n",
        }
    )
    assert found(services_layer, files) == [
        "services/shop.py:1: imports django.http.JsonResponse, an HTTP module",
        "services/shop.py:2: imports shop.views.x",
    ]


@pytest.mark.parametrize(
    "views",
    [
        pytest.param(
            """
                from services import shop as services


                def checkout(request):
                    services.checkout(request.user, request.POST["sku"])
                    return redirect("done")
            """,
            id="a thin view calling a service",
        ),
        pytest.param(
            """
                def index(request):
                    context = {"a": 1}
                    context.update(b=2)
                    request.session.update({"seen": True})
                    return render(request, "index.html", Order.objects.filter(x=1))
            """,
            id="dict and session updates, reads",
        ),
        pytest.param(
            """
                from django.core.cache import cache


                def notify(request, client):
                    client.messages.create(to="+1")
                    cache.delete("k")
                    return HttpResponse()
            """,
            id="create on an unknown receiver, cache delete",
        ),
    ],
)
def test_no_finding(views: str) -> None:
    files = legacy(**{"shop/views.py": views, "shop/tests/test_views.py": "x.save()\n"})
    assert found(services_layer, files) == []
