"""extract-integrations: how the wrappers get their client, and what the callers' tests patch."""

from djrefactor.engine import Config
from tests.codemods.test_extract_integrations import INIT, NAME, integration
from tests.helpers import assert_noop, assert_rewrites

NOTIFY = """
    import logging

    from django.conf import settings
    from twilio.base.exceptions import TwilioRestException
    from twilio.rest import Client

    logger = logging.getLogger(__name__)

    # one client per process: the Twilio client is thread safe
    client = Client(settings.TWILIO_SID, settings.TWILIO_TOKEN)


    def send_text(to, body):
        try:
            return client.messages.create(to=to, from_=settings.TWILIO_FROM, body=body).sid
        except TwilioRestException:
            logger.warning("SMS to %s failed", to)
            return None
"""

TASKS = """
    from django.conf import settings
    from twilio.rest import Client


    def remind(customer):
        # built per call in 2019, before notify.py had its shared client
        sms = Client(settings.TWILIO_SID, settings.TWILIO_TOKEN)
        sms.messages.create(to=customer.phone, from_=settings.TWILIO_FROM, body="See you tomorrow")


    def confirm(order):
        Client(settings.TWILIO_SID, settings.TWILIO_TOKEN).messages.create(
            to=order.phone, from_=settings.TWILIO_FROM, body=f"Order {order.pk} confirmed"
        )
"""

PATCHES = """
    from unittest import mock


    @mock.patch("shop.tasks.Client")
    def test_remind(client):
        pass


    @mock.patch("shop.notify.client")
    def test_send_text(client):
        pass
"""


def test_shared_local_and_inline_clients_of_one_vendor_give_one_wrapper():
    # the module-level client moves with its comment; one send_sms(to, body) serves the three
    # calls and takes the shared client through _client(), which the tests that patched the
    # class now patch; the sender number every caller passed moves into the wrapper
    assert_rewrites(
        NAME,
        {
            "shop/__init__.py": "",
            "shop/notify.py": NOTIFY,
            "shop/tasks.py": TASKS,
            "shop/tests/test_tasks.py": PATCHES,
        },
        {
            "shop/notify.py": """
                import logging

                from integrations import twilio

                logger = logging.getLogger(__name__)


                def send_text(to, body):
                    try:
                        return twilio.send_sms(to=to, body=body).sid
                    except twilio.TwilioRestException:
                        logger.warning("SMS to %s failed", to)
                        return None
            """,
            "shop/tasks.py": """
                from integrations import twilio


                def remind(customer):
                    # built per call in 2019, before notify.py had its shared client
                    twilio.send_sms(to=customer.phone, body="See you tomorrow")


                def confirm(order):
                    twilio.send_sms(to=order.phone, body=f"Order {order.pk} confirmed")
            """,
            "shop/tests/test_tasks.py": PATCHES.replace(
                "shop.tasks.Client", "integrations.twilio._client"
            ).replace("shop.notify.client", "integrations.twilio.client"),
            "integrations/__init__.py": INIT,
            "integrations/twilio.py": integration(
                "Twilio",
                """
                from django.conf import settings
                from twilio.base.exceptions import TwilioRestException
                from twilio.rest import Client
                from twilio.rest.api.v2010.account.message import MessageInstance

                __all__ = [
                    "TwilioRestException",
                    "send_sms",
                ]

                # one client per process: the Twilio client is thread safe
                client = Client(settings.TWILIO_SID, settings.TWILIO_TOKEN)


                def _client() -> Client:
                    \"\"\"The shared client, looked up when called (tests may replace it).\"\"\"
                    return client


                def send_sms(to: str, body: str) -> MessageInstance:
                    \"\"\"Send a text message through Twilio.\"\"\"
                    return _client().messages.create(to=to, from_=settings.TWILIO_FROM, body=body)
                """,
            ),
        },
        notes=[
            "shop/tasks.py:7: this built a Twilio client per call; it now shares `client` of "
            "integrations/twilio.py",
            "shop/tasks.py:12: this built a Twilio client per call; it now shares `client` of "
            "integrations/twilio.py",
        ],
    )


def test_per_call_client_is_built_once_in_a_helper_and_the_class_patch_follows():
    task = """
        from django.conf import settings
        from sendgrid import SendGridAPIClient
        from sendgrid.helpers.mail import Mail


        def receipt(order):
            message = Mail(to_emails=order.email, subject="Receipt")
            sg = SendGridAPIClient(settings.SENDGRID_API_KEY)
            return sg.send(message).status_code
    """
    test = """
        from unittest import mock


        @mock.patch("shop.tasks.SendGridAPIClient")
        def test_receipt(client):
            client.assert_called_once_with("SG.key")
    """
    assert_rewrites(
        NAME,
        {"shop/__init__.py": "", "shop/tasks.py": task, "shop/tests.py": test},
        {
            "shop/tasks.py": """
                from integrations import sendgrid


                def receipt(order):
                    message = sendgrid.Mail(to_emails=order.email, subject="Receipt")
                    return sendgrid.send_email(message).status_code
            """,
            "shop/tests.py": test.replace(
                "shop.tasks.SendGridAPIClient", "integrations.sendgrid.SendGridAPIClient"
            ),
            "integrations/__init__.py": INIT,
            "integrations/sendgrid.py": integration(
                "SendGrid",
                """
                from typing import Any

                from django.conf import settings
                from sendgrid import SendGridAPIClient
                from sendgrid.helpers.mail import Mail

                __all__ = [
                    "Mail",
                    "send_email",
                ]


                def _client() -> SendGridAPIClient:
                    \"\"\"A SendGrid client built from settings.\"\"\"
                    return SendGridAPIClient(settings.SENDGRID_API_KEY)


                def send_email(message: Mail) -> Any:
                    \"\"\"Send an email through SendGrid.\"\"\"
                    return _client().send(message)
                """,
            ),
        },
    )


UTILS = """
    import boto3
    from django.conf import settings

    # one client per process: creating it per call was adding ~300ms to every export
    s3 = boto3.client("s3", region_name=settings.AWS_REGION)


    def export(key, data):
        s3.put_object(Bucket=settings.BUCKET, Key=key, Body=data.encode("utf-8"))
        return s3.generate_presigned_url(
            "get_object", Params={"Bucket": settings.BUCKET, "Key": key}, ExpiresIn=600
        )
"""

MODELS = """
    import boto3
    from django.conf import settings
    from django.db import models


    class Image(models.Model):
        def url(self, expires_in=3600):
            client = boto3.client("s3", region_name=settings.AWS_REGION)
            return client.generate_presigned_url(
                "get_object",
                Params={"Bucket": settings.BUCKET, "Key": self.key},
                ExpiresIn=expires_in,
            )
"""

API = """
    import boto3
    from django.conf import settings


    def upload(image, fileobj):
        boto3.client("s3", region_name=settings.AWS_REGION).upload_fileobj(
            fileobj, settings.BUCKET, image.key
        )
"""


def test_operations_keep_the_client_lifetime_their_callers_had():
    # presigned URLs were signed by the shared client and by a per-call one: one wrapper on the
    # shared client; the upload only ever had a fresh client and keeps one, with a note
    test = """
        from unittest import mock


        @mock.patch("shop.models.boto3.client")
        @mock.patch("shop.utils.s3")
        @mock.patch("shop.api.boto3.client")
        def test_all(api_client, s3, model_client):
            pass
    """
    assert_rewrites(
        NAME,
        {
            "shop/__init__.py": "",
            "shop/utils.py": UTILS,
            "shop/models.py": MODELS,
            "shop/api.py": API,
            "shop/tests.py": test,
        },
        {
            "shop/utils.py": """
                from integrations import aws


                def export(key, data):
                    aws.put_object(key=key, body=data.encode("utf-8"))
                    return aws.generate_presigned_url(key=key, expires_in=600)
            """,
            "shop/models.py": """
                from django.db import models

                from integrations import aws


                class Image(models.Model):
                    def url(self, expires_in=3600):
                        return aws.generate_presigned_url(key=self.key, expires_in=expires_in)
            """,
            "shop/api.py": """
                from integrations import aws


                def upload(image, fileobj):
                    aws.upload_fileobj(fileobj=fileobj, key=image.key)
            """,
            "shop/tests.py": test.replace("shop.models.boto3.client", "integrations.aws._s3")
            .replace("shop.utils.s3", "integrations.aws.s3")
            .replace("shop.api.boto3.client", "integrations.aws.boto3.client"),
            "integrations/__init__.py": INIT,
            "integrations/aws.py": integration(
                "AWS",
                """
                from typing import Any

                import boto3
                from django.conf import settings

                __all__ = [
                    "generate_presigned_url",
                    "put_object",
                    "upload_fileobj",
                ]

                # one client per process: creating it per call was adding ~300ms to every export
                s3 = boto3.client("s3", region_name=settings.AWS_REGION)


                def _s3() -> Any:
                    \"\"\"The shared client, looked up when called (tests may replace it).\"\"\"
                    return s3


                def _client() -> Any:
                    \"\"\"An AWS client built from settings.\"\"\"
                    return boto3.client("s3", region_name=settings.AWS_REGION)


                def generate_presigned_url(key: str, expires_in: int) -> str:
                    \"\"\"Sign a temporary URL for an S3 object.\"\"\"
                    return _s3().generate_presigned_url(
                        "get_object",
                        Params={"Bucket": settings.BUCKET, "Key": key},
                        ExpiresIn=expires_in,
                    )


                def put_object(key: str, body: bytes) -> None:
                    \"\"\"Store an object in S3.\"\"\"
                    s3.put_object(Bucket=settings.BUCKET, Key=key, Body=body)


                def upload_fileobj(fileobj: Any, key: str) -> None:
                    \"\"\"Upload a file object to S3.\"\"\"
                    _client().upload_fileobj(fileobj, settings.BUCKET, key)
                """,
            ),
        },
        notes=[
            "shop/api.py:6: this builds a new client for each upload_fileobj() call and its "
            "wrapper keeps doing so; use the shared `s3` if nothing needs a fresh one",
            "shop/models.py:8: this built an AWS client per call; it now shares `s3` of "
            "integrations/aws.py",
        ],
    )


ROUTED = """
    from django.conf import settings
    from twilio.rest import Client


    def _text_customer(client, customer, body):
        client.messages.create(to=customer.phone, from_=settings.TWILIO_FROM, body=body)


    def ship(order):
        client = Client(settings.TWILIO_SID, settings.TWILIO_TOKEN)
        _text_customer(client, order.customer, "Shipped")
"""


def test_client_handed_to_a_helper_of_the_module_is_replaced_by_the_wrapper_call():
    assert_rewrites(
        NAME,
        {"shop/__init__.py": "", "shop/views.py": ROUTED},
        {
            "shop/views.py": """
                from integrations import twilio


                def _text_customer(customer, body):
                    twilio.send_sms(to=customer.phone, body=body)


                def ship(order):
                    _text_customer(order.customer, "Shipped")
            """,
            "integrations/__init__.py": INIT,
            "integrations/twilio.py": integration(
                "Twilio",
                """
                from django.conf import settings
                from twilio.rest import Client

                __all__ = [
                    "send_sms",
                ]


                def _client() -> Client:
                    \"\"\"A Twilio client built from settings.\"\"\"
                    return Client(settings.TWILIO_SID, settings.TWILIO_TOKEN)


                def send_sms(to: str, body: str) -> None:
                    \"\"\"Send a text message through Twilio.\"\"\"
                    _client().messages.create(to=to, from_=settings.TWILIO_FROM, body=body)
                """,
            ),
        },
        notes=[],
    )


def test_helper_that_other_modules_call_keeps_its_client_parameter():
    other = (
        "from shop.views import _text_customer\n\n\n"
        "def resend(c, o):\n    _text_customer(c, o, '')\n"
    )
    project = {"shop/__init__.py": "", "shop/views.py": ROUTED, "shop/admin.py": other}
    result = assert_rewrites(
        NAME,
        project,
        {
            "shop/views.py": """
                from django.conf import settings

                from integrations import twilio


                def _text_customer(client, customer, body):
                    client.messages.create(to=customer.phone, from_=settings.TWILIO_FROM, body=body)


                def ship(order):
                    client = twilio.build_client()
                    _text_customer(client, order.customer, "Shipped")
            """,
            "integrations/__init__.py": INIT,
            "integrations/twilio.py": integration(
                "Twilio",
                """
                from django.conf import settings
                from twilio.rest import Client

                __all__ = [
                    "build_client",
                ]


                def build_client() -> Client:
                    \"\"\"A Twilio client built from settings, for callers that keep one.\"\"\"
                    return Client(settings.TWILIO_SID, settings.TWILIO_TOKEN)
                """,
            ),
        },
        notes=[
            "shop/views.py:10: this Twilio client is kept or passed on, so the calls made on it "
            "do not go through integrations/twilio.py: it now comes from twilio.build_client(); "
            "move those calls into wrappers by hand"
        ],
    )
    assert "build_client" in result.text("integrations/twilio.py")


def test_unknown_sdk_is_reported_then_moved_once_configured():
    view = """
        import markdown
        from authy_sdk import AuthyClient
        from django.conf import settings

        authy_api = AuthyClient(settings.AUTHY_API_KEY)


        def register(user, phone):
            return authy_api.users.create(user.email, phone, 1).id


        def verify(user, token):
            return authy_api.tokens.verify(user.authy_id, token).ok()


        def render(text):
            return markdown.markdown(text)
    """
    files = {"accounts/__init__.py": "", "accounts/views.py": view}
    assert_noop(
        NAME,
        files,
        notes=[
            "accounts/views.py:5: `authy_sdk` looks like a vendor SDK (calls at "
            "accounts/views.py:5); add it to [tool.djrefactor] vendors to move it behind "
            "integrations/"
        ],
    )
    assert_rewrites(
        NAME,
        files,
        {
            "accounts/views.py": """
                import markdown

                from integrations import authy_sdk


                def register(user, phone):
                    return authy_sdk.create_user(email=user.email, phone=phone).id


                def verify(user, token):
                    return authy_sdk.verify_token(authy_id=user.authy_id, token=token).ok()


                def render(text):
                    return markdown.markdown(text)
            """,
            "integrations/__init__.py": INIT,
            "integrations/authy_sdk.py": integration(
                "authy_sdk",
                """
                from typing import Any

                from authy_sdk import AuthyClient
                from django.conf import settings

                __all__ = [
                    "create_user",
                    "verify_token",
                ]

                authy_api = AuthyClient(settings.AUTHY_API_KEY)


                def create_user(email: str, phone: str) -> Any:
                    \"\"\"Create a user in authy_sdk.\"\"\"
                    return authy_api.users.create(email, phone, 1)


                def verify_token(authy_id: str, token: str) -> Any:
                    \"\"\"Verify a token in authy_sdk.\"\"\"
                    return authy_api.tokens.verify(authy_id, token)
                """,
            ),
        },
        config=Config(vendors=("authy_sdk",)),
        notes=[],
    )


def test_two_accounts_of_one_vendor_get_two_wrappers_told_apart_by_their_settings():
    view = """
        from django.conf import settings
        from twilio.rest import Client


        def support(phone):
            Client(settings.TWILIO_SID, settings.TWILIO_TOKEN).messages.create(to=phone, body="hi")


        def marketing(phone):
            client = Client(settings.MARKETING_SID, settings.MARKETING_TOKEN)
            client.messages.create(to=phone, body="sale")
    """
    assert_rewrites(
        NAME,
        {"views.py": view},
        {
            "views.py": """
                from integrations import twilio


                def support(phone):
                    twilio.send_sms(phone)


                def marketing(phone):
                    twilio.send_sms_marketing(phone)
            """,
            "integrations/__init__.py": INIT,
            "integrations/twilio.py": integration(
                "Twilio",
                """
                from django.conf import settings
                from twilio.rest import Client

                __all__ = [
                    "send_sms",
                    "send_sms_marketing",
                ]


                def _twilio_client() -> Client:
                    \"\"\"A Twilio client built from settings.\"\"\"
                    return Client(settings.TWILIO_SID, settings.TWILIO_TOKEN)


                def _marketing_client() -> Client:
                    \"\"\"A Twilio client built from settings.\"\"\"
                    return Client(settings.MARKETING_SID, settings.MARKETING_TOKEN)


                def send_sms(to: str) -> None:
                    \"\"\"Send a text message through Twilio.\"\"\"
                    _twilio_client().messages.create(to=to, body="hi")


                def send_sms_marketing(to: str) -> None:
                    \"\"\"Send a text message through Twilio (marketing).\"\"\"
                    _marketing_client().messages.create(to=to, body="sale")
                """,
            ),
        },
        notes=[
            "views.py:11: integrations/twilio.py already has a send_sms() for another call; "
            "this one is send_sms_marketing(): merge or rename them"
        ],
    )
