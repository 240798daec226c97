"""extract-services: what moves with a workflow besides its statements. Module state it shares
with the view has one home (the service; the view imports it back), loggers keep their names,
every comment stays next to its code, the computation around the writes moves with them, and
HTTP objects stay in the view."""

from __future__ import annotations

from tests.helpers import assert_rewrites, make_project, run_codemod

NAME = "extract-services"


def test_module_state_read_by_view_and_workflow_has_one_home():
    before = {
        "support/models.py": "class Ticket:\n    pass\n",
        "support/views.py": """
            from django.shortcuts import get_object_or_404, redirect
            from django.utils import timezone

            from .models import Ticket

            # ticket id -> when it was escalated, so a double click pages on-call once
            RECENT_ESCALATIONS = {}
            CURSOR = {"next": 0}


            def escalate_ticket(request, pk):
                ticket = get_object_or_404(Ticket, pk=pk)
                if ticket.pk in RECENT_ESCALATIONS:
                    return redirect("ticket", pk=pk)
                RECENT_ESCALATIONS[ticket.pk] = timezone.now()
                CURSOR["next"] += 1
                ticket.priority = "urgent"
                ticket.save()
                return redirect("ticket", pk=pk)
        """,
    }
    after = {
        "support/views.py": """
            from django.shortcuts import get_object_or_404, redirect

            from services import support as services
            from services.support import RECENT_ESCALATIONS

            from .models import Ticket


            def escalate_ticket(request, pk):
                ticket = get_object_or_404(Ticket, pk=pk)
                if ticket.pk in RECENT_ESCALATIONS:
                    return redirect("ticket", pk=pk)
                services.escalate_ticket(ticket)
                return redirect("ticket", pk=pk)
        """,
        "services/__init__.py": "",
        "services/support.py": '''
            """Workflows of the support app: plain functions its views and serializers call."""

            from __future__ import annotations

            from typing import Any

            from django.utils import timezone

            from support.models import Ticket

            # ticket id -> when it was escalated, so a double click pages on-call once
            RECENT_ESCALATIONS: dict[Any, Any] = {}
            CURSOR = {"next": 0}


            def escalate_ticket(ticket: Ticket) -> None:
                """Escalate the ticket."""
                RECENT_ESCALATIONS[ticket.pk] = timezone.now()
                CURSOR["next"] += 1
                ticket.priority = "urgent"
                ticket.save()
        ''',
    }
    assert_rewrites(NAME, before, after)


def test_moved_code_logs_under_the_views_logger_name():
    before = {
        "shop/models.py": "class Order:\n    pass\n",
        "shop/views.py": """
            import logging

            from django.http import HttpResponse

            from .models import Order

            logger = logging.getLogger(__name__)


            def close_order(request, pk):
                order = Order.objects.get(pk=pk)
                order.closed = True
                order.save()
                logger.info("closed %s", order.pk)
                order.lines.update(closed=True)
                return HttpResponse("ok")
        """,
        "shop/api.py": """
            import logging

            from rest_framework.response import Response
            from rest_framework.views import APIView

            from .models import Order

            logger = logging.getLogger(__name__)


            class ReopenOrderView(APIView):
                def post(self, request, pk):
                    order = Order.objects.get(pk=pk)
                    order.closed = False
                    order.save()
                    logger.info("reopened %s", order.pk)
                    order.lines.update(closed=False)
                    return Response({"ok": True})
        """,
    }
    result, _ = run_codemod(NAME, make_project(before))
    service = result.text("services/shop.py")
    assert (
        "# the views' logger name: logging config and alerts keyed on it still apply\n"
        'logger = logging.getLogger("shop.api")\n'
    ) in service
    assert 'views_logger = logging.getLogger("shop.views")' in service
    assert 'views_logger.info("closed %s", order.pk)' in service
    assert 'logger.info("reopened %s", order.pk)' in service
    assert "logger" not in result.text("shop/views.py")


def test_every_comment_survives_next_to_its_code():
    before = {
        "integrations/__init__.py": "",
        "integrations/payments.py": "class Declined(Exception):\n    pass\n",
        "shop/models.py": "class Order:\n    pass\n",
        "shop/views.py": """
            from django.contrib import messages
            from django.shortcuts import redirect

            from integrations import payments
            from .models import Order


            # the helper is shared by refunds and chargebacks
            def _restock(order):
                # put every line back, even the free gifts
                for line in order.lines.all():
                    line.product.stock += line.quantity  # quantities are never negative
                    line.product.save()


            def refund_order(request, pk):
                order = Order.objects.get(pk=pk)
                # refunds go through the provider first, the stock only after
                try:
                    payments.refund(order.charge_id)
                except payments.Declined:
                    # the provider keeps the money: tell the agent
                    messages.error(request, "Refund declined.")
                    return redirect("order", pk=pk)
                _restock(order)  # before the status, the report reads both
                order.status = Order.REFUNDED
                order.save()
                # a refund always ends on the order page
                return redirect("order", pk=pk)
        """,
    }
    after = {
        "shop/views.py": """
            from django.contrib import messages
            from django.shortcuts import redirect

            from services import shop as services


            def refund_order(request, pk):
                try:
                    services.refund_order(pk)
                except services.RefundFailed:
                    # the provider keeps the money: tell the agent
                    messages.error(request, "Refund declined.")
                    return redirect("order", pk=pk)
                # a refund always ends on the order page
                return redirect("order", pk=pk)
        """,
        "services/__init__.py": "",
        "services/shop.py": '''
            """Workflows of the shop app: plain functions its views and serializers call."""

            from __future__ import annotations

            from typing import Any

            from integrations import payments
            from shop.models import Order


            class RefundFailed(Exception):
                """Raised when the refund is refused by the payments API."""


            # the helper is shared by refunds and chargebacks
            def _restock(order):
                # put every line back, even the free gifts
                for line in order.lines.all():
                    line.product.stock += line.quantity  # quantities are never negative
                    line.product.save()


            def refund_order(pk: Any) -> None:
                """Refund the order: call the payments API and restock."""
                order = Order.objects.get(pk=pk)
                # refunds go through the provider first, the stock only after
                try:
                    payments.refund(order.charge_id)
                except payments.Declined as exc:
                    raise RefundFailed(str(exc)) from exc
                _restock(order)  # before the status, the report reads both
                order.status = Order.REFUNDED
                order.save()
        ''',
    }
    assert_rewrites(NAME, before, after)


def test_the_computation_around_the_writes_moves_with_them():
    """Scoring interleaved with reads of the answers: the answers are passed as a mapping, the
    scoring and both saves move; the view keeps reading its own input and what it renders."""
    before = {
        "quiz/models.py": "class Attempt:\n    pass\n\n\nclass Quiz:\n    pass\n",
        "quiz/views.py": """
            from django.shortcuts import get_object_or_404, render

            from .models import Attempt, Quiz


            def submit_quiz(request, pk):
                quiz = get_object_or_404(Quiz, pk=pk)
                score = 0
                for question in quiz.questions.all():
                    if request.POST.get(f"q{question.pk}") == question.answer:
                        score += question.points
                bonus = int(request.POST["seconds_left"]) // 10
                total = min(score + bonus, quiz.max_score)
                passed = total >= quiz.pass_mark
                attempt = Attempt.objects.create(quiz=quiz, user=request.user, score=total)
                if passed:
                    request.user.profile.badges += 1
                    request.user.profile.save()
                return render(request, "result.html", {"attempt": attempt, "passed": passed})
        """,
    }
    after = {
        "quiz/views.py": """
            from django.shortcuts import get_object_or_404, render

            from services import quiz as services

            from .models import Quiz


            def submit_quiz(request, pk):
                quiz = get_object_or_404(Quiz, pk=pk)
                bonus = int(request.POST["seconds_left"]) // 10
                passed, attempt = services.submit_quiz(
                    quiz,
                    bonus,
                    user=request.user,
                    post_data=request.POST,
                )
                return render(request, "result.html", {"attempt": attempt, "passed": passed})
        """,
        "services/__init__.py": "",
        "services/quiz.py": '''
            """Workflows of the quiz app: plain functions its views and serializers call."""

            from __future__ import annotations

            from collections.abc import Mapping
            from typing import Any

            from django.contrib.auth.models import User

            from quiz.models import Attempt, Quiz


            def submit_quiz(
                quiz: Quiz,
                bonus: int,
                user: User,
                post_data: Mapping[str, Any],
            ) -> tuple[bool, Attempt]:
                """Submit the quiz: create the attempt."""
                score = 0
                for question in quiz.questions.all():
                    if post_data.get(f"q{question.pk}") == question.answer:
                        score += question.points
                total = min(score + bonus, quiz.max_score)
                passed = total >= quiz.pass_mark
                attempt = Attempt.objects.create(quiz=quiz, user=user, score=total)
                if passed:
                    user.profile.badges += 1
                    user.profile.save()
                return passed, attempt
        ''',
    }
    assert_rewrites(NAME, before, after)


def test_http_objects_stay_in_the_view():
    """Messages, URLs for a page and templates are the view's: an email body rendered from a
    template is rendered by the view and passed as text."""
    before = {
        "shop/models.py": "class Order:\n    pass\n",
        "shop/views.py": """
            from django.contrib import messages
            from django.core.mail import send_mail
            from django.shortcuts import redirect
            from django.template.loader import render_to_string
            from django.urls import reverse

            from .models import Order


            def confirm_order(request, pk):
                order = Order.objects.get(pk=pk)
                order.confirmed = True
                order.save()
                url = request.build_absolute_uri(reverse("order", args=[order.pk]))
                messages.success(request, "Confirmed.")
                send_mail(
                    "Confirmed",
                    render_to_string("shop/confirmed.txt", {"order": order, "url": url}),
                    "shop@example.com",
                    [order.email],
                )
                send_mail("New order", url, "shop@example.com", ["sales@example.com"])
                return redirect(url)
        """,
    }
    result, _ = run_codemod(NAME, make_project(before))
    service = result.text("services/shop.py")
    assert "django.template" not in service and "reverse" not in service
    assert "messages" not in service and "request" not in service
    assert "def send_order_emails(order: Order, url: str, confirmed_text: str) -> None:" in service
    view = result.text("shop/views.py")
    assert 'confirmed_text=render_to_string("shop/confirmed.txt"' in view
    assert 'messages.success(request, "Confirmed.")' in view


STATE_PATCHED = {
    "support/models.py": "class Ticket:\n    pass\n",
    "support/views.py": """
        from django.shortcuts import redirect

        from .models import Ticket

        SEEN = {}


        def escalate_ticket(request, pk):
            ticket = Ticket.objects.get(pk=pk)
            if ticket.pk in SEEN:
                return redirect("ticket", pk=pk)
            SEEN[ticket.pk] = True
            ticket.priority = "urgent"
            ticket.save()
            return redirect("ticket", pk=pk)
    """,
}


def test_state_a_test_patches_in_place_still_moves():
    """`mock.patch.dict` changes the one dict both modules hold: nothing to redirect."""
    tests = """
        from unittest import mock


        @mock.patch.dict("support.views.SEEN", {1: True})
        def test_seen():
            pass
    """
    result, changes = run_codemod(NAME, make_project({**STATE_PATCHED, "support/tests.py": tests}))
    assert "from services.support import SEEN" in result.text("support/views.py")
    assert changes.notes == () and changes.redirects == ()


def test_state_a_test_replaces_through_the_view_blocks_the_move():
    """`mock.patch` rebinds the view's name only: the service would not see the patch."""
    tests = """
        from unittest import mock


        @mock.patch("support.views.SEEN", {1: True})
        def test_seen():
            pass
    """
    _, changes = run_codemod(NAME, make_project({**STATE_PATCHED, "support/tests.py": tests}))
    assert changes.is_empty
    assert [n.message for n in changes.notes] == [
        "escalate_ticket left in the view: tests patch support.views.SEEN, which both the view "
        "and the workflow use; patch it in both places, then move the workflow by hand"
    ]
