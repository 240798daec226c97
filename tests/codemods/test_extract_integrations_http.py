"""extract-integrations: outside APIs called with requests/httpx get a module named for the API,
with the URL and the credentials inside; the caller passes the business values."""

from tests.codemods.test_extract_integrations import INIT, NAME, integration
from tests.helpers import assert_noop, assert_rewrites

INSURANCE = """
    import logging

    import requests
    from django.conf import settings

    logger = logging.getLogger(__name__)


    def is_covered(patient):
        # an outage must never block a booking
        try:
            response = requests.post(
                f"{settings.INSURANCE_API_URL}/eligibility",
                json={"member_id": patient.insurance_number, "service_type": "office_visit"},
                headers={"Authorization": f"Bearer {settings.INSURANCE_API_KEY}"},
                timeout=10,
            )
            response.raise_for_status()
        except requests.RequestException:
            logger.warning("eligibility check failed", exc_info=True)
            return False
        return response.json().get("eligible", False)


    def claims(patient):
        response = requests.get(
            f"{settings.INSURANCE_API_URL}/members/{patient.insurance_number}/claims",
            headers={"Authorization": f"Bearer {settings.INSURANCE_API_KEY}"},
        )
        return response.json()
"""

RECHECK = """
    import requests
    from django.conf import settings


    def recheck(patient):
        return requests.post(
            f"{settings.INSURANCE_API_URL}/eligibility",
            json={"member_id": patient.member_id, "service_type": "office_visit"},
            headers={"Authorization": f"Bearer {settings.INSURANCE_API_KEY}"},
            timeout=10,
        ).json()
"""

INSURANCE_MODULE = integration(
    "The insurance API",
    """
    import requests
    from django.conf import settings

    __all__ = [
        "RequestException",
        "check_eligibility",
        "list_claims",
    ]

    RequestException = requests.RequestException


    def check_eligibility(member_id: str) -> requests.Response:
        \"\"\"Check eligibility with the insurance API (POST /eligibility).\"\"\"
        return requests.post(
            f"{settings.INSURANCE_API_URL}/eligibility",
            json={"member_id": member_id, "service_type": "office_visit"},
            headers={"Authorization": f"Bearer {settings.INSURANCE_API_KEY}"},
            timeout=10,
        )


    def list_claims(insurance_number: str) -> requests.Response:
        \"\"\"List claims with the insurance API (GET /members/…/claims).\"\"\"
        return requests.get(
            f"{settings.INSURANCE_API_URL}/members/{insurance_number}/claims",
            headers={"Authorization": f"Bearer {settings.INSURANCE_API_KEY}"},
        )
    """,
)


def test_url_and_auth_move_into_a_module_named_for_the_api():
    # one wrapper per endpoint; the eligibility check called from two modules is one wrapper,
    # and each caller passes only the member id
    test = """
        from unittest import mock


        @mock.patch("clinic.insurance.requests.post")
        def test_covered(post):
            pass
    """
    assert_rewrites(
        NAME,
        {
            "clinic/__init__.py": "",
            "clinic/insurance.py": INSURANCE,
            "clinic/tasks.py": RECHECK,
            "clinic/tests.py": test,
        },
        {
            "clinic/insurance.py": """
                import logging

                from integrations import insurance

                logger = logging.getLogger(__name__)


                def is_covered(patient):
                    # an outage must never block a booking
                    try:
                        response = insurance.check_eligibility(patient.insurance_number)
                        response.raise_for_status()
                    except insurance.RequestException:
                        logger.warning("eligibility check failed", exc_info=True)
                        return False
                    return response.json().get("eligible", False)


                def claims(patient):
                    response = insurance.list_claims(patient.insurance_number)
                    return response.json()
            """,
            "clinic/tasks.py": """
                from integrations import insurance


                def recheck(patient):
                    return insurance.check_eligibility(patient.member_id).json()
            """,
            "clinic/tests.py": test.replace(
                "clinic.insurance.requests", "integrations.insurance.requests"
            ),
            "integrations/__init__.py": INIT,
            "integrations/insurance.py": INSURANCE_MODULE,
        },
        notes=[
            "clinic/insurance.py:26: this requests call has no timeout (it can wait forever); "
            "list_claims() in integrations/insurance.py keeps it that way: add `timeout=10` "
            "there (what the project's other calls use) if that suits it"
        ],
    )


SUPPORT = """
    import httpx
    import requests
    from django.conf import settings


    def close(ticket, user):
        if settings.SLACK_WEBHOOK_URL:
            try:
                requests.post(settings.SLACK_WEBHOOK_URL, json={"text": f"{user} closed {ticket}"})
            except requests.RequestException:
                pass


    def escalate(ticket):
        try:
            response = requests.post(
                f"{settings.STATUS_API_URL}/pages/{settings.STATUS_PAGE}/incidents",
                json={"incident": {"name": ticket.subject, "status": "investigating"}},
                headers={"Authorization": f"OAuth {settings.STATUS_API_KEY}"},
                timeout=5,
            )
            response.raise_for_status()
        except requests.RequestException:
            return None
        return response.json()["id"]


    def forecast(city):
        return httpx.get("https://api.open-meteo.com/v1/forecast", params={"q": city}).json()
"""


def test_each_outside_api_gets_its_own_module_and_its_exceptions_follow_the_call():
    # a registered webhook (Slack), an API named by its URL setting (status page) and one
    # named by its host (Open-Meteo); `except requests.RequestException` names the module of
    # the call it guards; the calls without a timeout are noted, never changed
    assert_rewrites(
        NAME,
        {"support/__init__.py": "", "support/views.py": SUPPORT},
        {
            "support/views.py": """
                from django.conf import settings

                from integrations import open_meteo, slack, status


                def close(ticket, user):
                    if settings.SLACK_WEBHOOK_URL:
                        try:
                            slack.post_message(f"{user} closed {ticket}")
                        except slack.RequestException:
                            pass


                def escalate(ticket):
                    try:
                        response = status.create_incident(ticket.subject)
                        response.raise_for_status()
                    except status.RequestException:
                        return None
                    return response.json()["id"]


                def forecast(city):
                    return open_meteo.get_forecast(city).json()
            """,
            "integrations/__init__.py": INIT,
            "integrations/slack.py": integration(
                "Slack",
                """
                import requests
                from django.conf import settings

                __all__ = [
                    "RequestException",
                    "post_message",
                ]

                RequestException = requests.RequestException


                def post_message(text: str) -> None:
                    \"\"\"Post a message to Slack.\"\"\"
                    requests.post(settings.SLACK_WEBHOOK_URL, json={"text": text})
                """,
            ),
            "integrations/status.py": integration(
                "The status API",
                """
                import requests
                from django.conf import settings

                __all__ = [
                    "RequestException",
                    "create_incident",
                ]

                RequestException = requests.RequestException


                def create_incident(name: str) -> requests.Response:
                    \"\"\"Create an incident with the status API (POST /pages/…/incidents).\"\"\"
                    return requests.post(
                        f"{settings.STATUS_API_URL}/pages/{settings.STATUS_PAGE}/incidents",
                        json={"incident": {"name": name, "status": "investigating"}},
                        headers={"Authorization": f"OAuth {settings.STATUS_API_KEY}"},
                        timeout=5,
                    )
                """,
            ),
            "integrations/open_meteo.py": integration(
                "The open meteo API",
                """
                from typing import Any

                import httpx

                __all__ = [
                    "get_forecast",
                ]


                def get_forecast(city: Any) -> httpx.Response:
                    \"\"\"Get a forecast with the open meteo API (GET /v1/forecast).\"\"\"
                    return httpx.get("https://api.open-meteo.com/v1/forecast", params={"q": city})
                """,
            ),
        },
        notes=[
            "support/views.py:9: this requests call has no timeout (it can wait forever); "
            "post_message() in integrations/slack.py keeps it that way: add `timeout=5` there "
            "(what the project's other calls use) if that suits it",
            "support/views.py:29: this httpx call has no timeout (httpx's default of 5 s "
            "applies); get_forecast() in integrations/open_meteo.py keeps it that way: add "
            "`timeout=5` there (what the project's other calls use) if that suits it",
        ],
    )


def test_json_body_values_become_parameters_and_a_payload_variable_stays_whole():
    ship = """
        import requests
        from django.conf import settings


        def ship(order, service):
            payload = {"reference": f"SHOP-{order.pk}", "service": service}
            return requests.post(settings.SHIPPING_API_URL + "/shipments", json=payload, timeout=10)


        def sync(page):
            return requests.get(
                settings.INVENTORY_API_URL + "/products",
                params={"page": page},
                headers={"Authorization": "Token %s" % settings.INVENTORY_API_TOKEN},
                timeout=15,
            )
    """
    result = assert_rewrites(
        NAME,
        {"views.py": ship},
        {
            "views.py": """
                from integrations import inventory, shipping


                def ship(order, service):
                    payload = {"reference": f"SHOP-{order.pk}", "service": service}
                    return shipping.create_shipment(payload)


                def sync(page):
                    return inventory.list_products(page)
            """,
            "integrations/__init__.py": INIT,
            "integrations/shipping.py": integration(
                "The shipping API",
                """
                from typing import Any

                import requests
                from django.conf import settings

                __all__ = [
                    "create_shipment",
                ]


                def create_shipment(payload: dict[str, Any]) -> requests.Response:
                    \"\"\"Create a shipment with the shipping API (POST /shipments).\"\"\"
                    return requests.post(
                        settings.SHIPPING_API_URL + "/shipments",
                        json=payload,
                        timeout=10,
                    )
                """,
            ),
            "integrations/inventory.py": integration(
                "The inventory API",
                """
                import requests
                from django.conf import settings

                __all__ = [
                    "list_products",
                ]


                def list_products(page: int) -> requests.Response:
                    \"\"\"List products with the inventory API (GET /products).\"\"\"
                    return requests.get(
                        settings.INVENTORY_API_URL + "/products",
                        params={"page": page},
                        headers={"Authorization": "Token %s" % settings.INVENTORY_API_TOKEN},
                        timeout=15,
                    )
                """,
            ),
        },
        notes=[],
    )
    assert "http" not in {path.split("/")[-1][:-3] for path in result.paths}


def test_url_from_a_variable_names_no_api_and_is_left_with_a_note():
    view = """
        import requests


        def fetch(url):
            return requests.get(url, timeout=3).text
    """
    assert_noop(
        NAME,
        {"views.py": view},
        notes=[
            "views.py:5: requests.get left in place: cannot tell which outside API this URL "
            "belongs to; wrap it by hand",
            "views.py:1: import of requests kept: some uses could not move",
        ],
    )


def test_a_url_kept_in_a_local_moves_into_the_wrapper_and_its_line_goes():
    view = """
        import requests
        from django.conf import settings


        def connect(code):
            data = {"client_secret": settings.STRIPE_SECRET_KEY, "code": code}
            # the OAuth endpoint of Stripe Connect
            url = "https://connect.stripe.com/oauth/token"
            resp = requests.post(url, params=data, timeout=10)
            return resp.json()["stripe_user_id"]
    """
    assert_rewrites(
        NAME,
        {"users/__init__.py": "", "users/views.py": view},
        {
            "users/views.py": """
                from django.conf import settings

                from integrations import stripe


                def connect(code):
                    data = {"client_secret": settings.STRIPE_SECRET_KEY, "code": code}
                    # the OAuth endpoint of Stripe Connect
                    resp = stripe.create_token(data)
                    return resp.json()["stripe_user_id"]
            """,
            "integrations/__init__.py": INIT,
            "integrations/stripe.py": integration(
                "Stripe",
                """
                from typing import Any

                import requests

                __all__ = [
                    "create_token",
                ]


                def create_token(params: dict[str, Any]) -> requests.Response:
                    \"\"\"Create a token with Stripe (POST /oauth/token).\"\"\"
                    return requests.post(
                        "https://connect.stripe.com/oauth/token",
                        params=params,
                        timeout=10,
                    )
                """,
            ),
        },
        notes=[],
    )
