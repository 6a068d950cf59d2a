"""Pages of areas, people and roles. Each view parses a form, calls one service, renders."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from areas import services
from areas.choices import Action, Level, Role
from areas.codes import LEVEL_DIGITS
from areas.excel import read_area_rows
from areas.forms import (
    AreaChildForm,
    AreaImportForm,
    AreaRenameForm,
    AreaRevokeForm,
    GrantForm,
    PasswordResetForm,
    PersonForm,
)
from areas.models import Area, AreaGroupObjectPermission, AreaUserObjectPermission
from areas.roles import ROLE_ACTIONS
from areas.scopes import Grant, grants_of, held_grants, held_grants_of_many, may, prefixes_for
from core.errors import ServiceError
from core.models import ObjectChange
from core.params import clean_text
from core.querysets import prefix_condition

__all__ = [
    "area_add",
    "area_detail",
    "area_edit",
    "area_history",
    "area_import",
    "area_list",
    "area_revoke",
    "home",
    "person_add",
    "person_detail",
    "person_list",
    "person_password",
    "person_revoke",
    "person_status",
]

User = get_user_model()
PAGE_SIZE = 50


def _area_or_404(user, code: str, action: str = Action.VIEW) -> Area:
    """The area if it is in the user's view scope (404 otherwise), and ``action`` allowed (403 otherwise)."""
    area = Area.objects.visible_to(user, Action.VIEW).select_related("parent", "successor").filter(code=code).first()
    if area is None:
        raise Http404
    if action != Action.VIEW and not may(user, action, area.code):
        raise PermissionDenied
    return area


def _ancestors(area: Area) -> list[tuple[str, str]]:
    """(code, name) of the areas above, from the province down, in one query."""
    codes = [area.code[:digits].ljust(12, "0") for level, digits in LEVEL_DIGITS.items() if digits < len(area.prefix)]
    names = dict(Area.objects.filter(code__in=codes).values_list("code", "name"))
    return [(code, names[code]) for code in codes if code in names]


@login_required
def home(request):
    """The user's start page: their roles and areas (later issues add their work queues here)."""
    grants = grants_of(request.user)
    roles = []
    for role in Role:
        held = [grant for grant in grants if grant.role == role]
        if held:
            roles.append({"role": role, "grants": held, "actions": sorted(ROLE_ACTIONS[role])})
    from exits.exit_queues import exit_work_for
    from exits.review_queues import work_for as review_work_for
    from identification.queues import work_for

    context = {
        "roles": roles,
        "no_role": not grants and not request.user.is_superuser,
        "work": work_for(request.user),
        "review_work": review_work_for(request.user),
        "exit_work": exit_work_for(request.user),
    }
    return render(request, "areas/home.html", context)


@login_required
def area_list(request):
    """The areas at the top of the user's scope, or a search by name or code within it."""
    areas = Area.objects.visible_to(request.user, Action.VIEW)
    query = clean_text(request.GET.get("q"), "q", max_length=100)
    if query:
        numeric = query.isascii() and query.isdigit()
        condition = areas.filter(code__startswith=query) if numeric else areas.filter(name__contains=query)
        areas = condition.order_by("code")
    elif request.user.is_superuser:
        areas = areas.filter(level=Level.PROVINCE)
    else:
        roots = prefixes_for(request.user, Action.VIEW)
        if not roots:
            raise PermissionDenied
        areas = areas.filter(code__in=[grant.area_code for grant in grants_of(request.user) if grant.prefix in roots])
    page = Paginator(areas.select_related("parent"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "areas/area_list.html", {"page": page, "query": query})


@login_required
def area_detail(request, code: str):
    area = _area_or_404(request.user, code)
    children = area.children.annotate(child_count=Count("children")).order_by("is_revoked", "code")
    page = Paginator(children, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "area": area,
        "ancestors": _ancestors(area),
        "page": page,
        "can_manage": may(request.user, Action.MANAGE_AREAS, area.code),
        "can_audit": may(request.user, Action.AUDIT, area.code),
        "can_import_households": area.level in (Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE)
        and may(request.user, Action.CAPTURE, area.code),
        "child_level": services.CHILD_LEVEL.get(area.level),
    }
    return render(request, "areas/area_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def area_add(request, code: str):
    """Add a village under a township, or a group under a village (county officers)."""
    parent = _area_or_404(request.user, code, Action.MANAGE_AREAS)
    if parent.level not in services.CHILD_LEVEL:
        raise Http404
    form = AreaChildForm(request.POST or None, initial={"code": parent.prefix})
    if request.method == "POST" and form.is_valid():
        try:
            area = services.create_area(actor=request.user, parent_code=parent.code, **form.cleaned_data)
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("%(area)s was added.") % {"area": area})
            return redirect("areas:area_detail", code=parent.code)
    child_level = Level(services.CHILD_LEVEL[parent.level])
    return render(request, "areas/area_add.html", {"parent": parent, "form": form, "child_level": child_level})


@login_required
@require_http_methods(["GET", "POST"])
def area_edit(request, code: str):
    area = _area_or_404(request.user, code, Action.MANAGE_AREAS)
    if area.level not in (Level.VILLAGE, Level.GROUP):
        raise PermissionDenied
    form = AreaRenameForm(request.POST or None, initial={"name": area.name})
    if request.method == "POST" and form.is_valid():
        try:
            services.rename_area(actor=request.user, code=area.code, **form.cleaned_data)
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("The name was changed."))
            return redirect("areas:area_detail", code=area.code)
    return render(request, "areas/area_edit.html", {"area": area, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def area_revoke(request, code: str):
    area = _area_or_404(request.user, code, Action.MANAGE_AREAS)
    if area.level not in (Level.VILLAGE, Level.GROUP):
        raise PermissionDenied
    form = AreaRevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.revoke_area(
                actor=request.user,
                code=area.code,
                successor_code=form.cleaned_data["successor"].strip() or None,
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("The code was revoked."))
            return redirect("areas:area_detail", code=area.code)
    return render(request, "areas/area_revoke.html", {"area": area, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def area_import(request, code: str):
    """Import villages and groups of one county from a list; shows every row error, writes all or nothing."""
    county = _area_or_404(request.user, code, Action.MANAGE_AREAS)
    if county.level != Level.COUNTY:
        raise Http404
    form = AreaImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            rows, cell_errors = read_area_rows(form.cleaned_data["file"])
            result = services.import_areas(
                actor=request.user, county_code=county.code, rows=rows, dry_run=bool(cell_errors)
            )
        except ServiceError as exc:
            form.add_error("file", exc.message)
        else:
            errors = sorted([*cell_errors, *result.errors], key=lambda e: (e.row_number, e.column))
            if not errors:
                messages.success(
                    request,
                    _("%(created)s areas were added; %(unchanged)s were already there.")
                    % {"created": len(result.created), "unchanged": result.unchanged},
                )
                return redirect("areas:area_detail", code=county.code)
    return render(request, "areas/area_import.html", {"county": county, "form": form, "errors": errors})


@login_required
def area_history(request, code: str):
    """Every recorded change to the area and the role grants on it (auditors)."""
    area = _area_or_404(request.user, code, Action.AUDIT)
    changes = ObjectChange.objects.filter(area_code=area.code).select_related("content_type").order_by("-time", "-id")
    page = Paginator(changes, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "areas/area_history.html", {"area": area, "page": page})


# --- People and roles ----------------------------------------------------------------------------


def _people_visible_to(user):
    """Users holding a role inside the areas where ``user`` manages people, directly or through a
    group. Seeing a person is not managing them: ``services.may_manage_person`` weighs all their roles."""
    if user.is_superuser:
        return User.objects.all()
    prefixes = prefixes_for(user, Action.MANAGE_PEOPLE)
    if not prefixes:
        raise PermissionDenied
    inside = prefix_condition("content_object__code", prefixes) & Q(permission__codename__startswith="role_")
    direct = AreaUserObjectPermission.objects.filter(inside).values("user")
    via_groups = AreaGroupObjectPermission.objects.filter(inside).values("group__user")
    return User.objects.filter(Q(pk__in=direct) | Q(pk__in=via_groups))


def _person_or_404(user, pk: int):
    person = _people_visible_to(user).filter(pk=pk).first()
    if person is None:
        raise Http404
    return person


def _grant_rows(grants: list[Grant]) -> list[dict]:
    """Rows of a person's roles, direct and through groups, with the area of each (one query)."""
    areas = Area.objects.in_bulk({grant.area_code for grant in grants})
    return [
        {
            "role": grant.role,
            "role_label": Role(grant.role).label,
            "area": areas[grant.area_code],
            "via_group": grant.via_group,
        }
        for grant in grants
        if grant.area_code in areas
    ]


@login_required
def person_list(request):
    people = _people_visible_to(request.user).order_by("username")
    query = clean_text(request.GET.get("q"), "q", max_length=150)
    if query:
        people = people.filter(Q(username__icontains=query) | Q(first_name__icontains=query))
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    held = held_grants_of_many([person.pk for person in page])
    areas = Area.objects.in_bulk({grant.area_code for grants in held.values() for grant in grants})
    for person in page:
        grants = held[person.pk]
        person.roles = [
            (Role(grant.role).label, areas[grant.area_code]) for grant in grants if grant.area_code in areas
        ]
        person.manageable = services.may_manage_person(request.user, person, grants)
    return render(request, "areas/person_list.html", {"page": page, "query": query})


@login_required
@require_http_methods(["GET", "POST"])
def person_add(request):
    _people_visible_to(request.user)  # refuses a user who manages no one
    form = PersonForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.create_person(
                actor=request.user,
                area_code=form.cleaned_data["area"],
                **{key: form.cleaned_data[key] for key in ("username", "full_name", "password", "role")},
            )
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, _("%(name)s can now log in.") % {"name": person.username})
            return redirect("areas:person_detail", pk=person.pk)
    return render(request, "areas/person_add.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def person_detail(request, pk: int):
    """A person's roles, with a form to grant another (within the viewer's county)."""
    person = _person_or_404(request.user, pk)
    form = GrantForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            granted = services.grant_role(actor=request.user, user=person, **form.cleaned_data_for_service())
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            if granted:
                messages.success(request, _("The role was granted."))
            else:
                messages.info(request, _("%(name)s already has this role there.") % {"name": person.username})
            return redirect("areas:person_detail", pk=person.pk)
    managed = prefixes_for(request.user, Action.MANAGE_PEOPLE)
    held = held_grants(person)
    grants = _grant_rows(held)
    for grant in grants:
        # a role through a group is given and taken with the group's membership (the admin site)
        grant["can_revoke"] = not grant["via_group"] and (
            request.user.is_superuser or any(grant["area"].code.startswith(p) for p in managed)
        )
    context = {
        "person": person,
        "grants": grants,
        "form": form,
        "password_form": PasswordResetForm(),
        "manageable": services.may_manage_person(request.user, person, held),
    }
    return render(request, "areas/person_detail.html", context)


@login_required
@require_POST
def person_revoke(request, pk: int):
    person = _person_or_404(request.user, pk)
    role, area_code = request.POST.get("role", ""), request.POST.get("area", "")
    try:
        services.revoke_role(
            actor=request.user, user=person, role=role, area_code=area_code, reason=request.POST.get("reason", "")
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The role was revoked."))
    return redirect("areas:person_detail", pk=person.pk)


@login_required
@require_POST
def person_status(request, pk: int):
    """Deactivate a person who has left, or reactivate them."""
    person = _person_or_404(request.user, pk)
    active = request.POST.get("active") == "1"
    try:
        services.set_person_active(
            actor=request.user, person=person, active=active, reason=request.POST.get("reason", "")
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The login was enabled.") if active else _("The login was disabled."))
    return redirect("areas:person_detail", pk=person.pk)


@login_required
@require_POST
def person_password(request, pk: int):
    person = _person_or_404(request.user, pk)
    form = PasswordResetForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["password"]))
        return redirect("areas:person_detail", pk=person.pk)
    try:
        services.reset_password(actor=request.user, person=person, password=form.cleaned_data["password"])
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The password was reset; ask the person to change it after logging in."))
    return redirect("areas:person_detail", pk=person.pk)
