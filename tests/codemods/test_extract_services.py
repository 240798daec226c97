from __future__ import annotations

import pytest

from tests.helpers import assert_noop, assert_rewrites, make_project, run_codemod

NAME = "extract-services"


def test_function_view_moves_workflow_and_keeps_transport():
    before = {
        "shop/models.py": "",
        "shop/views.py": """
            from django.contrib import messages
            from django.core.mail import send_mail
            from django.shortcuts import redirect, render

            from .forms import SignupForm
            from .models import Member, Welcome


            def signup(request):
                form = SignupForm(request.POST or None)
                if not form.is_valid():
                    return render(request, "signup.html", {"form": form})
                member = Member.objects.create(
                    owner=request.user, email=form.cleaned_data["email"]
                )
                Welcome.objects.create(member=member)
                send_mail("Hi", "Welcome", "shop@example.com", [member.email])
                messages.success(request, "Welcome!")
                return redirect("member", pk=member.pk)
        """,
    }
    after = {
        "shop/views.py": """
            from django.contrib import messages
            from django.shortcuts import redirect, render

            from .forms import SignupForm
            from services import shop as services


            def signup(request):
                form = SignupForm(request.POST or None)
                if not form.is_valid():
                    return render(request, "signup.html", {"form": form})
                member = services.signup(user=request.user, cleaned_data=form.cleaned_data)
                messages.success(request, "Welcome!")
                return redirect("member", pk=member.pk)
        """,
        "services/__init__.py": "",
        "services/shop.py": '''
            """Workflows of the shop app: plain functions its views and serializers call."""

            from django.core.mail import send_mail

            from shop.models import Member, Welcome


            def signup(user, cleaned_data):
                """Workflow moved out of shop.views.signup."""
                member = Member.objects.create(
                    owner=user, email=cleaned_data["email"]
                )
                Welcome.objects.create(member=member)
                send_mail("Hi", "Welcome", "shop@example.com", [member.email])
                return member
        ''',
    }
    assert_rewrites(NAME, before, after)


def test_class_based_view_post_passes_values_not_self():
    before = {
        "clinic/models.py": "",
        "clinic/views.py": """
            from django.shortcuts import get_object_or_404, redirect
            from django.utils import timezone
            from django.views import View

            from .models import Appointment, AuditEntry


            class CancelAppointmentView(View):
                def post(self, request, pk):
                    appointment = get_object_or_404(Appointment, pk=pk)
                    appointment.status = "cancelled"
                    appointment.cancelled_at = timezone.now()
                    appointment.save()
                    AuditEntry.objects.create(actor=self.request.user, appointment=appointment)
                    return redirect("appointments")
        """,
    }
    after = {
        "clinic/views.py": """
            from django.shortcuts import get_object_or_404, redirect
            from django.views import View

            from .models import Appointment
            from services import clinic as services


            class CancelAppointmentView(View):
                def post(self, request, pk):
                    appointment = get_object_or_404(Appointment, pk=pk)
                    services.cancel_appointment(appointment, user=self.request.user)
                    return redirect("appointments")
        """,
        "services/__init__.py": "",
        "services/clinic.py": '''
            """Workflows of the clinic app: plain functions its views and serializers call."""

            from django.utils import timezone

            from clinic.models import AuditEntry


            def cancel_appointment(appointment, user):
                """Workflow moved out of clinic.views.CancelAppointmentView.post."""
                appointment.status = "cancelled"
                appointment.cancelled_at = timezone.now()
                appointment.save()
                AuditEntry.objects.create(actor=user, appointment=appointment)
        ''',
    }
    assert_rewrites(NAME, before, after)


def test_drf_viewset_perform_create_and_action():
    before = {
        "integrations/__init__.py": "",
        "integrations/shipping.py": "def book_courier(address):\n    return address\n",
        "store/models.py": "",
        "store/api.py": """
            from rest_framework import viewsets
            from rest_framework.decorators import action
            from rest_framework.response import Response

            from integrations.shipping import book_courier
            from .models import AuditLog


            class OrderViewSet(viewsets.ModelViewSet):
                def perform_create(self, serializer):
                    order = serializer.save(user=self.request.user)
                    AuditLog.objects.create(order=order, action="created")

                @action(detail=True, methods=["post"])
                def ship(self, request, pk=None):
                    order = self.get_object()
                    tracking = book_courier(order.address)
                    order.tracking = tracking
                    order.save()
                    return Response({"tracking": tracking})
        """,
    }
    after = {
        "store/api.py": """
            from rest_framework import viewsets
            from rest_framework.decorators import action
            from rest_framework.response import Response

            from services import store as services


            class OrderViewSet(viewsets.ModelViewSet):
                def perform_create(self, serializer):
                    services.create_order(serializer, user=self.request.user)

                @action(detail=True, methods=["post"])
                def ship(self, request, pk=None):
                    order = self.get_object()
                    tracking = services.ship_order(order)
                    return Response({"tracking": tracking})
        """,
        "services/__init__.py": "",
        "services/store.py": '''
            """Workflows of the store app: plain functions its views and serializers call."""

            from integrations.shipping import book_courier
            from store.models import AuditLog


            def create_order(serializer, user):
                """Workflow moved out of store.api.OrderViewSet.perform_create.

                Takes `serializer` itself: its save() builds the instance from the validated
                data (and sets what the view shows next), which no plainer value can do.
                """
                order = serializer.save(user=user)
                AuditLog.objects.create(order=order, action="created")


            def ship_order(order):
                """Workflow moved out of store.api.OrderViewSet.ship."""
                tracking = book_courier(order.address)
                order.tracking = tracking
                order.save()
                return tracking
        ''',
    }
    assert_rewrites(NAME, before, after)


def test_serializer_create_moves_with_its_return():
    before = {
        "store/models.py": "",
        "store/serializers.py": """
            from rest_framework import serializers

            from .models import Order, OrderLine


            class OrderSerializer(serializers.ModelSerializer):
                def create(self, validated_data):
                    lines = validated_data.pop("lines")
                    order = Order.objects.create(by=self.context["request"].user, **validated_data)
                    for line in lines:
                        OrderLine.objects.create(order=order, **line)
                    return order
        """,
    }
    after = {
        "store/serializers.py": """
            from rest_framework import serializers

            from services import store as services


            class OrderSerializer(serializers.ModelSerializer):
                def create(self, validated_data):
                    return services.create_order(validated_data, user=self.context["request"].user)
        """,
        "services/__init__.py": "",
        "services/store.py": '''
            """Workflows of the store app: plain functions its views and serializers call."""

            from store.models import Order, OrderLine


            def create_order(validated_data, user):
                """Workflow moved out of store.serializers.OrderSerializer.create."""
                lines = validated_data.pop("lines")
                order = Order.objects.create(by=user, **validated_data)
                for line in lines:
                    OrderLine.objects.create(order=order, **line)
                return order
        ''',
    }
    assert_rewrites(NAME, before, after)


def test_early_return_inside_the_run_becomes_an_exception_the_view_maps_back():
    before = {
        "bank/models.py": "",
        "bank/views.py": """
            from django.shortcuts import redirect, render

            from .models import Account, Transfer


            def transfer(request, pk):
                source = Account.objects.get(pk=pk)
                amount = int(request.POST["amount"])
                transfer = Transfer.objects.create(source=source, amount=amount)
                if source.balance < amount:
                    transfer.delete()
                    return render(request, "declined.html", {"transfer": transfer}, status=402)
                source.balance -= amount
                source.save()
                return redirect("account", pk=pk)
        """,
    }
    after = {
        "bank/views.py": """
            from django.shortcuts import redirect, render

            from .models import Account
            from services import bank as services


            def transfer(request, pk):
                source = Account.objects.get(pk=pk)
                amount = int(request.POST["amount"])
                try:
                    services.transfer(source, amount)
                except services.TransferStopped as stopped:
                    transfer = stopped.args[0]
                    return render(request, "declined.html", {"transfer": transfer}, status=402)
                return redirect("account", pk=pk)
        """,
        "services/__init__.py": "",
        "services/bank.py": '''
            """Workflows of the bank app: plain functions its views and serializers call."""

            from bank.models import Transfer


            class TransferStopped(Exception):
                """transfer stopped early; the view answers as it did before."""


            def transfer(source, amount):
                """Workflow moved out of bank.views.transfer."""
                transfer = Transfer.objects.create(source=source, amount=amount)
                if source.balance < amount:
                    transfer.delete()
                    raise TransferStopped(transfer)
                source.balance -= amount
                source.save()
        ''',
    }
    assert_rewrites(NAME, before, after)


def test_loop_and_try_except_around_integration_call():
    before = {
        "shop/models.py": "",
        "shop/views.py": """
            from django.contrib import messages
            from django.shortcuts import redirect

            from integrations.stripe import CardError, charge
            from .models import Order


            def pay(request, pk):
                order = Order.objects.get(pk=pk)
                try:
                    payment = charge(order.total, request.POST["token"])
                except CardError as exc:
                    messages.error(request, exc.user_message)
                    return redirect("cart")
                for line in order.lines.all():
                    line.product.stock -= line.quantity
                    line.product.save()
                order.payment_id = payment.id
                order.save()
                return redirect("thanks")
        """,
    }
    after = {
        "shop/views.py": """
            from django.contrib import messages
            from django.shortcuts import redirect

            from services import shop as services


            def pay(request, pk):
                try:
                    services.pay(pk, token=request.POST["token"])
                except services.PayCardError as stopped:
                    exc = stopped.args[0]
                    messages.error(request, exc.user_message)
                    return redirect("cart")
                return redirect("thanks")
        """,
        "services/__init__.py": "",
        "services/shop.py": '''
            """Workflows of the shop app: plain functions its views and serializers call."""

            from integrations.stripe import CardError, charge

            from shop.models import Order


            class PayCardError(Exception):
                """pay stopped early; the view answers as it did before."""


            def pay(pk, token):
                """Workflow moved out of shop.views.pay."""
                order = Order.objects.get(pk=pk)
                try:
                    payment = charge(order.total, token)
                except CardError as exc:
                    raise PayCardError(exc)
                for line in order.lines.all():
                    line.product.stock -= line.quantity
                    line.product.save()
                order.payment_id = payment.id
                order.save()
        ''',
    }
    assert_rewrites(NAME, before, after)


def test_helper_moves_along_and_patch_targets_follow():
    before = {
        "clinic/models.py": "",
        "clinic/views.py": """
            from django.shortcuts import redirect
            from twilio.rest import Client

            from .models import Booking


            def _text(phone, body):
                Client().messages.create(to=phone, body=body)


            def book(request):
                booking = Booking.objects.create(patient=request.user)
                _text(booking.phone, "Booked")
                return redirect("bookings")
        """,
        "clinic/tests.py": """
            from unittest import mock


            @mock.patch("clinic.views._text")
            @mock.patch("clinic.views.Client")
            def test_book(client, text):
                pass
        """,
    }
    after = {
        "clinic/views.py": """
            from django.shortcuts import redirect

            from services import clinic as services


            def book(request):
                services.book(user=request.user)
                return redirect("bookings")
        """,
        "clinic/tests.py": """
            from unittest import mock


            @mock.patch("services.clinic._text")
            @mock.patch("services.clinic.Client")
            def test_book(client, text):
                pass
        """,
        "services/__init__.py": "",
        "services/clinic.py": '''
            """Workflows of the clinic app: plain functions its views and serializers call."""

            from twilio.rest import Client

            from clinic.models import Booking


            def _text(phone, body):
                Client().messages.create(to=phone, body=body)


            def book(user):
                """Workflow moved out of clinic.views.book."""
                booking = Booking.objects.create(patient=user)
                _text(booking.phone, "Booked")
        ''',
    }
    assert_rewrites(NAME, before, after)


def test_helper_still_used_by_the_view_is_imported_back():
    before = {
        "shop/models.py": "",
        "shop/views.py": """
            from django.http import JsonResponse

            from .models import Order

            FEE = 3


            def _total(order):
                return order.amount + FEE


            def quote(request, pk):
                return JsonResponse({"total": _total(Order.objects.get(pk=pk))})


            def close(request, pk):
                order = Order.objects.get(pk=pk)
                order.total = _total(order)
                order.save()
                return JsonResponse({"ok": True})
        """,
    }
    after = {
        "shop/views.py": """
            from django.http import JsonResponse

            from .models import Order
            from services import shop as services
            from services.shop import _total


            def quote(request, pk):
                return JsonResponse({"total": _total(Order.objects.get(pk=pk))})


            def close(request, pk):
                services.close(pk)
                return JsonResponse({"ok": True})
        """,
        "services/__init__.py": "",
        "services/shop.py": '''
            """Workflows of the shop app: plain functions its views and serializers call."""

            from shop.models import Order


            FEE = 3


            def _total(order):
                return order.amount + FEE


            def close(pk):
                """Workflow moved out of shop.views.close."""
                order = Order.objects.get(pk=pk)
                order.total = _total(order)
                order.save()
        ''',
    }
    assert_rewrites(NAME, before, after)


def test_import_read_in_a_string_annotation_stays_and_one_only_shadowed_goes():
    before = {
        "shop/models.py": "",
        "shop/views.py": """
            from django.http import JsonResponse

            from .models import Order, Refund


            def _describe(order: "Order"):
                return [str(line) for line in order.lines]


            def _label(Refund):
                return lambda: Refund.reason


            def close(request, pk):
                order = Order.objects.get(pk=pk)
                Refund.objects.create(order=order)
                order.save()
                return JsonResponse({"ok": True})
        """,
    }
    after = {
        "shop/views.py": """
            from django.http import JsonResponse

            from .models import Order
            from services import shop as services


            def _describe(order: "Order"):
                return [str(line) for line in order.lines]


            def _label(Refund):
                return lambda: Refund.reason


            def close(request, pk):
                services.close(pk)
                return JsonResponse({"ok": True})
        """,
        "services/__init__.py": "",
        "services/shop.py": '''
            """Workflows of the shop app: plain functions its views and serializers call."""

            from shop.models import Order, Refund


            def close(pk):
                """Workflow moved out of shop.views.close."""
                order = Order.objects.get(pk=pk)
                Refund.objects.create(order=order)
                order.save()
        ''',
    }
    assert_rewrites(NAME, before, after)


def test_appends_to_an_existing_service_module_without_duplicate_imports():
    before = {
        "shop/models.py": "",
        "services/__init__.py": "",
        "services/shop.py": '''
            """Shop workflows."""

            from shop.models import Order


            def archive(order):
                order.archived = True
                order.save()
        ''',
        "shop/views.py": """
            from django.shortcuts import redirect

            from .models import Order, Refund


            def refund(request, pk):
                order = Order.objects.get(pk=pk)
                Refund.objects.create(order=order)
                order.status = "refunded"
                order.save()
                return redirect("orders")
        """,
    }
    after = {
        "shop/views.py": """
            from django.shortcuts import redirect

            from services import shop as services


            def refund(request, pk):
                services.refund(pk)
                return redirect("orders")
        """,
        "services/shop.py": '''
            """Shop workflows."""

            from shop.models import Order
            from shop.models import Refund


            def archive(order):
                order.archived = True
                order.save()


            def refund(pk):
                """Workflow moved out of shop.views.refund."""
                order = Order.objects.get(pk=pk)
                Refund.objects.create(order=order)
                order.status = "refunded"
                order.save()
        ''',
    }
    assert_rewrites(NAME, before, after)


def test_names_stay_unique_across_views_and_serializers():
    before = {
        "store/models.py": "",
        "store/api.py": """
            from rest_framework import viewsets

            from .models import Log


            class OrderViewSet(viewsets.ModelViewSet):
                def perform_create(self, serializer):
                    order = serializer.save()
                    Log.objects.create(order=order)
        """,
        "store/serializers.py": """
            from rest_framework import serializers

            from .models import Order, Log


            class OrderSerializer(serializers.ModelSerializer):
                def create(self, validated_data):
                    order = Order.objects.create(**validated_data)
                    Log.objects.create(order=order)
                    return order
        """,
    }
    project = make_project(before)
    result, changes = run_codemod(NAME, project)
    service = result.text("services/store.py")
    assert "def create_order(serializer):" in service
    assert "def create_order_2(validated_data):" in service
    assert "return services.create_order_2(validated_data)" in result.text("store/serializers.py")
    _, again = run_codemod(NAME, result)
    assert again.is_empty


@pytest.mark.parametrize(
    ("views", "reason"),
    [
        pytest.param(
            """
            from django.http import JsonResponse

            from .models import Order


            def status(request, pk):
                return JsonResponse({"status": Order.objects.get(pk=pk).status})
            """,
            None,
            id="read only view",
        ),
        pytest.param(
            """
            from django.shortcuts import redirect

            from .forms import OrderForm


            def edit(request):
                form = OrderForm(request.POST)
                if form.is_valid():
                    form.save()
                return redirect("orders")
            """,
            "one call",
            id="lone form save",
        ),
        pytest.param(
            """
            from django.contrib import messages
            from django.shortcuts import redirect

            from .models import Order


            def close(request, pk):
                messages.info(request, Order.objects.filter(pk=pk).update(closed=True))
                return redirect("orders")
            """,
            "mixed with request or response handling",
            id="business inside a response call",
        ),
        pytest.param(
            """
            from django.db import transaction
            from django.shortcuts import redirect

            from .models import Order


            def close(request, pk):
                order = Order.objects.get(pk=pk)
                with transaction.atomic():
                    order.closed = True
                    order.save()
                    if order.total < 0:
                        return redirect("orders")
                    order.lines.update(closed=True)
                return redirect("order", pk=pk)
            """,
            "inside a `with` block",
            id="early return inside atomic",
        ),
        pytest.param(
            """
            from django.shortcuts import redirect

            from .models import Order


            async def close(request, pk):
                order = await Order.objects.aget(pk=pk)
                order.closed = True
                await order.asave()
                Order.objects.filter(pk=pk).update(closed=True)
                return redirect("orders")
            """,
            "async",
            id="async view",
        ),
    ],
)
def test_views_left_alone_get_a_note(views, reason):
    changes = assert_noop(NAME, {"shop/models.py": "", "shop/views.py": views})
    messages = [note.message for note in changes.notes]
    if reason is None:
        assert messages == []
    else:
        assert len(messages) == 1 and reason in messages[0], messages


def test_patched_name_still_used_by_the_view_blocks_the_move():
    before = {
        "shop/models.py": "",
        "shop/views.py": """
            from django.core.mail import send_mail
            from django.shortcuts import redirect

            from .models import Order


            def close(request, pk):
                order = Order.objects.get(pk=pk)
                order.closed = True
                order.save()
                send_mail("Closed", "", "a@b.c", [order.email])
                return redirect("orders")


            def ping(request):
                send_mail("Ping", "", "a@b.c", ["ops@b.c"])
                return redirect("orders")
        """,
        "shop/tests.py": """
            from unittest import mock


            @mock.patch("shop.views.send_mail")
            def test_close(send):
                pass
        """,
    }
    changes = assert_noop(NAME, before)
    assert any("tests patch shop.views.send_mail" in note.message for note in changes.notes)


def test_second_run_on_the_result_changes_nothing():
    before = {
        "shop/models.py": "",
        "shop/views.py": """
            from django.shortcuts import redirect

            from .models import Order


            def close(request, pk):
                order = Order.objects.get(pk=pk)
                order.closed = True
                order.save()
                order.lines.update(closed=True)
                return redirect("orders")
        """,
    }
    result, changes = run_codemod(NAME, make_project(before))
    assert not changes.is_empty
    _, again = run_codemod(NAME, result)
    assert again.is_empty and again.notes == ()


TINY_PROJECT = {
    "manage.py": """
        import os
        import sys

        if __name__ == "__main__":
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_cfg.settings")
            from django.core.management import execute_from_command_line

            execute_from_command_line(sys.argv)
    """,
    "site_cfg/__init__.py": "",
    "site_cfg/settings.py": """
        SECRET_KEY = "test"
        INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "shop"]
        DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
        ROOT_URLCONF = "shop.urls"
        EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        USE_TZ = True
    """,
    "shop/__init__.py": "",
    "shop/models.py": """
        from django.db import models


        class Order(models.Model):
            email = models.EmailField()
            total = models.IntegerField(default=0)
            status = models.CharField(max_length=20, default="new")
    """,
    "shop/urls.py": """
        from django.urls import path

        from . import views

        urlpatterns = [path("pay/<int:pk>/", views.pay, name="pay")]
    """,
    "shop/views.py": """
        from django.core.mail import send_mail
        from django.http import HttpResponse

        from .models import Order


        def _charge(order, token):
            if token == "bad":
                raise ValueError("declined")
            return "ch_1"


        def pay(request, pk):
            order = Order.objects.get(pk=pk)
            token = request.POST["token"]
            try:
                charge_id = _charge(order, token)
            except ValueError as exc:
                order.status = "declined"
                order.save()
                return HttpResponse(str(exc), status=402)
            order.status = "paid:" + charge_id
            order.save()
            send_mail("Paid", "Thanks", "shop@example.com", [order.email])
            return HttpResponse("ok")
    """,
    "shop/tests.py": """
        from unittest import mock

        from django.core import mail
        from django.test import TestCase

        from .models import Order


        class PayTests(TestCase):
            def test_paid(self):
                order = Order.objects.create(email="a@b.c")
                response = self.client.post(f"/pay/{order.pk}/", {"token": "ok"})
                self.assertEqual(response.status_code, 200)
                order.refresh_from_db()
                self.assertEqual(order.status, "paid:ch_1")
                self.assertEqual(len(mail.outbox), 1)

            def test_declined_maps_back_to_402(self):
                order = Order.objects.create(email="a@b.c")
                response = self.client.post(f"/pay/{order.pk}/", {"token": "bad"})
                self.assertEqual(response.status_code, 402)
                self.assertEqual(response.content, b"declined")
                order.refresh_from_db()
                self.assertEqual(order.status, "declined")
                self.assertEqual(mail.outbox, [])

            @mock.patch("shop.views.send_mail")
            @mock.patch("shop.views._charge", return_value="ch_mock")
            def test_patched_through_the_view(self, charge, send):
                order = Order.objects.create(email="a@b.c")
                self.client.post(f"/pay/{order.pk}/", {"token": "ok"})
                order.refresh_from_db()
                self.assertEqual(order.status, "paid:ch_mock")
                send.assert_called_once()
    """,
}


def _django_tests_pass(root) -> tuple[bool, str]:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "manage.py", "test", "-v", "2"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    return done.returncode == 0 and "Ran 3 tests" in done.stderr, done.stderr


def test_rewritten_project_still_passes_its_own_tests(tmp_path):
    from tests.helpers import dedent

    project = make_project(TINY_PROJECT)
    result, changes = run_codemod(NAME, project)
    assert "services/shop.py" in changes.writes
    for path, text in dedent(TINY_PROJECT).items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text or "")
    ok, output = _django_tests_pass(tmp_path)
    assert ok, output  # the fixture itself is sound before the rewrite
    for path in result.paths:
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(result.text(path))
    assert ".save()" not in result.text("shop/views.py")
    assert '"services.shop.send_mail"' in result.text("shop/tests.py")
    ok, output = _django_tests_pass(tmp_path)
    assert ok, output


def test_aliased_and_module_imports_are_carried_as_written():
    before = {
        "integrations/__init__.py": "",
        "integrations/stripe.py": "def charge(amount):\n    return amount\n",
        "shop/__init__.py": "",
        "shop/models.py": "",
        "shop/views.py": """
            import logging

            import integrations.stripe as pay
            from django.core.mail import send_mail as mail_out
            from django.http import HttpResponse

            from . import models

            log = logging.getLogger("shop.payments")


            def buy(request, pk):
                order = models.Order.objects.get(pk=pk)
                pay.charge(order.total)
                order.paid = True
                order.save()
                mail_out("Paid", "", "a@b.c", [order.email])
                log.info("paid %s", order.pk)
                return HttpResponse("ok")
        """,
    }
    after = {
        "shop/views.py": """
            import logging

            from django.http import HttpResponse

            from services import shop as services

            log = logging.getLogger("shop.payments")


            def buy(request, pk):
                order = services.buy(pk)
                log.info("paid %s", order.pk)
                return HttpResponse("ok")
        """,
        "services/__init__.py": "",
        "services/shop.py": '''
            """Workflows of the shop app: plain functions its views and serializers call."""

            from django.core.mail import send_mail as mail_out

            import integrations.stripe as pay
            from shop import models


            def buy(pk):
                """Workflow moved out of shop.views.buy."""
                order = models.Order.objects.get(pk=pk)
                pay.charge(order.total)
                order.paid = True
                order.save()
                mail_out("Paid", "", "a@b.c", [order.email])
                return order
        ''',
    }
    assert_rewrites(NAME, before, after)


def test_workflow_needing_a_serializer_stays_so_services_never_import_them():
    before = {
        "store/__init__.py": "",
        "store/models.py": "",
        "store/serializers.py": "class ReceiptSerializer:\n    pass\n",
        "store/api.py": """
            from rest_framework.response import Response
            from rest_framework.views import APIView

            from .models import Order
            from .serializers import ReceiptSerializer


            class CloseView(APIView):
                def post(self, request, pk):
                    order = Order.objects.get(pk=pk)
                    order.closed = True
                    receipt = ReceiptSerializer(order)
                    order.save()
                    return Response(receipt.data)
        """,
    }
    changes = assert_noop(NAME, before)
    [note] = changes.notes
    assert note.path == "store/api.py"
    assert "ReceiptSerializer from store.serializers" in note.message
