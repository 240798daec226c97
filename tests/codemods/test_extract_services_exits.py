"""extract-services: early exits. A failure becomes a domain exception named for its condition,
with named attributes, raised `from` its cause, that the view catches by name to answer as
before; a success shortcut returns False; a guard on the domain moves with the workflow while
the view keeps validating its input."""

from __future__ import annotations

from textwrap import dedent

from tests.helpers import assert_noop, assert_rewrites, make_project, run_codemod

NAME = "extract-services"


def test_success_path_early_return_returns_false_instead_of_raising():
    before = {
        "support/models.py": "class Ticket:\n    pass\n",
        "support/views.py": """
            from django.contrib import messages
            from django.core.mail import send_mail
            from django.shortcuts import get_object_or_404, redirect

            from .models import Ticket


            def close_ticket(request, pk):
                ticket = get_object_or_404(Ticket, pk=pk)
                if ticket.is_closed:
                    if ticket.closed_at is None:
                        ticket.closed_at = ticket.updated_at
                        ticket.save()
                    messages.info(request, "Already closed.")
                    return redirect("queue")
                ticket.status = "closed"
                ticket.save()
                send_mail("Closed", "Bye", "desk@example.com", [ticket.email])
                messages.success(request, "Closed.")
                return redirect("queue")
        """,
    }
    after = {
        "support/views.py": """
            from django.contrib import messages
            from django.shortcuts import get_object_or_404, redirect

            from services import support as services

            from .models import Ticket


            def close_ticket(request, pk):
                ticket = get_object_or_404(Ticket, pk=pk)
                if not services.close_ticket(ticket):
                    messages.info(request, "Already closed.")
                    return redirect("queue")
                messages.success(request, "Closed.")
                return redirect("queue")
        """,
        "services/__init__.py": "",
        "services/support.py": '''
            """Workflows of the support app: plain functions its views and serializers call."""

            from __future__ import annotations

            from django.core.mail import send_mail

            from support.models import Ticket


            def close_ticket(ticket: Ticket) -> bool:
                """Close the ticket: send the email.

                Returns False, and does nothing more, when the ticket is already closed.
                """
                if ticket.is_closed:
                    if ticket.closed_at is None:
                        ticket.closed_at = ticket.updated_at
                        ticket.save()
                    return False
                ticket.status = "closed"
                ticket.save()
                send_mail("Closed", "Bye", "desk@example.com", [ticket.email])
                return True
        ''',
    }
    assert_rewrites(NAME, before, after)


BOOKING = {
    "integrations/__init__.py": "",
    "integrations/stripe.py": "class CardError(Exception):\n    pass\n",
    "clinic/models.py": "class Appointment:\n    pass\n\n\nclass Payment:\n    pass\n",
    "clinic/views.py": """
        from decimal import Decimal

        from django.shortcuts import render

        from integrations import stripe
        from .models import Appointment, Payment


        def book_appointment(request):
            data = request.POST
            deposit = Decimal("20.00")
            appointment = Appointment.objects.create(patient=request.user)
            if request.user.is_insured:
                deposit = Decimal("0.00")
            if deposit > 0:
                if not data.get("payment_method_id"):
                    appointment.delete()
                    return render(request, "book.html", {"deposit": deposit}, status=400)
                try:
                    stripe.charge(deposit, data["payment_method_id"])
                except stripe.CardError as e:
                    Payment.objects.create(appointment=appointment, failed=True)
                    context = {"deposit": deposit, "error": e.user_message}
                    return render(request, "book.html", context, status=402)
            appointment.confirmed = True
            appointment.save()
            return render(request, "booked.html", {"appointment": appointment})
    """,
}


def test_failures_raise_named_exceptions_with_attributes_the_view_reads():
    after = {
        "clinic/views.py": """
            from django.shortcuts import render

            from services import clinic as services


            def book_appointment(request):
                data = request.POST
                try:
                    appointment = services.book_appointment(data, user=request.user)
                except services.PaymentMethodRequired as error:
                    return render(request, "book.html", {"deposit": error.deposit}, status=400)
                except services.PaymentDeclined as e:
                    context = {"deposit": e.deposit, "error": e.user_message}
                    return render(request, "book.html", context, status=402)
                return render(request, "booked.html", {"appointment": appointment})
        """,
        "services/__init__.py": "",
        "services/clinic.py": '''
            """Workflows of the clinic app: plain functions its views and serializers call."""

            from __future__ import annotations

            from decimal import Decimal
            from typing import Any

            from django.contrib.auth.models import User

            from clinic.models import Appointment, Payment
            from integrations import stripe


            class PaymentMethodRequired(Exception):
                """Raised when no payment method is given."""

                def __init__(self, message: str = "", *, deposit: Decimal) -> None:
                    super().__init__(message)
                    self.deposit = deposit


            class PaymentDeclined(Exception):
                """Raised when the card is declined."""

                def __init__(
                    self,
                    message: str = "",
                    *,
                    deposit: Decimal,
                    user_message: str | None,
                ) -> None:
                    super().__init__(message)
                    self.deposit = deposit
                    self.user_message = user_message


            def book_appointment(data: Any, user: User) -> Appointment:
                """Book the appointment: charge through Stripe."""
                deposit = Decimal("20.00")
                appointment = Appointment.objects.create(patient=user)
                if user.is_insured:
                    deposit = Decimal("0.00")
                if deposit > 0:
                    if not data.get("payment_method_id"):
                        appointment.delete()
                        raise PaymentMethodRequired(deposit=deposit)
                    try:
                        stripe.charge(deposit, data["payment_method_id"])
                    except stripe.CardError as e:
                        Payment.objects.create(appointment=appointment, failed=True)
                        raise PaymentDeclined(
                            str(e),
                            deposit=deposit,
                            user_message=e.user_message,
                        ) from e
                appointment.confirmed = True
                appointment.save()
                return appointment
        ''',
    }
    assert_rewrites(NAME, BOOKING, after)


def test_a_success_answer_every_run_that_does_not_fail_ends_at_follows_the_call():
    # the answer at the end of the `try` is where the workflow always ends unless the order
    # is missing: the service just ends there (no flag to return), the view answers after it
    before = {
        "shop/models.py": "class Order:\n    pass\n\n\nclass Refund:\n    pass\n",
        "shop/views.py": """
            from django.contrib import messages
            from django.core.exceptions import ObjectDoesNotExist
            from django.shortcuts import redirect

            from .models import Order, Refund


            def request_refund(request):
                ref_code = request.POST.get("ref_code")
                # mark the order
                try:
                    order = Order.objects.get(ref_code=ref_code)
                    order.refund_requested = True
                    order.save()
                    Refund.objects.create(order=order, reason=request.POST.get("message"))

                    messages.info(request, "Your request was received.")
                    return redirect("request-refund")
                except ObjectDoesNotExist:
                    messages.info(request, "This order does not exist.")
                    return redirect("request-refund")
        """,
    }
    after = {
        "shop/views.py": """
            from django.contrib import messages
            from django.shortcuts import redirect

            from services import shop as services


            def request_refund(request):
                ref_code = request.POST.get("ref_code")
                try:
                    services.request_refund(ref_code, message=request.POST.get("message"))
                except services.OrderNotFound:
                    messages.info(request, "This order does not exist.")
                    return redirect("request-refund")

                messages.info(request, "Your request was received.")
                return redirect("request-refund")
        """,
        "services/__init__.py": "",
        "services/shop.py": '''
            """Workflows of the shop app: plain functions its views and serializers call."""

            from __future__ import annotations

            from django.core.exceptions import ObjectDoesNotExist

            from shop.models import Order, Refund


            class OrderNotFound(Exception):
                """Raised when the order does not exist."""


            def request_refund(ref_code: str | None, message: str | None) -> None:
                """Request the refund: update the order."""
                # mark the order
                try:
                    order = Order.objects.get(ref_code=ref_code)
                    order.refund_requested = True
                    order.save()
                    Refund.objects.create(order=order, reason=message)
                except ObjectDoesNotExist as exc:
                    raise OrderNotFound(str(exc)) from exc
        ''',
    }
    assert_rewrites(NAME, before, after)


def _missing_exception(caught: str, lookups: str) -> str:
    """The exception class the service raises for `except {caught}` around `lookups`."""
    views = """
        from django.core.exceptions import ObjectDoesNotExist
        from django.shortcuts import redirect

        from .models import Coupon, Order, Usage


        def apply_coupon(request, pk):
            try:
                LOOKUPS
                order.coupon = coupon
                order.save()
                Usage.objects.create(order=order, coupon=coupon)
            except CAUGHT:
                return redirect("order", pk=pk)
            return redirect("checkout")
    """
    project = make_project(
        {
            "shop/models.py": "class Coupon:\n    pass\n\n\nclass Order:\n    pass\n\n\n"
            "class Usage:\n    pass\n",
            "shop/views.py": views.replace("CAUGHT", caught).replace(
                "LOOKUPS", lookups.replace("\n", "\n                ")
            ),
        }
    )
    after, _ = run_codemod(NAME, project)
    service = after.text("services/shop.py")
    return next(line for line in service.splitlines() if line.startswith("class "))


def test_a_caught_lookup_failure_is_named_for_the_missing_model():
    order = "order = Order.objects.get(pk=pk)"
    both = 'order = Order.objects.get(pk=pk)\ncoupon = Coupon.objects.get(code="x")'
    assert _missing_exception("ObjectDoesNotExist", f'{order}\ncoupon = "x"') == (
        "class OrderNotFound(Exception):"
    )
    assert _missing_exception("Coupon.DoesNotExist", both) == "class CouponNotFound(Exception):"
    # two lookups under one `except ObjectDoesNotExist`: which row is missing is not known
    assert _missing_exception("ObjectDoesNotExist", both) == "class NotFound(Exception):"


def _exception_init(caught: str, reads: str) -> str:
    """The `__init__` line of the exception the service raises for a handler `except {caught}
    as e` whose answer reads `{reads}`."""
    views = """
        from django.shortcuts import render
        from twilio.base.exceptions import TwilioRestException
        from twilio.rest import Client

        from .models import Reminder


        def send_reminder(request, pk):
            reminder = Reminder.objects.get(pk=pk)
            try:
                Client("sid", "token").messages.create(to=reminder.phone, body=reminder.text)
            except CAUGHT as e:
                reminder.failed = True
                reminder.save()
                return render(request, "failed.html", {"error": READS}, status=502)
            reminder.sent = True
            reminder.save()
            return render(request, "sent.html", {"reminder": reminder})
    """
    project = make_project(
        {
            "reminders/models.py": "class Reminder:\n    pass\n",
            "reminders/views.py": views.replace("CAUGHT", caught).replace("READS", reads),
        }
    )
    after, _ = run_codemod(NAME, project)
    service = after.text("services/reminders.py")
    return next(line.strip() for line in service.splitlines() if "def __init__" in line)


def test_what_a_caught_sdk_error_carries_keeps_its_type_on_the_domain_exception():
    assert _exception_init("TwilioRestException", '"%s (%s)" % (e.msg, e.status)') == (
        'def __init__(self, message: str = "", *, msg: str, status: int) -> None:'
    )
    # an attribute the registry does not list, or an error of no SDK, says nothing of its type
    assert _exception_init("TwilioRestException", "e.more_info").endswith(
        "*, more_info: Any) -> None:"
    )
    assert _exception_init("(TwilioRestException, ValueError)", "e.msg").endswith(
        "*, msg: Any) -> None:"
    )


def test_a_transport_raise_becomes_a_domain_exception_the_serializer_raises_again():
    before = {
        "store/models.py": "class Order:\n    pass\n\n\nclass Product:\n    pass\n",
        "store/serializers.py": """
            from django.db import transaction
            from rest_framework import serializers

            from .models import Order, Product


            class OrderSerializer(serializers.ModelSerializer):
                def create(self, validated_data):
                    items = validated_data.pop("items")
                    with transaction.atomic():
                        order = Order.objects.create(**validated_data)
                        for item in items:
                            product = Product.objects.select_for_update().get(pk=item["product"])
                            if product.stock < item["quantity"]:
                                raise serializers.ValidationError({"items": product.name})
                            product.stock -= item["quantity"]
                            product.save()
                    return order
        """,
    }
    after = {
        "store/serializers.py": """
            from rest_framework import serializers

            from services import store as services


            class OrderSerializer(serializers.ModelSerializer):
                def create(self, validated_data):
                    try:
                        return services.create_order(validated_data)
                    except services.InsufficientStock as error:
                        raise serializers.ValidationError({"items": error.product.name}) from error
        """,
        "services/__init__.py": "",
        "services/store.py": '''
            """Workflows of the store app: plain functions its views and serializers call."""

            from __future__ import annotations

            from typing import Any

            from django.db import transaction

            from store.models import Order, Product


            class InsufficientStock(Exception):
                """Raised when there is not enough stock."""

                def __init__(self, message: str = "", *, product: Product) -> None:
                    super().__init__(message)
                    self.product = product


            def create_order(validated_data: dict[str, Any]) -> Order:
                """Create the order: update the product."""
                items = validated_data.pop("items")
                with transaction.atomic():
                    order = Order.objects.create(**validated_data)
                    for item in items:
                        product = Product.objects.select_for_update().get(pk=item["product"])
                        if product.stock < item["quantity"]:
                            raise InsufficientStock(product=product)
                        product.stock -= item["quantity"]
                        product.save()
                return order
        ''',
    }
    assert_rewrites(NAME, before, after)


def test_domain_guards_move_with_the_workflow_and_input_checks_stay():
    """`order.status` is a domain rule: the service enforces it. The uploaded file is the
    request's: the view checks it."""
    before = {
        "integrations/__init__.py": "",
        "integrations/shipping.py": "class ShippingError(Exception):\n    pass\n",
        "store/models.py": "class Order:\n    pass\n\n\nclass Shipment:\n    pass\n",
        "store/api.py": """
            from rest_framework.response import Response
            from rest_framework.views import APIView

            from integrations import shipping

            from .models import Order, Shipment


            class ShipOrderView(APIView):
                def post(self, request, pk):
                    order = Order.objects.get(pk=pk)
                    label = request.FILES.get("label")
                    if label is None:
                        return Response({"label": "missing"}, status=400)
                    if order.status != Order.STATUS_PAID:
                        return Response({"detail": "not paid"}, status=409)
                    if Shipment.objects.filter(order=order).exists():
                        return Response({"detail": "shipped"}, status=409)
                    try:
                        tracking = shipping.send(order, label)
                    except shipping.ShippingError:
                        return Response({"detail": "try later"}, status=502)
                    Shipment.objects.create(order=order, tracking=tracking)
                    order.status = Order.STATUS_SHIPPED
                    order.save()
                    return Response({"tracking": tracking}, status=201)
        """,
    }
    after = {
        "store/api.py": """
            from rest_framework.response import Response
            from rest_framework.views import APIView

            from services import store as services

            from .models import Order


            class ShipOrderView(APIView):
                def post(self, request, pk):
                    order = Order.objects.get(pk=pk)
                    label = request.FILES.get("label")
                    if label is None:
                        return Response({"label": "missing"}, status=400)
                    try:
                        tracking = services.ship_order(order, label)
                    except services.OrderNotPaid:
                        return Response({"detail": "not paid"}, status=409)
                    except services.ShipmentAlreadyExists:
                        return Response({"detail": "shipped"}, status=409)
                    except services.ShippingFailed:
                        return Response({"detail": "try later"}, status=502)
                    return Response({"tracking": tracking}, status=201)
        """,
        "services/__init__.py": "",
        "services/store.py": '''
            """Workflows of the store app: plain functions its views and serializers call."""

            from __future__ import annotations

            from typing import Any

            from django.core.files.uploadedfile import UploadedFile

            from integrations import shipping
            from store.models import Order, Shipment


            class OrderNotPaid(Exception):
                """Raised when the order is not paid."""


            class ShipmentAlreadyExists(Exception):
                """Raised when a shipment already exists."""


            class ShippingFailed(Exception):
                """Raised when the shipping is refused by the shipping API."""


            def ship_order(order: Order, label: UploadedFile) -> Any:
                """Ship the order: create the shipment and call the shipping API."""
                if order.status != Order.STATUS_PAID:
                    raise OrderNotPaid()
                if Shipment.objects.filter(order=order).exists():
                    raise ShipmentAlreadyExists()
                try:
                    tracking = shipping.send(order, label)
                except shipping.ShippingError as exc:
                    raise ShippingFailed(str(exc)) from exc
                Shipment.objects.create(order=order, tracking=tracking)
                order.status = Order.STATUS_SHIPPED
                order.save()
                return tracking
        ''',
    }
    assert_rewrites(NAME, before, after)


def test_a_success_shortcut_that_needs_the_workflows_values_stays_with_a_note():
    before = {
        "chat/models.py": "class Message:\n    pass\n",
        "chat/views.py": """
            from django.shortcuts import redirect, render

            from .models import Message


            def send_message(request):
                text = request.POST["text"]
                message = Message.objects.create(author=request.user, text=text)
                if message.is_first:
                    message.author.badges.create(kind="first")
                    return render(request, "welcome.html", {"message": message})
                message.thread.touch()
                message.thread.save()
                return redirect("thread")
        """,
    }
    assert_noop(
        NAME,
        before,
        notes=[
            "chat/views.py:8: send_message left in the view: an early return on the success "
            "path needs values from the workflow; return them from a service by hand"
        ],
    )


WEBHOOK_PROJECT = {
    "mysite/__init__.py": "",
    "mysite/settings.py": 'INSTALLED_APPS = ["shop"]\n',
    "manage.py": 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n',
    "integrations/__init__.py": "",
    "integrations/paddle.py": '''
        import paddle


        def parse_event(payload: bytes, signature: str) -> dict:
            """Check a Paddle webhook and parse its event."""
            return paddle.Webhook.parse(payload, signature)
    ''',
    "shop/__init__.py": "",
    "shop/models.py": "class Order:\n    pass\n",
}


def test_a_value_error_of_the_input_is_named_for_the_input_it_could_not_read():
    view = """
        from django.http import HttpResponse

        from integrations import paddle

        from .models import Order


        def paddle_webhook(request):
            payload = request.body
            signature = request.META["HTTP_PADDLE_SIGNATURE"]
            try:
                event = paddle.parse_event(payload, signature)
            except ValueError:
                # a body that is not an event: log nothing, Paddle retries real ones
                return HttpResponse(status=400)
            order = Order.objects.get(paddle_id=event["order_id"])
            order.status = "paid"
            order.save()
            return HttpResponse(status=200)
    """
    result, _ = run_codemod(NAME, make_project({**WEBHOOK_PROJECT, "shop/views.py": view}))
    assert result.text("shop/views.py") == dedent(
        """
        from django.http import HttpResponse

        from services import shop as services


        def paddle_webhook(request):
            payload = request.body
            signature = request.META["HTTP_PADDLE_SIGNATURE"]
            try:
                services.pay_order(payload, signature)
            except services.InvalidPayload:
                # a body that is not an event: log nothing, Paddle retries real ones
                return HttpResponse(status=400)
            return HttpResponse(status=200)
        """
    ).lstrip("\n")
    service = result.text("services/shop.py")
    assert 'class InvalidPayload(Exception):\n    """Raised when the payload is not valid."""' in (
        service
    )
    assert "def pay_order(payload: bytes, signature: str) -> None:" in service
    assert "except ValueError as exc:\n        raise InvalidPayload(str(exc)) from exc" in service


def test_a_value_error_with_nothing_named_keeps_the_workflows_failure_name():
    view = """
        from django.http import HttpResponse

        from integrations import paddle

        from .models import Order


        def refund_order(request, order_id):
            order = Order.objects.get(pk=order_id)
            try:
                paddle.parse_event(b"{}", "test")
            except ValueError:
                return HttpResponse(status=400)
            order.status = "refunded"
            order.save()
            return HttpResponse(status=200)
    """
    result, _ = run_codemod(NAME, make_project({**WEBHOOK_PROJECT, "shop/views.py": view}))
    service = result.text("services/shop.py")
    assert "class RefundFailed(Exception):" in service
    assert "Invalid" not in service
