"""extract-services: names from the domain. A service is `verb_object` from what it does to which
model; two views whose natural names collide are told apart by what differs (their URL, their
channel), never by a counter; parameters are named for what they are."""

from __future__ import annotations

from tests.helpers import assert_rewrites, make_project, run_codemod

NAME = "extract-services"

TICKETS = {
    "support/models.py": "class Ticket:\n    pass\n\n\nclass Reply:\n    pass\n",
    "support/urls.py": """
        from django.urls import path

        from . import views

        urlpatterns = [
            path("tickets/<int:pk>/close/", views.close_ticket, name="close"),
            path("t/<str:token>/solved/", views.CloseTicketView.as_view(), name="customer_close"),
        ]
    """,
    "support/views.py": """
        from django.shortcuts import get_object_or_404, redirect, render
        from django.views import View

        from .models import Reply, Ticket


        def close_ticket(request, pk):
            ticket = get_object_or_404(Ticket, pk=pk)
            ticket.status = Ticket.CLOSED
            ticket.save()
            Reply.objects.create(ticket=ticket, author=request.user, body="Closed.")
            return redirect("queue")


        class CloseTicketView(View):
            def get(self, request, token):
                ticket = get_object_or_404(Ticket, token=token)
                ticket.status = Ticket.CLOSED
                ticket.save()
                Reply.objects.create(ticket=ticket, body="Closed by the customer.")
                return render(request, "closed.html", {"ticket": ticket})
    """,
}


def test_colliding_names_are_told_apart_by_the_url_each_view_answers():
    after = {
        "support/views.py": """
            from django.shortcuts import get_object_or_404, redirect, render
            from django.views import View

            from services import support as services

            from .models import Ticket


            def close_ticket(request, pk):
                ticket = get_object_or_404(Ticket, pk=pk)
                services.close_ticket(ticket, user=request.user)
                return redirect("queue")


            class CloseTicketView(View):
                def get(self, request, token):
                    ticket = get_object_or_404(Ticket, token=token)
                    services.close_ticket_by_customer(ticket)
                    return render(request, "closed.html", {"ticket": ticket})
        """,
        "services/__init__.py": "",
        "services/support.py": '''
            """Workflows of the support app: plain functions its views and serializers call."""

            from __future__ import annotations

            from django.contrib.auth.models import User

            from support.models import Reply, Ticket


            def close_ticket(ticket: Ticket, user: User) -> None:
                """Close the ticket: create the reply."""
                ticket.status = Ticket.CLOSED
                ticket.save()
                Reply.objects.create(ticket=ticket, author=user, body="Closed.")


            def close_ticket_by_customer(ticket: Ticket) -> None:
                """Close the ticket by customer: create the reply."""
                ticket.status = Ticket.CLOSED
                ticket.save()
                Reply.objects.create(ticket=ticket, body="Closed by the customer.")
        ''',
    }
    assert_rewrites(NAME, TICKETS, after)


def test_names_are_the_same_on_every_run():
    first, _ = run_codemod(NAME, make_project(TICKETS))
    second, _ = run_codemod(NAME, make_project(TICKETS))
    assert first.text("services/support.py") == second.text("services/support.py")


def test_collision_nothing_tells_apart_leaves_the_second_with_a_note():
    before = {**TICKETS}
    del before["support/urls.py"]
    project = make_project(before)
    result, changes = run_codemod(NAME, project)
    service = result.text("services/support.py")
    assert "def close_ticket(" in service
    assert "close_ticket_2" not in service and service.count("def ") == 1
    assert [str(n) for n in changes.notes] == [
        "support/views.py:16: CloseTicketView.get left in the view: its workflow would be "
        "named close_ticket, like another one of the app, and nothing tells them apart; move "
        "it by hand under a name that says what differs"
    ]


def test_the_api_twin_of_a_web_workflow_is_named_for_its_channel():
    before = {
        "shop/models.py": "class Order:\n    pass\n\n\nclass Line:\n    pass\n",
        "shop/views.py": """
            from django.shortcuts import redirect

            from .models import Line, Order


            def create_order(request):
                order = Order.objects.create(owner=request.user)
                Line.objects.create(order=order, sku=request.POST["sku"])
                return redirect("order", order.pk)
        """,
        "shop/api.py": """
            from rest_framework.response import Response
            from rest_framework.views import APIView

            from .models import Line, Order


            class CreateOrderView(APIView):
                def post(self, request):
                    order = Order.objects.create(owner=request.user)
                    Line.objects.create(order=order, sku=request.data["sku"])
                    return Response({"id": order.pk})
        """,
    }
    result, changes = run_codemod(NAME, make_project(before))
    service = result.text("services/shop.py")
    assert "def create_order(user: User, sku: str) -> Order:" in service
    assert "def create_order_via_api(user: User, sku: Any) -> Order:" in service
    assert "services.create_order_via_api(" in result.text("shop/api.py")
    assert "services.create_order(user=request.user" in result.text("shop/views.py")
    assert changes.notes == ()


def test_a_destroy_hook_that_cancels_is_named_for_the_transition_and_its_instance_for_its_model():
    before = {
        "shop/models.py": "class Order:\n    pass\n\n\nclass Product:\n    pass\n",
        "shop/api.py": """
            from rest_framework import viewsets

            from .models import Order, Product


            class OrderViewSet(viewsets.ModelViewSet):
                queryset = Order.objects.all()

                def perform_destroy(self, instance):
                    for line in instance.lines.all():
                        Product.objects.filter(pk=line.product_id).update(stock=line.quantity)
                    instance.status = Order.STATUS_CANCELLED
                    instance.save()
        """,
    }
    after = {
        "shop/api.py": """
            from rest_framework import viewsets

            from services import shop as services

            from .models import Order


            class OrderViewSet(viewsets.ModelViewSet):
                queryset = Order.objects.all()

                def perform_destroy(self, instance):
                    services.cancel_order(instance)
        """,
        "services/__init__.py": "",
        "services/shop.py": '''
            """Workflows of the shop app: plain functions its views and serializers call."""

            from __future__ import annotations

            from shop.models import Order, Product


            def cancel_order(order: Order) -> None:
                """Cancel the order: update the product."""
                for line in order.lines.all():
                    Product.objects.filter(pk=line.product_id).update(stock=line.quantity)
                order.status = Order.STATUS_CANCELLED
                order.save()
        ''',
    }
    assert_rewrites(NAME, before, after)


def test_request_keys_in_camel_case_become_snake_case_parameters():
    before = {
        "shop/models.py": "class Order:\n    pass\n",
        "shop/views.py": """
            from django.http import HttpResponse

            from integrations import payments
            from .models import Order


            def pay_order(request, pk):
                order = Order.objects.get(pk=pk)
                payments.charge(order.total, request.POST["stripeToken"])
                order.paid = True
                order.save()
                return HttpResponse("ok")
        """,
        "integrations/__init__.py": "",
        "integrations/payments.py": "def charge(amount, token):\n    return token\n",
    }
    result, _ = run_codemod(NAME, make_project(before))
    service = result.text("services/shop.py")
    assert "def pay_order(pk: Any, stripe_token: str) -> None:" in service
    assert "payments.charge(order.total, stripe_token)" in service
    view = result.text("shop/views.py")
    assert 'services.pay_order(pk, stripe_token=request.POST["stripeToken"])' in view


def test_an_imported_name_the_service_also_defines_is_read_through_its_module():
    """The workflow of `summarise` is `summarise_ticket`, like the helper it calls: the
    service imports the helper's module instead of hiding one name behind the other."""
    before = {
        "support/__init__.py": "",
        "support/models.py": "class Ticket:\n    pass\n",
        "support/ai.py": """
            from openai import OpenAI


            def summarise_ticket(ticket):
                return OpenAI().chat.completions.create(model="m", messages=[])
        """,
        "support/api.py": """
            from rest_framework import viewsets
            from rest_framework.decorators import action
            from rest_framework.response import Response

            from .ai import summarise_ticket
            from .models import Ticket


            class TicketViewSet(viewsets.ModelViewSet):
                queryset = Ticket.objects.all()

                @action(detail=True, methods=["post"])
                def summarise(self, request, pk=None):
                    ticket = self.get_object()
                    ticket.summary = summarise_ticket(ticket)
                    ticket.save()
                    return Response({"summary": ticket.summary})
        """,
    }
    after = {
        "support/api.py": """
            from rest_framework import viewsets
            from rest_framework.decorators import action
            from rest_framework.response import Response

            from services import support as services

            from .models import Ticket


            class TicketViewSet(viewsets.ModelViewSet):
                queryset = Ticket.objects.all()

                @action(detail=True, methods=["post"])
                def summarise(self, request, pk=None):
                    ticket = self.get_object()
                    services.summarise_ticket(ticket)
                    return Response({"summary": ticket.summary})
        """,
        "services/__init__.py": "",
        "services/support.py": '''
            """Workflows of the support app: plain functions its views and serializers call."""

            from __future__ import annotations

            from support import ai
            from support.models import Ticket


            def summarise_ticket(ticket: Ticket) -> None:
                """Summarise the ticket."""
                ticket.summary = ai.summarise_ticket(ticket)
                ticket.save()
        ''',
    }
    assert_rewrites(NAME, before, after)


def test_a_webhook_writing_several_models_is_handled_under_its_own_name():
    before = {
        "billing/models.py": "class Invoice:\n    pass\n\n\nclass Ticket:\n    pass\n",
        "billing/views.py": """
            import json

            from django.http import HttpResponse

            from .models import Invoice, Ticket


            def stripe_webhook(request):
                event = json.loads(request.body)
                if event["type"] == "invoice.paid":
                    Invoice.objects.filter(number=event["number"]).update(paid=True)
                else:
                    Ticket.objects.create(subject="Payment failed %s" % event["number"])
                return HttpResponse(status=204)
        """,
    }
    result, _ = run_codemod(NAME, make_project(before))
    assert "def handle_stripe_webhook(event: Any) -> None:" in result.text("services/billing.py")
    assert "services.handle_stripe_webhook(event)" in result.text("billing/views.py")


ENQUIRIES = {
    "mysite/__init__.py": "",
    "mysite/settings.py": 'INSTALLED_APPS = ["enquiries"]\n',
    "manage.py": 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n',
    "enquiries/__init__.py": "",
    "enquiries/models.py": "class Enquiry:\n    pass\n",
}


def test_saving_an_instance_the_workflow_built_is_named_a_creation():
    view = """
        from django.contrib import messages
        from django.shortcuts import redirect

        from .models import Enquiry


        def enquiry_form(request):
            listing_id = request.POST.get("listing_id", 1)
            name = request.POST["name"]
            enquiry = Enquiry(listing_id=listing_id, name=name, email=request.POST["email"])
            enquiry.notified = False
            enquiry.save()
            messages.success(request, "Thanks, we will get back to you.")
            return redirect("/")
    """
    result, _ = run_codemod(NAME, make_project({**ENQUIRIES, "enquiries/views.py": view}))
    service = result.text("services/enquiries.py")
    assert "def create_enquiry(listing_id: str | int, name: str, email: str) -> None:" in service
    assert '"""Create the enquiry."""' in service
    assert 'services.create_enquiry(listing_id, name, email=request.POST["email"])' in (
        result.text("enquiries/views.py")
    )


def test_saving_an_instance_the_workflow_looked_up_stays_an_update():
    view = """
        from django.shortcuts import get_object_or_404, redirect

        from .models import Enquiry


        def enquiry_form(request, pk):
            enquiry = get_object_or_404(Enquiry, pk=pk)
            enquiry.name = request.POST["name"]
            enquiry.notified = False
            enquiry.save()
            return redirect("/")
    """
    result, _ = run_codemod(NAME, make_project({**ENQUIRIES, "enquiries/views.py": view}))
    assert "def update_enquiry(" in result.text("services/enquiries.py")


def test_a_function_views_view_suffix_is_no_part_of_the_service_name():
    # `checkout_address_create_view` (seen on codingforentrepreneurs/eCommerce) is a view that
    # creates a checkout address: the service says what it does, not that it was a view
    view = """
        from django.shortcuts import redirect

        from .models import Enquiry


        def enquiry_reply_create_view(request, pk):
            Enquiry.objects.filter(pk=pk).update(answered=True)
            Enquiry.objects.create(parent_id=pk, name=request.POST["name"])
            return redirect("/")


        def enquiry_close_api_view(request, pk):
            Enquiry.objects.filter(pk=pk).update(closed=True, reason=request.POST["reason"])
            Enquiry.objects.create(parent_id=pk, name="closed")
            return redirect("/")
    """
    result, _ = run_codemod(NAME, make_project({**ENQUIRIES, "enquiries/views.py": view}))
    service = result.text("services/enquiries.py")
    assert "def create_enquiry_reply(pk: Any, name: str) -> None:" in service
    assert "def close_enquiry(pk: Any, reason: str) -> None:" in service
    assert "_view" not in service
