"""Rule 6: email, SMS, AI and outside-API calls on the request path, and the queue."""

from __future__ import annotations

import pytest

from djrefactor.audit import explicit_async
from djrefactor.project import Project
from tests.audit.cases import found, legacy
from tests.helpers import make_project

CELERY = {
    "mysite/celery.py": "from celery import Celery\n\napp = Celery('mysite')\n",
}


def test_a_mail_sent_in_the_view_becomes_a_task() -> None:
    files = legacy(
        **CELERY,
        **{
            "shop/views.py": """
                from django.core.mail import send_mail


                def checkout(request):
                    send_mail("paid", "", None, [request.user.email])
                    return redirect("done")
            """,
        },
    )
    [finding] = explicit_async.check(make_project(files))
    assert finding.where == "shop/views.py:5"
    assert finding.message == (
        "send_mail (email) runs synchronously on the request path: checkout (shop/views.py:4)"
    )
    assert finding.fix == (
        "move the call into a task `send_checkout_email` in shop/tasks.py and queue it with "
        "`transaction.on_commit(lambda: send_checkout_email.delay(...))`, passing ids. A queue "
        "is configured: Celery (mysite/celery.py)."
    )


def test_calls_are_followed_through_helpers_services_and_clients() -> None:
    files = legacy(
        **{
            "shop/views.py": """
                from django.core.mail import EmailMessage

                from services import shop as services

                from .notify import tell


                class CancelView(View):
                    def post(self, request):
                        tell(request.user)
                        self.log()
                        services.summarise(1)
                        return redirect("done")

                    def log(self):
                        EmailMessage("x").send()
            """,
            "shop/notify.py": """
                from twilio.rest import Client

                client = Client("sid", "token")


                def tell(user):
                    client.messages.create(to=user.phone, body="cancelled")
            """,
            "services/__init__.py": "",
            "services/shop.py": """
                from openai import OpenAI


                def summarise(ticket_id):
                    return OpenAI().chat.completions.create(model="m", messages=[])
            """,
        }
    )
    assert sorted(found(explicit_async, files)) == [
        "services/shop.py:5: openai.OpenAI.chat.completions.create (AI) runs synchronously on "
        "the request path: CancelView.post (shop/views.py:9) -> summarise (services/shop.py:4)",
        "shop/notify.py:7: twilio.rest.Client.messages.create (SMS) runs synchronously on the "
        "request path: CancelView.post (shop/views.py:9) -> tell (shop/notify.py:6)",
        "shop/views.py:16: EmailMessage.send (email) runs synchronously on the request path: "
        "CancelView.post (shop/views.py:9) -> CancelView.log (shop/views.py:15)",
    ]


def test_the_advice_when_the_result_is_used_and_no_queue_exists() -> None:
    files = legacy(
        **{
            "shop/views.py": """
                import requests


                def quote(request):
                    price = requests.get("https://rates.example/eur").json()
                    return JsonResponse({"price": price})
            """
        }
    )
    [finding] = explicit_async.check(make_project(files))
    assert finding.fix.startswith("the code uses its result: if the response needs it, keep")
    assert "`quote_in_background`" in finding.fix
    assert finding.fix.endswith(
        "No task queue is configured yet: add Celery first (an app in "
        "config/celery.py, CELERY_BROKER_URL, a worker process)."
    )


@pytest.mark.parametrize(
    "views",
    [
        pytest.param(
            """
                from .tasks import send_receipt


                def checkout(request):
                    transaction.on_commit(lambda: send_receipt.delay(1))
                    return redirect("done")
            """,
            id="queued with delay",
        ),
        pytest.param(
            """
                import stripe


                def pay(request):
                    stripe.PaymentIntent.create(amount=100)
                    return redirect("done")
            """,
            id="a payment: the response needs it",
        ),
        pytest.param(
            """
                from twilio.rest import Client
                from sendgrid.helpers.mail import Mail


                def prepare(request):
                    Client("sid", "token")
                    Mail(to_emails="a@b")
                    return redirect("done")
            """,
            id="building a client or a message is no call",
        ),
    ],
)
def test_no_finding(views: str) -> None:
    files = legacy(
        **{
            "shop/views.py": views,
            "shop/tasks.py": "from django.core.mail import send_mail\n\n\n"
            "def send_receipt(pk):\n    send_mail('r', '', None, [])\n",
        }
    )
    assert found(explicit_async, files) == []


@pytest.mark.parametrize(
    ("files", "queue"),
    [
        pytest.param(legacy(**CELERY), "Celery (mysite/celery.py)", id="a Celery app"),
        pytest.param(
            legacy('INSTALLED_APPS = ["django_rq"]\n'), "RQ (django_rq in INSTALLED_APPS)", id="RQ"
        ),
        pytest.param(
            legacy(**{"shop/jobs.py": "import dramatiq\n"}),
            "dramatiq (shop/jobs.py)",
            id="dramatiq",
        ),
        pytest.param(legacy(), None, id="none"),
    ],
)
def test_the_configured_queue(files: dict[str, str], queue: str | None) -> None:
    project: Project = make_project(files)
    assert explicit_async.configured_queue(project) == queue
