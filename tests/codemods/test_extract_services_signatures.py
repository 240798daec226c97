"""extract-services: typed, documented signatures. Parameters are annotated from what the view
says about each value (the model a query returns, `int` ids from URL converters, cleaned data,
the project's user model, Decimal...), the result too, and the docstring says what the workflow
does (the view's own when it says it)."""

from __future__ import annotations

from tests.helpers import make_project, run_codemod

NAME = "extract-services"


def service_of(files: dict[str, str], label: str) -> str:
    result, _ = run_codemod(NAME, make_project(files))
    return result.text(f"services/{label}.py")


def test_parameters_and_result_are_typed_from_what_the_view_knows():
    files = {
        "mysite/__init__.py": "",
        "mysite/settings.py": (
            'INSTALLED_APPS = ["accounts", "clinic"]\nAUTH_USER_MODEL = "accounts.Member"\n'
        ),
        "manage.py": (
            'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n'
        ),
        "accounts/__init__.py": "",
        "accounts/models.py": "class Member:\n    pass\n",
        "clinic/__init__.py": "",
        "clinic/models.py": "class Doctor:\n    pass\n\n\nclass Visit:\n    pass\n",
        "clinic/urls.py": """
            from django.urls import path

            from . import views

            urlpatterns = [path("doctors/<int:doctor_id>/book/", views.book_visit, name="book")]
        """,
        "clinic/views.py": """
            from decimal import Decimal

            from django.shortcuts import get_object_or_404, redirect

            from .forms import VisitForm
            from .models import Doctor, Visit


            def book_visit(request, doctor_id):
                doctor = get_object_or_404(Doctor.objects.filter(active=True), pk=doctor_id)
                form = VisitForm(request.POST)
                if not form.is_valid():
                    return redirect("book", doctor_id)
                data = form.cleaned_data
                fee = doctor.fee * Decimal("1.2")
                last = Visit.objects.filter(doctor=doctor).order_by("-at").first()
                if last is None:
                    return redirect("book", doctor_id)
                visit = Visit.objects.create(
                    doctor=doctor, patient=request.user, at=data["at"], fee=fee, after=last
                )
                visit.doctor.load += 1
                visit.doctor.save()
                return redirect("visit", visit.pk, doctor_id)
        """,
    }
    service = service_of(files, "clinic")
    assert (
        "def book_visit(\n"
        "    doctor: Doctor,\n"
        "    last: Visit,\n"
        "    data: dict[str, Any],\n"
        "    fee: Decimal,\n"
        "    user: Member,\n"
        ") -> Visit:\n"
    ) in service
    assert "from accounts.models import Member\n" in service
    assert "from decimal import Decimal\n" in service


def test_url_converter_ids_are_ints_and_the_views_docstring_is_kept():
    files = {
        "shop/models.py": "class Order:\n    pass\n",
        "shop/urls.py": """
            from django.urls import path

            from . import views

            urlpatterns = [path("orders/<int:pk>/archive/", views.archive_order, name="archive")]
        """,
        "shop/views.py": """
            from django.shortcuts import redirect

            from .models import Order


            def archive_order(request, pk):
                \"\"\"Archive the order and every line of it.\"\"\"
                order = Order.objects.get(pk=pk)
                order.archived = True
                order.save()
                order.lines.update(archived=True)
                return redirect("orders")
        """,
    }
    service = service_of(files, "shop")
    assert (
        'def archive_order(pk: int) -> None:\n    """Archive the order and every line of it."""\n'
    ) in service


def test_a_docstring_written_for_the_page_is_not_the_services():
    files = {
        "shop/models.py": "class Order:\n    pass\n",
        "shop/views.py": """
            from django.shortcuts import redirect

            from .models import Order


            def archive_order(request, pk):
                \"\"\"Staff click this at the end of the month.\"\"\"
                order = Order.objects.get(pk=pk)
                order.archived = True
                order.save()
                order.lines.update(archived=True)
                return redirect("orders")
        """,
    }
    assert '    """Archive the order."""\n' in service_of(files, "shop")


def test_generated_code_parses_under_old_pythons_with_postponed_annotations():
    """`dict[str, Any]` and `X | None` need 3.9 / 3.10 at run time: the module postpones them."""
    files = {
        "shop/models.py": "class Order:\n    pass\n",
        "shop/views.py": """
            from django.shortcuts import redirect

            from .models import Order


            def tag_order(request, pk):
                order = Order.objects.filter(pk=pk).first()
                order.tag = request.POST.get("tag")
                order.save()
                order.lines.update(tagged=True)
                return redirect("orders")
        """,
    }
    service = service_of(files, "shop")
    assert service.index("from __future__ import annotations") < service.index("import") + 30
    assert "def tag_order(pk: Any, tag: str | None) -> None:" in service
