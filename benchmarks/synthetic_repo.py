"""A synthetic legacy Django monolith of about N non-blank Python lines, for benchmarking `plan`.

Why: timing `plan` on the small fixtures says nothing about a 150k-line repository. The shape is
what djrefactor meets in the wild: a project package holding settings/urls/wsgi/asgi/celery, one
big `core` app plus a few others, fat function views and CBVs calling Stripe, Twilio, boto3,
OpenAI, SendGrid and requests inside try/except, models and serializers doing the same, DRF
viewsets, Celery tasks, management commands, and tests that `mock.patch` vendors through the
views. Same seed, same repository.

`generate_huge_views_files` builds the other shape the engine must survive: a small repository
whose one `views.py` is tens of thousands of lines long.
"""

from __future__ import annotations

import random
import subprocess
import textwrap
from dataclasses import dataclass, field, replace
from pathlib import Path

PROJECT_PACKAGE = "legacy_site"
APP_NAMES = (
    "core",
    "shop",
    "billing",
    "messaging",
    "accounts",
    "reports",
    "inventory",
    "scheduling",
)
LINES_PER_APP = 25_000
BIG_VIEWS_FILE_ENTITIES = 4

QUALIFIERS = (
    "Customer",
    "Partner",
    "Monthly",
    "Regional",
    "Corporate",
    "Seasonal",
    "Priority",
    "Internal",
    "Vendor",
    "Branch",
    "Clinic",
    "Fleet",
    "Retail",
    "Wholesale",
    "Member",
    "Trial",
    "Legacy",
    "Premium",
    "Field",
    "Remote",
    "Annual",
    "Group",
    "Family",
    "Student",
)
NOUNS = (
    "Invoice",
    "Subscription",
    "Order",
    "Shipment",
    "Booking",
    "Payout",
    "Ticket",
    "Quote",
    "Contract",
    "Refund",
    "Coupon",
    "Voucher",
    "Enrollment",
    "Appointment",
    "Delivery",
    "Report",
    "Lead",
    "Claim",
    "Donation",
    "Reservation",
    "Estimate",
    "Credit",
    "Batch",
    "Transfer",
)
LOGGER = "logger = logging.getLogger(__name__)"
STDLIB = {"json", "logging", "decimal", "datetime", "unittest", "os", "pathlib", "csv", "io"}
THIRD_PARTY = {
    "rest_framework",
    "celery",
    "stripe",
    "twilio",
    "boto3",
    "botocore",
    "openai",
    "requests",
    "sendgrid",
    "pytest",
}


@dataclass(frozen=True)
class Vendor:
    """How a module imports one vendor SDK (first spelling is the usual one) and patches it."""

    imports: tuple[tuple[str, str], ...]
    extra: tuple[str, ...]
    template: str
    patch: str


VENDORS: dict[str, Vendor] = {
    "stripe_charge": Vendor(
        (("import stripe", "stripe"), ("import stripe as stripe_sdk", "stripe_sdk")),
        (),
        """\
        try:
            charge = {v}.Charge.create(
                amount=int({s}.amount * 100),
                currency="usd",
                api_key=settings.STRIPE_SECRET_KEY,
                description="{label} %s" % {s}.pk,
                metadata={{"{snake}_id": {s}.pk}},
            )
        except {v}.error.CardError as exc:
            logger.warning("card declined for {snake} %s: %s", {s}.pk, exc)
            {fail}
        except {v}.error.StripeError:
            logger.exception("stripe failed for {snake} %s", {s}.pk)
            {fail}
        {s}.external_ref = charge["id"]
        """,
        "{v}.Charge.create",
    ),
    "stripe_refund": Vendor(
        (("import stripe", "stripe"),),
        (),
        """\
        try:
            refund = {v}.Refund.create(charge={s}.external_ref, api_key=settings.STRIPE_SECRET_KEY)
        except {v}.error.InvalidRequestError as exc:
            logger.warning("refund rejected for {snake} %s: %s", {s}.pk, exc)
            {fail}
        {s}.status = "refunded" if refund.status == "succeeded" else "refund_pending"
        """,
        "{v}.Refund.create",
    ),
    "twilio": Vendor(
        (
            ("from twilio.rest import Client", "Client"),
            ("from twilio.rest import Client as TwilioClient", "TwilioClient"),
        ),
        ("from twilio.base.exceptions import TwilioRestException",),
        """\
        sms = {v}(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN)
        try:
            message = sms.messages.create(
                to={s}.phone,
                from_=settings.TWILIO_FROM_NUMBER,
                body="Your {lower} %s is now %s" % ({s}.pk, {s}.status),
            )
        except TwilioRestException:
            logger.exception("sms failed for {snake} %s", {s}.pk)
            {fail}
        {s}.last_sms_sid = message.sid
        """,
        "{v}",
    ),
    "boto3": Vendor(
        (("import boto3", "boto3"),),
        ("import json", "from botocore.exceptions import ClientError"),
        """\
        s3 = {v}.client("s3", region_name=settings.AWS_REGION)
        key = "{snake}/%s/%s.json" % ({s}.owner_id, {s}.pk)
        try:
            s3.put_object(
                Bucket=settings.AWS_STORAGE_BUCKET_NAME,
                Key=key,
                Body=json.dumps({{"id": {s}.pk, "status": {s}.status}}).encode(),
            )
        except ClientError:
            logger.exception("s3 upload failed for {snake} %s", {s}.pk)
            {fail}
        {s}.document_key = key
        """,
        "{v}.client",
    ),
    "openai": Vendor(
        (("from openai import OpenAI", "OpenAI"), ("import openai", "openai.OpenAI")),
        (),
        """\
        llm = {v}(api_key=settings.OPENAI_API_KEY)
        try:
            completion = llm.chat.completions.create(
                model=settings.OPENAI_MODEL,
                messages=[
                    {{"role": "system", "content": "Summarize this {lower} for a manager."}},
                    {{"role": "user", "content": {s}.notes or {s}.title}},
                ],
                temperature=0.2,
            )
        except Exception:  # the SDK raises many error types; any of them means no summary
            logger.exception("openai failed for {snake} %s", {s}.pk)
            {fail}
        {s}.summary = completion.choices[0].message.content.strip()
        """,
        "{v}",
    ),
    "requests": Vendor(
        (("import requests", "requests"),),
        (),
        """\
        try:
            response = {v}.post(
                settings.CRM_WEBHOOK_URL,
                json={{"type": "{snake}.updated", "id": {s}.pk, "status": {s}.status}},
                headers={{"Authorization": "Bearer %s" % settings.CRM_API_TOKEN}},
                timeout=10,
            )
            response.raise_for_status()
        except {v}.RequestException:
            logger.exception("crm sync failed for {snake} %s", {s}.pk)
            {fail}
        """,
        "{v}.post",
    ),
    "sendgrid": Vendor(
        (("from sendgrid import SendGridAPIClient", "SendGridAPIClient"),),
        ("from sendgrid.helpers.mail import Mail",),
        """\
        mail = Mail(
            from_email=settings.DEFAULT_FROM_EMAIL,
            to_emails={s}.email,
            subject="{label} %s updated" % {s}.pk,
            html_content="<p>Status: %s</p>" % {s}.status,
        )
        try:
            {v}(settings.SENDGRID_API_KEY).send(mail)
        except Exception:  # sendgrid wraps HTTP errors in its own exception types
            logger.exception("sendgrid failed for {snake} %s", {s}.pk)
            {fail}
        """,
        "{v}",
    ),
    "mail": Vendor(
        (("from django.core.mail import send_mail", "send_mail"),),
        (),
        """\
        send_mail(
            "{label} %s" % {s}.pk,
            "Hello, your {lower} is now %s." % {s}.status,
            settings.DEFAULT_FROM_EMAIL,
            [{s}.email],
            fail_silently=False,
        )
        """,
        "{v}",
    ),
}
ACTIONS = {
    "charge": "stripe_charge",
    "refund": "stripe_refund",
    "notify": "twilio",
    "email": "sendgrid",
    "export": "boto3",
    "summarize": "openai",
    "sync": "requests",
    "remind": "mail",
}


@dataclass(frozen=True)
class Entity:
    """One domain object and everything built around it: model, views, API, task, command.

    A view-only entity (`model` set) is a set of views over another entity's model and form."""

    name: str
    app: str
    actions: tuple[str, ...]
    model: str = ""

    @property
    def model_class(self) -> str:
        return self.model or self.name

    @property
    def snake(self) -> str:
        return "".join("_" + c.lower() if c.isupper() else c for c in self.name).lstrip("_")

    @property
    def label(self) -> str:
        return self.snake.replace("_", " ").capitalize()

    @property
    def lower(self) -> str:
        return self.snake.replace("_", " ")


@dataclass
class Module:
    """One Python file being generated: its imports (deduplicated) and code chunks."""

    rng: random.Random
    imports: dict[str, None] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    chunks: list[str] = field(default_factory=list)

    def need(self, *lines: str) -> None:
        self.imports.update(dict.fromkeys(lines))

    def vendor(self, key: str) -> str:
        """The local name of a vendor in this module, imported the first time it is asked for."""
        if key not in self.aliases:
            spec = VENDORS[key]
            spelling = spec.imports[0]
            if len(spec.imports) > 1 and self.rng.random() < 0.2:
                spelling = spec.imports[1]
            self.need(spelling[0], *spec.extra)
            self.aliases[key] = spelling[1]
        return self.aliases[key]

    def logger(self) -> None:
        self.need("import logging")
        if LOGGER not in self.chunks:
            self.chunks.insert(0, LOGGER)

    def add(self, code: str) -> None:
        self.chunks.append(textwrap.dedent(code).strip("\n"))

    def render(self) -> str:
        groups: dict[int, list[str]] = {}
        for line in self.imports:
            groups.setdefault(_import_group(line), []).append(line)
        blocks = ["\n".join(sorted(lines)) for _, lines in sorted(groups.items())]
        head = "\n\n".join(blocks)
        body = "\n\n\n".join(self.chunks)
        return (head + "\n\n\n" + body + "\n") if head else body + "\n"


def _import_group(line: str) -> int:
    top = line.split()[1].split(".")[0]
    if top in STDLIB:
        return 0
    if top == "django":
        return 1
    if top in THIRD_PARTY:
        return 2
    return 3


def vendor_block(module: Module, entity: Entity, action: str, subject: str, fail: str) -> str:
    """Code calling the vendor behind `action` on `subject`, running `fail` when it errors."""
    key = ACTIONS[action]
    module.need("from django.conf import settings")
    module.logger()
    local = module.vendor(key)
    return textwrap.dedent(VENDORS[key].template).format(
        v=local,
        s=subject,
        fail=fail.replace("\n", "\n    "),
        snake=entity.snake,
        label=entity.label,
        lower=entity.lower,
    )


def patch_target(module: Module, action: str) -> str:
    key = ACTIONS[action]
    return VENDORS[key].patch.format(v=module.aliases[key])


def indent(code: str, level: int) -> str:
    return textwrap.indent(code, "    " * level).rstrip("\n")


def non_blank_lines(text: str) -> int:
    return sum(1 for line in text.splitlines() if line.strip())


# -- per-entity code ---------------------------------------------------------------------------
def add_model(module: Module, entity: Entity, base_module: str) -> None:
    module.need(
        "from django.conf import settings",
        "from django.db import models",
        "from django.urls import reverse",
        "import logging",
    )
    if base_module:
        module.need(f"from {base_module} import TimeStampedModel")
    e = entity
    action = e.actions[-1]
    block = vendor_block(module, e, action, "self", "return False")
    module.add(f'''
        class {e.name}(TimeStampedModel):
            STATUS_CHOICES = [
                ("draft", "Draft"),
                ("pending", "Pending"),
                ("active", "Active"),
                ("archived", "Archived"),
            ]

            owner = models.ForeignKey(
                settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="{e.snake}s"
            )
            title = models.CharField(max_length=200)
            notes = models.TextField(blank=True)
            amount = models.DecimalField(max_digits=10, decimal_places=2, default=0)
            email = models.EmailField(blank=True)
            phone = models.CharField(max_length=32, blank=True)
            status = models.CharField(max_length=20, choices=STATUS_CHOICES, default="draft")
            external_ref = models.CharField(max_length=64, blank=True)
            last_sms_sid = models.CharField(max_length=64, blank=True)
            document_key = models.CharField(max_length=255, blank=True)
            summary = models.TextField(blank=True)

            class Meta:
                ordering = ["-created_at"]
                verbose_name = "{e.lower}"

            def __str__(self):
                return self.title or "{e.label} %s" % self.pk

            def get_absolute_url(self):
                return reverse("{e.app}:{e.snake}_detail", kwargs={{"pk": self.pk}})

            @property
            def is_open(self):
                return self.status in ("draft", "pending", "active")

            def {action}_now(self):
{indent(block, 4)}
                self.save()
                return True
    ''')


def add_form(module: Module, entity: Entity, models_module: str) -> None:
    module.need("from django import forms", f"from {models_module} import {entity.name}")
    module.add(f"""
        class {entity.name}Form(forms.ModelForm):
            class Meta:
                model = {entity.name}
                fields = ["title", "notes", "amount", "email", "phone"]

            def clean_amount(self):
                amount = self.cleaned_data["amount"]
                if amount is not None and amount < 0:
                    raise forms.ValidationError("Amount cannot be negative.")
                return amount
    """)


def add_views(module: Module, entity: Entity, app: AppLayout) -> list[tuple[str, str]]:
    """Function views and CBVs for `entity`; returns (view name, patch target) for the tests."""
    e = entity
    module.need(
        "import logging",
        "from django.contrib import messages",
        "from django.contrib.auth.decorators import login_required",
        "from django.core.paginator import Paginator",
        "from django.db import transaction",
        "from django.shortcuts import get_object_or_404, redirect, render",
        "from django.views.decorators.http import require_POST",
        f"from {app.module('models')} import {e.model_class}",
        f"from {app.module('forms')} import {e.model_class}Form",
        f"from {app.core_models} import AuditLog",
    )
    module.logger()
    first = e.actions[0]
    create_block = vendor_block(
        module, e, first, "obj", f'return redirect("{e.app}:{e.snake}_list")'
    )
    patched = [(f"{e.snake}_create", patch_target(module, first))]
    module.add(f'''
        def _{e.snake}_queryset(user):
            qs = {e.model_class}.objects.select_related("owner")
            if not user.is_staff:
                qs = qs.filter(owner=user)
            return qs


        @login_required
        def {e.snake}_list(request):
            qs = _{e.snake}_queryset(request.user).order_by("-created_at")
            status = request.GET.get("status")
            if status:
                qs = qs.filter(status=status)
            query = request.GET.get("q", "").strip()
            if query:
                qs = qs.filter(title__icontains=query)
            page = Paginator(qs, 25).get_page(request.GET.get("page"))
            context = {{"page": page, "status": status, "q": query}}
            return render(request, "{e.app}/{e.snake}_list.html", context)


        @login_required
        def {e.snake}_create(request):
            if request.method != "POST":
                form = {e.model_class}Form()
                return render(request, "{e.app}/{e.snake}_form.html", {{"form": form}})
            form = {e.model_class}Form(request.POST)
            if not form.is_valid():
                return render(request, "{e.app}/{e.snake}_form.html", {{"form": form}}, status=400)
            with transaction.atomic():
                obj = form.save(commit=False)
                obj.owner = request.user
                obj.status = "pending"
                obj.save()
                AuditLog.objects.create(
                    user=request.user, action="{e.snake}.create", object_id=obj.pk
                )
{indent(create_block, 3)}
            obj.status = "active"
            obj.save()
            messages.success(request, "{e.label} created.")
            return redirect("{e.app}:{e.snake}_detail", pk=obj.pk)
    ''')
    for action in e.actions[1:]:
        fail = f'return redirect("{e.app}:{e.snake}_detail", pk=obj.pk)'
        block = vendor_block(module, e, action, "obj", fail)
        patched.append((f"{e.snake}_{action}", patch_target(module, action)))
        module.add(f'''
            @login_required
            @require_POST
            def {e.snake}_{action}(request, pk):
                obj = get_object_or_404(_{e.snake}_queryset(request.user), pk=pk)
                if obj.status in ("archived", "cancelled"):
                    messages.error(request, "This {e.lower} can no longer be changed.")
                    return redirect("{e.app}:{e.snake}_detail", pk=obj.pk)
{indent(block, 4)}
                with transaction.atomic():
                    obj.save()
                    AuditLog.objects.create(
                        user=request.user, action="{e.snake}.{action}", object_id=obj.pk
                    )
                messages.success(request, "{e.label} {action}: done.")
                return redirect("{e.app}:{e.snake}_detail", pk=obj.pk)
        ''')
    add_class_views(module, e)
    return patched


def add_class_views(module: Module, e: Entity) -> None:
    module.need(
        "from django.contrib.auth.mixins import LoginRequiredMixin",
        "from django.views.generic import DetailView, UpdateView",
    )
    action = e.actions[-1]
    block = vendor_block(module, e, action, "self.object", "return response")
    module.add(f'''
        class {e.name}DetailView(LoginRequiredMixin, DetailView):
            model = {e.model_class}
            template_name = "{e.app}/{e.snake}_detail.html"
            context_object_name = "{e.snake}"

            def get_queryset(self):
                return _{e.snake}_queryset(self.request.user)

            def get_context_data(self, **kwargs):
                context = super().get_context_data(**kwargs)
                context["history"] = AuditLog.objects.filter(
                    action__startswith="{e.snake}.", object_id=self.object.pk
                ).order_by("-created_at")[:20]
                context["can_edit"] = self.object.is_open
                return context


        class {e.name}UpdateView(LoginRequiredMixin, UpdateView):
            model = {e.model_class}
            form_class = {e.model_class}Form
            template_name = "{e.app}/{e.snake}_form.html"

            def get_queryset(self):
                return _{e.snake}_queryset(self.request.user)

            def form_valid(self, form):
                with transaction.atomic():
                    response = super().form_valid(form)
                    AuditLog.objects.create(
                        user=self.request.user, action="{e.snake}.update", object_id=self.object.pk
                    )
{indent(block, 4)}
                self.object.save()
                return response
    ''')


def add_serializer(module: Module, e: Entity, models_module: str) -> None:
    module.need(
        "import logging",
        "from django.db import transaction",
        "from rest_framework import serializers",
        f"from {models_module} import {e.name}",
    )
    module.logger()
    fail = f'raise serializers.ValidationError("could not process {e.lower}")'
    block = vendor_block(module, e, e.actions[0], "obj", fail)
    module.add(f"""
        class {e.name}Serializer(serializers.ModelSerializer):
            owner = serializers.HiddenField(default=serializers.CurrentUserDefault())

            class Meta:
                model = {e.name}
                fields = ["id", "owner", "title", "notes", "amount", "email", "phone", "status"]
                read_only_fields = ["status"]

            def validate_amount(self, value):
                if value < 0:
                    raise serializers.ValidationError("must be positive")
                return value

            def create(self, validated_data):
                with transaction.atomic():
                    obj = {e.name}.objects.create(status="pending", **validated_data)
{indent(block, 4)}
                obj.status = "active"
                obj.save()
                return obj
    """)


def add_viewset(module: Module, e: Entity, app: AppLayout) -> None:
    module.need(
        "import logging",
        "from rest_framework import permissions, status, viewsets",
        "from rest_framework.decorators import action",
        "from rest_framework.response import Response",
        f"from {app.module('models')} import {e.name}",
        f"from {app.module('serializers')} import {e.name}Serializer",
    )
    module.logger()
    verb = e.actions[-1]
    fail = 'return Response({"detail": "upstream error"}, status=status.HTTP_502_BAD_GATEWAY)'
    block = vendor_block(module, e, verb, "obj", fail)
    module.add(f"""
        class {e.name}ViewSet(viewsets.ModelViewSet):
            serializer_class = {e.name}Serializer
            permission_classes = [permissions.IsAuthenticated]

            def get_queryset(self):
                return {e.name}.objects.filter(owner=self.request.user).order_by("-created_at")

            @action(detail=True, methods=["post"])
            def {verb}(self, request, pk=None):
                obj = self.get_object()
{indent(block, 4)}
                obj.save()
                return Response(self.get_serializer(obj).data)
    """)


def add_task(module: Module, e: Entity, models_module: str) -> None:
    module.need(
        "import logging",
        "from celery import shared_task",
        f"from {models_module} import {e.name}",
    )
    module.logger()
    verb = e.actions[min(1, len(e.actions) - 1)]
    block = vendor_block(module, e, verb, "obj", "raise self.retry(countdown=60)")
    module.add(f'''
        @shared_task(bind=True, max_retries=3)
        def {verb}_{e.snake}(self, {e.snake}_id):
            try:
                obj = {e.name}.objects.get(pk={e.snake}_id)
            except {e.name}.DoesNotExist:
                logger.warning("{e.snake} %s vanished before the task ran", {e.snake}_id)
                return
{indent(block, 3)}
            obj.save()
    ''')


def command_module(rng: random.Random, e: Entity, models_module: str) -> Module:
    module = Module(rng)
    module.need(
        "import logging",
        "from django.core.management.base import BaseCommand",
        f"from {models_module} import {e.name}",
    )
    module.logger()
    verb = e.actions[-1]
    block = vendor_block(module, e, verb, "obj", "failed += 1\ncontinue")
    module.add(f'''
        class Command(BaseCommand):
            help = "{verb} every pending {e.lower}"

            def add_arguments(self, parser):
                parser.add_argument("--dry-run", action="store_true")
                parser.add_argument("--limit", type=int, default=500)

            def handle(self, *args, **options):
                failed = 0
                pending = {e.name}.objects.filter(status="pending")[: options["limit"]]
                for obj in pending.iterator():
                    if options["dry_run"]:
                        self.stdout.write("would {verb} %s" % obj.pk)
                        continue
{indent(block, 5)}
                    obj.save()
                self.stdout.write(self.style.SUCCESS("done, %d failed" % failed))
    ''')
    return module


def add_utils(module: Module, e: Entity) -> None:
    module.need("from decimal import Decimal")
    module.add(f"""
        def build_{e.snake}_payload(obj):
            return {{
                "id": obj.pk,
                "title": obj.title,
                "amount": str(obj.amount),
                "status": obj.status,
            }}


        def {e.snake}_total(items):
            total = Decimal("0")
            for item in items:
                if item.status == "archived":
                    continue
                total += item.amount
            return total.quantize(Decimal("0.01"))
    """)


def add_tests(module: Module, e: Entity, views_module: str, patched: list[tuple[str, str]]) -> None:
    module.need(
        "from unittest import mock",
        "import pytest",
        "from django.urls import reverse",
        f"from {e.app}.models import {e.name}",
    )
    tests = [
        f"""
        @pytest.fixture
        def {e.snake}(django_user_model):
            user = django_user_model.objects.create_user("owner", password="pw")
            return {e.name}.objects.create(owner=user, title="t", amount=10, status="active")
    """
    ]
    for view, target in patched:
        url = (
            f'reverse("{e.app}:{view}")'
            if view.endswith("_create")
            else f'reverse("{e.app}:{view}", args=[{e.snake}.pk])'
        )
        tests.append(f'''
            @pytest.mark.django_db
            @mock.patch("{views_module}.{target}")
            def test_{view}_calls_vendor(vendor, client, {e.snake}):
                client.force_login({e.snake}.owner)
                response = client.post({url}, {{"title": "x", "amount": "5"}})
                assert response.status_code in (200, 302)
                assert vendor.called
        ''')
    for test in tests:
        module.add(test)


# -- apps and project --------------------------------------------------------------------------
@dataclass
class AppLayout:
    """Files of one app being generated, keyed by path relative to the repository root."""

    name: str
    rng: random.Random
    core_models: str
    entities: list[Entity] = field(default_factory=list)
    view_entities: list[Entity] = field(default_factory=list)
    files: dict[str, Module] = field(default_factory=dict)

    def module(self, stem: str) -> str:
        return f"{self.name}.{stem}"

    def file(self, rel: str) -> Module:
        path = f"{self.name}/{rel}"
        if path not in self.files:
            self.files[path] = Module(self.rng)
        return self.files[path]


def entity_names(rng: random.Random) -> list[str]:
    names = [q + n for q in QUALIFIERS for n in NOUNS]
    rng.shuffle(names)
    # Beyond 600 objects (about 250k lines) two qualifiers; not shuffled, so that the smaller
    # repositories stay what they were.
    more = [a + b + n for a in QUALIFIERS for b in QUALIFIERS if a != b for n in NOUNS]
    return list(NOUNS) + names + more


def build_app(app: AppLayout, packaged_views: bool) -> None:
    is_core = app.core_models == app.module("models")
    models = app.file("models.py")
    if is_core:
        add_core_models(models)
    urls: list[str] = []
    for entity in app.entities:
        add_model(models, entity, "" if is_core else app.core_models.rsplit(".", 1)[0] + ".models")
        add_form(app.file("forms.py"), entity, app.module("models"))
        rel = f"views/{entity.snake}.py" if packaged_views else "views.py"
        views_module = app.module(rel[:-3].replace("/", "."))
        patched = add_views(app.file(rel), entity, app)
        urls += url_lines(entity, views_module, packaged_views)
        add_serializer(app.file("serializers.py"), entity, app.module("models"))
        add_viewset(app.file("api.py"), entity, app)
        add_task(app.file("tasks.py"), entity, app.module("models"))
        add_utils(app.file("utils.py"), entity)
        add_tests(app.file(f"tests/test_{entity.snake}.py"), entity, views_module, patched)
        cmd = f"{app.name}/management/commands/{entity.actions[-1]}_{entity.snake}s.py"
        app.files[cmd] = command_module(app.rng, entity, app.module("models"))
    for entity in app.view_entities:
        add_views(app.file("views.py"), entity, app)
        urls += url_lines(entity, app.module("views"), False)
    add_app_boilerplate(app, packaged_views, urls)


def add_core_models(module: Module) -> None:
    module.need("from django.conf import settings", "from django.db import models")
    module.add("""
        class TimeStampedModel(models.Model):
            created_at = models.DateTimeField(auto_now_add=True)
            updated_at = models.DateTimeField(auto_now=True)

            class Meta:
                abstract = True


        class AuditLog(models.Model):
            user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
            action = models.CharField(max_length=100)
            object_id = models.PositiveIntegerField(null=True)
            created_at = models.DateTimeField(auto_now_add=True)

            def __str__(self):
                return "%s %s" % (self.action, self.object_id)
    """)


def url_lines(e: Entity, views_module: str, packaged: bool) -> list[str]:
    ref = f"{e.snake}_views" if packaged else "views"
    lines = [
        f'path("{e.snake}s/", {ref}.{e.snake}_list, name="{e.snake}_list"),',
        f'path("{e.snake}s/new/", {ref}.{e.snake}_create, name="{e.snake}_create"),',
        f'path("{e.snake}s/<int:pk>/", {ref}.{e.name}DetailView.as_view(), '
        f'name="{e.snake}_detail"),',
        f'path("{e.snake}s/<int:pk>/edit/", {ref}.{e.name}UpdateView.as_view(), '
        f'name="{e.snake}_edit"),',
    ]
    for action in e.actions[1:]:
        lines.append(
            f'path("{e.snake}s/<int:pk>/{action}/", {ref}.{e.snake}_{action}, '
            f'name="{e.snake}_{action}"),'
        )
    return lines


def add_app_boilerplate(app: AppLayout, packaged_views: bool, urls: list[str]) -> None:
    urls_module = app.file("urls.py")
    urls_module.need("from django.urls import path")
    if packaged_views:
        for entity in app.entities:
            urls_module.need(f"from .views import {entity.snake} as {entity.snake}_views")
        app.file("views/__init__.py")
    else:
        urls_module.need("from . import views")
    body = "\n".join("    " + line for line in urls)
    urls_module.add(f'app_name = "{app.name}"\n\nurlpatterns = [\n{body}\n]')
    config = app.name.capitalize() + "Config"
    app.file("apps.py").need("from django.apps import AppConfig")
    app.file("apps.py").add(
        f'class {config}(AppConfig):\n    default_auto_field = "django.db.models.BigAutoField"\n'
        f'    name = "{app.name}"'
    )
    admin = app.file("admin.py")
    admin.need("from django.contrib import admin")
    for entity in app.entities:
        admin.need(f"from .models import {entity.name}")
        admin.add(
            f"@admin.register({entity.name})\nclass {entity.name}Admin(admin.ModelAdmin):\n"
            '    list_display = ["title", "owner", "status", "amount"]\n'
            '    list_filter = ["status"]\n    search_fields = ["title", "email"]'
        )
    for rel in (
        "__init__.py",
        "migrations/__init__.py",
        "tests/__init__.py",
        "management/__init__.py",
        "management/commands/__init__.py",
    ):
        app.file(rel)


def project_files(apps: list[AppLayout]) -> dict[str, str]:
    pkg = PROJECT_PACKAGE
    installed = "\n".join(f'    "{app.name}",' for app in apps)
    includes = "\n".join(f'    path("{app.name}/", include("{app.name}.urls")),' for app in apps)
    registers = "\n".join(
        f'router.register(r"{e.snake}s", {app.name}_api.{e.name}ViewSet, basename="{e.snake}")'
        for app in apps
        for e in app.entities
    )
    api_imports = "\n".join(f"from {app.name} import api as {app.name}_api" for app in apps)
    return {
        "manage.py": MANAGE_PY.format(pkg=pkg),
        f"{pkg}/__init__.py": 'from .celery import app as celery_app\n\n__all__ = ["celery_app"]\n',
        f"{pkg}/celery.py": CELERY_PY.format(pkg=pkg),
        f"{pkg}/settings.py": SETTINGS_PY.format(pkg=pkg, installed=installed),
        f"{pkg}/urls.py": URLS_PY.format(
            api_imports=api_imports, registers=registers, includes=includes
        ),
        f"{pkg}/wsgi.py": WSGI_PY.format(pkg=pkg, kind="wsgi", Kind="WSGI"),
        f"{pkg}/asgi.py": WSGI_PY.format(pkg=pkg, kind="asgi", Kind="ASGI"),
        "conftest.py": "import pytest\n\n\n@pytest.fixture(autouse=True)\n"
        "def _no_email(settings):\n    settings.EMAIL_BACKEND = "
        '"django.core.mail.backends.locmem.EmailBackend"\n',
        "pytest.ini": f"[pytest]\nDJANGO_SETTINGS_MODULE = {pkg}.settings\n"
        "python_files = tests.py test_*.py *_tests.py\n",
        "Procfile": f"web: gunicorn {pkg}.wsgi:application --log-file -\n"
        f"worker: celery -A {pkg} worker -l info\n",
        "requirements.txt": "Django>=4.2\ndjangorestframework\ncelery\nstripe\ntwilio\nboto3\n"
        "openai\nrequests\nsendgrid\npytest-django\n",
        ".gitignore": "__pycache__/\n*.pyc\n.env\ndb.sqlite3\n",
    }


MANAGE_PY = '''\
#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{pkg}.settings")
    try:
        from django.core.management import execute_from_command_line
    except ImportError as exc:
        raise ImportError("Couldn't import Django.") from exc
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
'''
CELERY_PY = """\
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{pkg}.settings")

app = Celery("{pkg}")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
"""
WSGI_PY = '''\
"""{Kind} config for {pkg}."""

import os

from django.core.{kind} import get_{kind}_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{pkg}.settings")

application = get_{kind}_application()
'''
URLS_PY = """\
from django.contrib import admin
from django.urls import include, path
from rest_framework import routers

{api_imports}

router = routers.DefaultRouter()
{registers}

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include(router.urls)),
{includes}
]
"""
SETTINGS_PY = """\
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = "django-insecure-0b$7x!q2legacy-benchmark-key-do-not-use"
DEBUG = True
ALLOWED_HOSTS = ["*"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
{installed}
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

ROOT_URLCONF = "{pkg}.urls"
WSGI_APPLICATION = "{pkg}.wsgi.application"

TEMPLATES = [
    {{
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {{
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        }},
    }},
]

DATABASES = {{
    "default": {{
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": BASE_DIR / "db.sqlite3",
    }}
}}

STATIC_URL = "/static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
DEFAULT_FROM_EMAIL = "noreply@example.com"

STRIPE_SECRET_KEY = "sk_test_51Hlegacybenchmark"
TWILIO_ACCOUNT_SID = "AC00000000000000000000000000000000"
TWILIO_AUTH_TOKEN = "0123456789abcdef0123456789abcdef"
TWILIO_FROM_NUMBER = "+15005550006"
AWS_REGION = "eu-west-1"
AWS_STORAGE_BUCKET_NAME = "legacy-uploads"
OPENAI_API_KEY = "sk-legacy-benchmark"
OPENAI_MODEL = "gpt-4o-mini"
SENDGRID_API_KEY = "SG.legacy-benchmark"
CRM_WEBHOOK_URL = "https://crm.example.com/hooks/django"
CRM_API_TOKEN = "crm-legacy-token"

CELERY_BROKER_URL = "redis://localhost:6379/0"

REST_FRAMEWORK = {{
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
}}

if DEBUG:
    INSTALLED_APPS += ["django_extensions"]
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    CELERY_TASK_ALWAYS_EAGER = True
"""


# -- the whole repository ----------------------------------------------------------------------
def plan_apps(rng: random.Random, target_lines: int) -> list[AppLayout]:
    count = max(1, min(len(APP_NAMES), target_lines // LINES_PER_APP + 1))
    core_models = f"{APP_NAMES[0]}.models"
    return [AppLayout(name, random.Random(rng.random()), core_models) for name in APP_NAMES[:count]]


def new_entity(rng: random.Random, name: str, app: str) -> Entity:
    actions = list(ACTIONS)
    rng.shuffle(actions)
    return Entity(name, app, tuple(actions[: rng.randint(2, 5)]))


def render_files(apps: list[AppLayout]) -> dict[str, str]:
    files = project_files(apps)
    for app in apps:
        packaged = len(app.entities) > BIG_VIEWS_FILE_ENTITIES
        app.files.clear()
        build_app(app, packaged)
        files.update({path: module.render() for path, module in app.files.items()})
    return files


def python_lines(files: dict[str, str]) -> int:
    return sum(non_blank_lines(text) for path, text in files.items() if path.endswith(".py"))


def generate_files(target_lines: int, seed: int) -> dict[str, str]:
    """Files of a repository of about `target_lines` non-blank Python lines."""
    rng = random.Random(seed)
    apps = plan_apps(rng, target_lines)
    names = entity_names(rng)
    # The core app is the legacy dumping ground: it gets about half the entities.
    weights = [len(apps)] + [1] * (len(apps) - 1)
    files = render_files(apps)
    rendered = python_lines(files)
    while names and rendered < target_lines:
        app = rng.choices(apps, weights)[0]
        app.entities.append(new_entity(rng, names.pop(0), app.name))
        rendered += ENTITY_LINES
        if rendered >= target_lines or not names:
            files = render_files(apps)
            rendered = python_lines(files)
    return files


ENTITY_LINES = 420
"""Rough non-blank lines one entity adds; only to limit how often the repo is re-rendered."""


def generate_huge_views_files(views_lines: int, seed: int) -> dict[str, str]:
    """A small one-app repository (a few domain objects, fully built) whose single
    `core/views.py` has about `views_lines` non-blank lines: besides its objects' own views,
    it holds the views of many more view-only objects working on the same models and forms."""
    rng = random.Random(seed)
    app = plan_apps(rng, 0)[0]
    names = entity_names(rng)
    app.entities += [new_entity(rng, name, app.name) for name in names[:BIG_VIEWS_FILE_ENTITIES]]
    views = f"{app.name}/views.py"
    files = render_files([app])
    rendered = non_blank_lines(files[views])
    for name in names[BIG_VIEWS_FILE_ENTITIES:]:
        if rendered >= views_lines:
            break
        viewed = rng.choice(app.entities)
        app.view_entities.append(replace(new_entity(rng, name, app.name), model=viewed.name))
        rendered += VIEW_ENTITY_LINES
        if rendered >= views_lines:
            files = render_files([app])
            rendered = non_blank_lines(files[views])
    return files


VIEW_ENTITY_LINES = 150
"""Rough non-blank lines the views of one object add; only to limit re-rendering."""


def write_repo(root: Path, files: dict[str, str]) -> None:
    """Write `files` under `root` and commit them: the engine reads what git tracks."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com"]
    subprocess.run([*git, "init", "-q", "-b", "main"], cwd=root, check=True)
    subprocess.run([*git, "add", "-A"], cwd=root, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "legacy monolith"], cwd=root, check=True)
