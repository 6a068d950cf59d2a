"""Pages of the household registry: the survey form, the list with its exports, the detail page.

Each view parses its forms, calls one service and renders; the rules live in households.services
and households.quality. htmx endpoints (ID check, live figures, a new member row) return fragments.
"""

from __future__ import annotations

import json
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import EmptyPage, Page, Paginator
from django.db import connections
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from areas.choices import Action, Level
from areas.models import Area
from areas.scopes import may, prefixes_for
from core.errors import Conflict, ServiceError
from core.models import ObjectChange
from core.params import InvalidParameter, ascii_digits, bounded_int, clean_text, finite_decimal, positive_int
from core.throttle import over_budget
from exits.selectors import procedures_of
from households import export, services
from households.choices import Relation
from households.filters import SORTS, HouseholdFilter
from households.forms import SECTIONS, HouseholdForm, MemberForm, MemberFormSet
from households.idnumbers import age_on, check_id_number, mask_id_number
from households.income import compute_income
from households.models import INCOME_FIELDS, Household, Member, QualityFinding
from households.quality import WARNING

__all__ = [
    "check_id",
    "household_add",
    "household_detail",
    "household_edit",
    "household_export",
    "household_list",
    "live_figures",
    "member_reveal",
    "member_row",
]

PAGE_SIZE = 50
#: no list has more pages than this (50 million households)
MAX_PAGE = 1_000_000


def _listing(request, action: str = Action.VIEW):
    """The households where the user may take ``action`` (view for the list page, export for its
    exports), filtered as the list page is; 403 for a user who may take it nowhere."""
    if not request.user.is_superuser and not prefixes_for(request.user, action):
        raise PermissionDenied
    base = Household.objects.visible_to(request.user, action)
    return HouseholdFilter(request.GET or None, queryset=base, request=request)


@login_required
def household_list(request):
    filterset = _listing(request)
    households = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    if "sort" not in request.GET:
        households = households.order_by(*SORTS["household_no"])
    households = households.select_related("village", "village_group").prefetch_related(
        Prefetch(
            "members",
            # ordered by its own columns: the model's ordering would join households to sort
            queryset=Member.objects.filter(is_active=True, relation=Relation.HEAD).order_by("household_id", "position"),
            to_attr="heads",
        )
    )
    if request.GET.get("exact") or not _is_large(request.user, filterset):
        paginator = Paginator(households, PAGE_SIZE)
    else:
        paginator = EstimatedPaginator(households, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    for household in page:
        household.head_id_masked = mask_id_number(household.heads[0].id_number) if household.heads else ""
    query = request.GET.copy()
    query.pop("page", None)
    capture_villages = _capture_villages(request.user)
    context = {
        "filter": filterset,
        "page": page,
        "query": query.urlencode(),
        "capture_villages": capture_villages,
        "can_export": request.user.is_superuser or bool(prefixes_for(request.user, Action.EXPORT)),
    }
    return render(request, "households/household_list.html", context)


class EstimatedPaginator(Paginator):
    """A paginator that does not count: the total is PostgreSQL's estimate for the query (the
    planner's row count from the table statistics, one EXPLAIN of a fraction of a millisecond)
    and the page says so ("约 N 户"), with the exact count one click away. Counting a province's
    600,000 households costs about 80 ms on every page (docs/performance.md).

    A page shorter than the page size ends the list, so its exact count is known without
    counting; it is shown as exact then. Pages past the estimate stay reachable while pages
    are full (the estimate may be low), and "next" is offered when this page is full.
    """

    estimated = True

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        connection = connections[queryset.db]
        if connection.vendor != "postgresql":
            self.estimated = False
            return super().count
        sql, params = queryset.order_by().values("pk").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
        return int(plan[0]["Plan"]["Plan Rows"])

    @property
    def approximate(self) -> str:
        """The estimate to three significant digits, grouped (600,003 → "600,000"): it is no
        more exact than that, and is labelled as an estimate."""
        count = self.count
        step = 10 ** max(0, len(str(count)) - 3)
        return f"{round(count / step) * step:,}"

    def validate_number(self, number):
        try:
            number = int(number)
        except (TypeError, ValueError):
            return super().validate_number(number)
        if number > MAX_PAGE:  # past any list: the OFFSET would not fit the database's integer
            raise EmptyPage(number)
        if number >= 1 and self.estimated:
            return number  # past the estimate: the page itself tells whether rows are there
        return super().validate_number(number)

    def page(self, number) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])  # one more: is there a next?
        more = len(rows) > self.per_page
        rows = rows[: self.per_page]
        if self.estimated and not more and (rows or number == 1):
            # the list ends on this page: its total is known exactly, without a count
            self.__dict__["count"] = bottom + len(rows)
            self.__dict__.pop("num_pages", None)
            self.estimated = False
        elif self.estimated and more:
            # at least the rows up to the next page exist, whatever the statistics say
            self.__dict__["count"] = max(self.count, bottom + len(rows) + 1)
            self.__dict__.pop("num_pages", None)
        return EstimatedPage(rows, number, self, more)


class EstimatedPage(Page):
    def __init__(self, object_list, number, paginator, more: bool):
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more


def _is_large(user, filterset) -> bool:
    """Whether the list may run over more than a county: the user sees more than one county
    (a superuser, a city or province grant) and the "area code" filter does not narrow it to a
    county or below (HOUSEHOLD_LIST_EXACT_COUNT_DIGITS digits)."""
    digits = settings.HOUSEHOLD_LIST_EXACT_COUNT_DIGITS
    village = filterset.form.cleaned_data.get("village") if filterset.is_bound and filterset.is_valid() else ""
    if village and village.strip().isdigit() and len(village.strip()) >= digits:
        return False
    if user.is_superuser:
        return True
    return any(len(prefix) < digits for prefix in prefixes_for(user, Action.VIEW))


def _capture_villages(user) -> list[Area]:
    """Villages where the user may register households (for the "register" button)."""
    if not user.is_superuser and not prefixes_for(user, Action.CAPTURE):
        return []
    return list(
        Area.objects.visible_to(user, Action.CAPTURE)
        .filter(level=Level.VILLAGE, is_revoked=False)
        .order_by("code")[:200]
    )


@login_required
def household_export(request, fmt: str):
    """The current list (same filters) as CSV or Excel, of the households where the user holds
    the export action (a village clerk holds none: 403); ID numbers masked; the export is recorded."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    filterset = _listing(request, Action.EXPORT)
    households = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    if "sort" not in request.GET:
        households = households.order_by(*SORTS["household_no"])
    return export.export_households(request.user, households, fmt, filters=request.GET.dict())


def _village_for_new(request) -> Area:
    code = ascii_digits(request.GET.get("village") or request.POST.get("village"), "village")
    village = Area.objects.visible_to(request.user, Action.VIEW).filter(code=code, level=Level.VILLAGE).first()
    if village is None:
        raise Http404
    if not may(request.user, Action.CAPTURE, village.code):
        raise PermissionDenied
    return village


def _household_or_404(user, pk: int, action: str = Action.VIEW) -> Household:
    household = (
        Household.objects.visible_to(user, Action.VIEW).select_related("village", "village_group").filter(pk=pk).first()
    )
    if household is None:
        raise Http404
    if action != Action.VIEW and not may(user, action, household.village_id):
        raise PermissionDenied
    return household


def _apply_errors(form, formset, exc: services.HouseholdInvalid) -> None:
    for name, errors in exc.errors.items():
        for error in errors:
            form.add_error(name if name in form.fields else None, error)
    for index, row_errors in exc.member_errors.items():
        member_form = formset.forms[index] if index < len(formset.forms) else None
        for name, errors in row_errors.items():
            for error in errors:
                if member_form is not None:
                    member_form.add_error(name if name in member_form.fields else None, error)
                else:
                    form.add_error(None, error)


def _warnings_for(household: Household | None) -> list[QualityFinding]:
    if household is None or household.pk is None:
        return []
    return list(
        QualityFinding.objects.open().filter(household=household).order_by("severity", "rule", "member_position")
    )


def _survey(request, *, village: Area, household: Household | None):
    """The survey form, for a new household or an existing one."""
    initial_members = []
    if household is not None:
        for member in household.members.filter(is_active=True).order_by("position"):
            row = {name: getattr(member, name) for name in MemberForm.Meta.fields}
            # shown masked, as everywhere else; the mask posted back keeps the stored number
            # (services.MASKED_MEMBER_FIELDS), and the logged reveal shows it where it must be read
            for name in services.MASKED_MEMBER_FIELDS:
                row[name] = mask_id_number(row[name] or "")
            row["id"] = member.pk
            initial_members.append(row)
    # more member rows than the form takes would each be built and checked (a crafted count of
    # 10**23 built the formset's absolute maximum, about a thousand forms, for seconds)
    bounded_int(
        request.POST.get("members-TOTAL_FORMS"), "members-TOTAL_FORMS", minimum=0, maximum=MemberFormSet.max_num
    )
    form = HouseholdForm(request.POST or None, instance=household or Household(village=village), village=village)
    formset = MemberFormSet(request.POST or None, initial=initial_members or None, prefix="members")
    if household is None and not request.POST:
        formset = MemberFormSet(initial=[{"relation": "01"}], prefix="members")  # a new form starts with the head
    submit_problems = None
    notes = {key[len("note:") :]: value for key, value in request.POST.items() if key.startswith("note:")}
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        submit = "submit" in request.POST
        try:
            result = services.save_household(
                actor=request.user,
                village_code=village.code if household is None else None,
                household_id=household.pk if household is not None else None,
                expected_version=form.cleaned_data.get("version") if household is not None else None,
                group_code=form.cleaned_data.get("village_group") or None,
                fields=form.service_fields(),
                members=[member_form.service_row() for member_form in formset.forms],
                submit=submit,
                notes=notes,
            )
        except services.HouseholdInvalid as exc:
            _apply_errors(form, formset, exc)
            messages.error(request, exc.message)
        except Conflict as exc:
            # keep the clerk's entries; the next save is made against the version now stored
            messages.error(request, exc.message)
            data = request.POST.copy()
            data["version"] = str(Household.objects.get(pk=household.pk).version)
            form = HouseholdForm(data, instance=household, village=village)
            form.is_valid()
        except ServiceError as exc:
            messages.error(request, exc.message)
            submit_problems = exc.details
        else:
            saved = result.household
            if result.submitted:
                messages.success(request, f"户 {saved.household_no} 已提交审核。")
            else:
                counts = (saved.quality_errors, saved.quality_warnings)
                messages.success(
                    request,
                    "户 {} 已保存为草稿（{} 个错误，{} 个提示）。".format(saved.household_no, *counts),
                )
                if result.reopened:
                    messages.warning(
                        request,
                        _("The form had been submitted for review; the change sends it back to draft. Submit it "
                          "again when it is complete."),
                    )  # fmt: skip
            return redirect("households:household_edit", pk=saved.pk)
    findings = _warnings_for(household)
    for finding in findings:
        finding.key = services.finding_key(finding)
    context = {
        "form": form,
        "formset": formset,
        "sections": [(key, title, [form[name] for name in names]) for key, title, names in SECTIONS],
        "village": village,
        "household": household,
        "can_reveal": may(request.user, Action.REVEAL, village.code),
        "findings": findings,
        "warning": WARNING,
        "submit_problems": submit_problems,
        "notes": notes,
        "empty_member": MemberFormSet(prefix="members").empty_form,
    }
    return render(request, "households/household_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def household_add(request):
    return _survey(request, village=_village_for_new(request), household=None)


@login_required
@require_http_methods(["GET", "POST"])
def household_edit(request, pk: int):
    household = _household_or_404(request.user, pk, Action.CAPTURE)
    return _survey(request, village=household.village, household=household)


TABS = ["members", "income", "conditions", "findings", "history"]


@login_required
def household_detail(request, pk: int):
    household = _household_or_404(request.user, pk)
    tab = request.GET.get("tab", "members")
    if tab not in TABS:
        tab = "members"
    context = {
        "household": household,
        "tab": tab,
        "tabs": [
            (key, label)
            for key, label in zip(TABS, ["家庭成员", "收入", "生产生活条件", "数据质量", "变更历史"], strict=True)
        ],
        "can_edit": may(request.user, Action.CAPTURE, household.village_id),
        "can_reveal": may(request.user, Action.REVEAL, household.village_id),
        # monitoring and exit, shown on every tab (exits.selectors: four queries)
        "procedures": procedures_of(request.user, household),
    }
    if tab == "members":
        members = list(household.members.order_by("-is_active", "position"))
        today = timezone.localdate()
        for member in members:
            member.masked_id = mask_id_number(member.id_number)
            member.age = age_on(member.birth_date, today) if member.birth_date else None
        context["members"] = members
    elif tab == "income":
        context["income_rows"] = [
            (Household._meta.get_field(name).verbose_name, getattr(household, name)) for name in INCOME_FIELDS
        ]
    elif tab == "conditions":
        names = [
            name
            for key, _title, fields in SECTIONS
            if key in ("production", "living", "relocation", "exclusion")
            for name in fields
        ]
        context["condition_rows"] = [(Household._meta.get_field(n).verbose_name, _display(household, n)) for n in names]
    elif tab == "findings":
        context["findings"] = list(
            QualityFinding.objects.filter(household=household).order_by("resolved_at", "severity", "rule")
        )
    elif tab == "history":
        changes = ObjectChange.objects.filter(
            content_type=ContentType.objects.get_for_model(Household), object_pk=str(household.pk)
        ).order_by("-time", "-id")
        context["changes"] = [(change, _readable_change(change)) for change in changes[:100]]
    return render(request, "households/household_detail.html", context)


def _display(household: Household, name: str):
    value = getattr(household, name)
    field = Household._meta.get_field(name)
    if isinstance(value, bool):
        return "是" if value else "否"
    if field.choices:
        return getattr(household, f"get_{name}_display")() if value else "—"
    return "—" if value in (None, "") else value


def _label(name: str) -> str:
    try:
        return str(Household._meta.get_field(name).verbose_name)
    except Exception:  # not a household field (members, or a key kept from an older version)
        return {"members": "家庭成员"}.get(name, name)


def _readable_change(change: ObjectChange) -> list[tuple[str, str, str]]:
    """(label, before, after) of a change, with ID numbers masked: history never shows them whole."""
    rows = []
    for key, before, after in change.changed_fields():
        if key == "members":
            rows.extend(_member_changes(before or [], after or []))
        else:
            rows.append((_label(key), _plain(before), _plain(after)))
    return rows


def _plain(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(str(v) for v in value) or "—"
    return str(value)


def _member_changes(before: list[dict], after: list[dict]) -> list[tuple[str, str, str]]:
    old = {m.get("id"): m for m in before}
    rows = []
    for member in after:
        previous = old.get(member.get("id"))
        name = member.get("name", "")
        if previous is None:
            rows.append(("成员", "—", f"新增 {name}（{mask_id_number(member.get('id_number', ''))}）"))
            continue
        for key, value in member.items():
            if previous.get(key) != value and key not in ("position",):
                label = str(Member._meta.get_field(key).verbose_name) if key != "id" else key
                shown_before, shown_after = previous.get(key), value
                if key == "id_number":
                    shown_before, shown_after = mask_id_number(shown_before or ""), mask_id_number(shown_after or "")
                rows.append((f"成员 {name}：{label}", _plain(shown_before), _plain(shown_after)))
    return rows


@login_required
@require_POST
def check_id(request):
    """htmx: check one ID number as it is typed; says what is wrong, or the birth date, gender and age."""
    if not request.user.is_superuser and not prefixes_for(request.user, Action.CAPTURE):
        raise PermissionDenied
    if over_budget("id-check", request.user.pk, settings.ID_CHECKS_PER_MINUTE):
        # it says whether a number is registered: not to be asked number after number
        message = _("Too many ID numbers checked in a minute; wait a moment and check again.")
        return HttpResponse(format_html('<span class="error">{}</span>', message), status=429)
    field = next((key for key in request.POST if key.endswith("id_number")), None)
    raw = clean_text(request.POST.get(field, ""), field, max_length=40) if field else ""
    exclude = positive_int(request.POST.get("household"), "household")
    result = check_id_number(raw)
    context = {"result": result}
    if result.is_valid:
        context["age"] = age_on(result.birth_date, timezone.localdate())
        taken = Member.objects.active().filter(id_number=result.number).select_related("household")
        if exclude is not None:
            taken = taken.exclude(household_id=exclude)
        duplicate = taken.first()
        if duplicate is not None:
            context["duplicate"] = services.describe_duplicate(request.user, duplicate)
    return render(request, "households/_id_check.html", context)


@login_required
@require_POST
def live_figures(request):
    """htmx: the derived income figures for the amounts and members on the form, before saving."""
    values = {}
    for name in INCOME_FIELDS:
        try:
            values[name] = finite_decimal(request.POST.get(name), name, default=Decimal("0"))
        except InvalidParameter:
            values[name] = Decimal("0")  # half-typed amounts count as nothing until they are numbers
    total = bounded_int(request.POST.get("members-TOTAL_FORMS"), "members-TOTAL_FORMS", minimum=0, maximum=1000) or 0
    size = sum(
        1
        for index in range(min(total, 30))
        if request.POST.get(f"members-{index}-name") and not request.POST.get(f"members-{index}-remove")
    )
    return render(request, "households/_figures.html", {"figures": compute_income(values, size)})


@login_required
def member_row(request):
    """htmx: one more, empty row of the member table, numbered ``index``."""
    index = bounded_int(request.GET.get("index"), "index", minimum=0, maximum=1000, default=0)
    if not 0 <= index < 30:
        return HttpResponse(status=204)
    form = MemberForm(prefix=f"members-{index}")
    return render(request, "households/_member_row.html", {"member_form": form, "index": index, "oob": True})


@login_required
@require_POST
def member_reveal(request, pk: int):
    """htmx: the full ID number of one member, for a role in scope; each reveal is recorded."""
    number = services.reveal_id_number(actor=request.user, member_id=pk)
    return HttpResponse(format_html('<span class="code revealed">{}</span>', number))


def household_url(household: Household) -> str:
    return reverse("households:household_detail", kwargs={"pk": household.pk})
