"""Every change to areas and role grants: plain functions that take the acting user, check it,
run in one transaction and write the audit trail (DESIGN.md, "Layout").

``actor=None`` means the system itself (a management command run by the server's administrator).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from areas.choices import Action, Level, Role
from areas.codes import LEVEL_DIGITS, code_length, level_rank
from areas.models import Area, AreaUserObjectPermission
from areas.roles import ROLE_LEVEL, permission_codename
from areas.scopes import Grant, forget_grants, held_grants, may, prefixes_for
from core.audit import record_change, snapshot
from core.errors import ServiceError
from core.models import ChangeAction

__all__ = [
    "AreaRow",
    "ImportResult",
    "RowError",
    "check_child_code",
    "create_area",
    "create_person",
    "grant_role",
    "import_areas",
    "may_manage_person",
    "rename_area",
    "reset_password",
    "revoke_area",
    "revoke_role",
    "set_person_active",
]

User = get_user_model()

CHILD_LEVEL = {Level.TOWNSHIP: Level.VILLAGE, Level.VILLAGE: Level.GROUP}


def _area_in_scope(actor, code: str, action: str) -> Area:
    """The area, if the actor may see it; 404 otherwise; 403 when seen but ``action`` is not allowed."""
    areas = Area.objects.all() if actor is None else Area.objects.visible_to(actor, Action.VIEW)
    area = areas.filter(code=code).first()
    if area is None:
        raise Http404
    if actor is not None and not may(actor, action, area.code):
        raise PermissionDenied
    return area


def check_child_code(parent: Area, code: str) -> str | None:
    """Why ``code`` cannot be a new child of ``parent``, or None when it can (no database access)."""
    child_level = CHILD_LEVEL.get(parent.level)
    if child_level is None:
        return _("Only villages (under a township) and village groups (under a village) can be added.")
    length = code_length(child_level)
    if len(code) != length or not code.isdigit():
        if child_level == Level.VILLAGE:
            return _("A village code has 12 digits: the 9-digit township code and 3 digits for the village.")
        return _("A village group code has 15 digits: the 12-digit village code and 3 digits for the group.")
    if not code.startswith(parent.prefix):
        return _("The code must begin with the code of %(parent)s (%(prefix)s).") % {
            "parent": parent.name,
            "prefix": parent.prefix,
        }
    if code[LEVEL_DIGITS[parent.level] :] == "000":
        return _("The last 3 digits of the code cannot be 000.")
    return None


def create_area(*, actor, parent_code: str, code: str, name: str) -> Area:
    """Add a village under a township or a group under a village; county officers of that county only."""
    code, name = (code or "").strip(), (name or "").strip()
    with transaction.atomic():
        parent = _area_in_scope(actor, parent_code, Action.MANAGE_AREAS)
        area = _create_child(parent, code, name)
        record_change(actor=actor, obj=area, action=ChangeAction.CREATE, area_code=area.code, after=snapshot(area))
    return area


def _create_child(parent: Area, code: str, name: str) -> Area:
    if parent.is_revoked:
        raise ServiceError(_("%(parent)s has been revoked; nothing can be added under it.") % {"parent": parent.name})
    problem = check_child_code(parent, code)
    if problem:
        raise ServiceError(problem, field="code", code="bad_code")
    if not name:
        raise ServiceError(_("The name is required."), field="name", code="required")
    if len(name) > 100:
        raise ServiceError(_("The name is longer than 100 characters."), field="name", code="too_long")
    if Area.objects.filter(code=code).exists():
        raise ServiceError(
            _("The code %(code)s is already used; a code is never reused, even after it is revoked.") % {"code": code},
            field="code",
            code="duplicate",
        )
    try:
        with transaction.atomic():
            return Area.objects.create(code=code, name=name, level=CHILD_LEVEL[parent.level], parent=parent)
    except IntegrityError as exc:  # a concurrent request took the code between the check and the insert
        raise ServiceError(
            _("The code %(code)s is already used; a code is never reused, even after it is revoked.") % {"code": code},
            field="code",
            code="duplicate",
        ) from exc


def rename_area(*, actor, code: str, name: str, reason: str = "") -> Area:
    """Rename a village or group (county officers); the code stays."""
    name = (name or "").strip()
    with transaction.atomic():
        area = _area_in_scope(actor, code, Action.MANAGE_AREAS)
        area = Area.objects.select_for_update().get(pk=area.pk)
        if area.level not in (Level.VILLAGE, Level.GROUP):
            raise ServiceError(
                _("Only villages and village groups are renamed here; national codes come from the statistics bureau."),
                code="national_code",
            )
        if not name or len(name) > 100:
            raise ServiceError(_("The name is required and at most 100 characters long."), field="name")
        before = snapshot(area)
        area.name = name
        area.save(update_fields=["name"])
        record_change(
            actor=actor,
            obj=area,
            action=ChangeAction.UPDATE,
            area_code=area.code,
            before=before,
            after=snapshot(area),
            reason=reason,
        )
    return area


def revoke_area(*, actor, code: str, successor_code: str | None, reason: str, on: datetime.date | None = None) -> Area:
    """Mark a village or group revoked (merged or dissolved), naming its successor; never deleted."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_("Give the reason for revoking the code."), field="reason", code="required")
    with transaction.atomic():
        area = _area_in_scope(actor, code, Action.MANAGE_AREAS)
        area = Area.objects.select_for_update().get(pk=area.pk)
        if area.level not in (Level.VILLAGE, Level.GROUP):
            raise ServiceError(_("Only villages and village groups are revoked here."), code="national_code")
        if area.is_revoked:
            raise ServiceError(_("This code is already revoked."), code="already_revoked")
        successor = None
        if successor_code:
            successor = (
                Area.objects.filter(code=successor_code, level=area.level, is_revoked=False)
                .exclude(code=area.code)
                .first()
            )
            if successor is None or (actor is not None and not may(actor, Action.MANAGE_AREAS, successor.code)):
                raise ServiceError(
                    _("The successor must be another active area of the same level in your county."),
                    field="successor",
                    code="bad_successor",
                )
        before = snapshot(area)
        area.is_revoked = True
        area.revoked_on = on or timezone.localdate()
        area.successor = successor
        area.save(update_fields=["is_revoked", "revoked_on", "successor"])
        record_change(
            actor=actor,
            obj=area,
            action=ChangeAction.UPDATE,
            area_code=area.code,
            before=before,
            after=snapshot(area),
            reason=reason,
        )
    return area


# --- Import of villages and groups from a list (CSV or Excel) -------------------------------------


@dataclass(frozen=True)
class AreaRow:
    """One row of an import: where it came from, and the three columns."""

    row_number: int
    code: str
    name: str
    parent_code: str


@dataclass(frozen=True)
class RowError:
    row_number: int
    column: str
    message: str


@dataclass
class ImportResult:
    created: list[Area] = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)


def import_areas(*, actor, county_code: str, rows: Iterable[AreaRow], dry_run: bool = False) -> ImportResult:
    """Validate every row, then create all of them or none. Rows that exist exactly as given are
    skipped, so importing the same list twice changes nothing the second time."""
    result = ImportResult()
    with transaction.atomic():
        county = _area_in_scope(actor, county_code, Action.MANAGE_AREAS)
        if county.level != Level.COUNTY:
            raise ServiceError(_("Villages are imported for one county at a time."))
        rows = list(rows)
        codes = {row.code for row in rows} | {row.parent_code for row in rows}
        known = {area.code: area for area in Area.objects.filter(code__in=codes)}
        seen: dict[str, int] = {}
        pending: dict[str, Area] = {}
        for row in rows:
            if row.code in seen:
                result.errors.append(
                    RowError(row.row_number, "code", _("Same code as row %(row)s.") % {"row": seen[row.code]})
                )
                continue
            seen[row.code] = row.row_number
            error = _check_import_row(row, county, known, pending)
            if error:
                result.errors.append(error)
                continue
            existing = known.get(row.code)
            if existing is not None:  # identical to what is stored: nothing to do
                result.unchanged += 1
                continue
            parent = known.get(row.parent_code) or pending[row.parent_code]
            pending[row.code] = Area(code=row.code, name=row.name, level=CHILD_LEVEL[parent.level], parent=parent)
        if result.errors or dry_run:
            transaction.set_rollback(True)
            return result
        # parents before children: villages (12 digits) sort before their groups (15)
        for area in sorted(pending.values(), key=lambda a: len(a.code)):
            area.save(force_insert=True)
            record_change(actor=actor, obj=area, action=ChangeAction.IMPORT, area_code=area.code, after=snapshot(area))
            result.created.append(area)
    return result


def _check_import_row(row: AreaRow, county: Area, known: dict[str, Area], pending: dict[str, Area]) -> RowError | None:
    if not row.code:
        return RowError(row.row_number, "code", _("The code is required."))
    if not row.name:
        return RowError(row.row_number, "name", _("The name is required."))
    if len(row.name) > 100:
        return RowError(row.row_number, "name", _("The name is longer than 100 characters."))
    if not row.parent_code:
        return RowError(row.row_number, "parent_code", _("The code of the township (or village) is required."))
    if not row.parent_code.startswith(county.prefix):
        return RowError(
            row.row_number,
            "parent_code",
            _("%(code)s is not in %(county)s.")
            % {
                "code": row.parent_code,
                "county": county.name,
            },
        )
    parent = known.get(row.parent_code) or pending.get(row.parent_code)
    if parent is None:
        return RowError(
            row.row_number,
            "parent_code",
            _("No area has the code %(code)s (a village's own row must come before its groups).")
            % {"code": row.parent_code},
        )
    problem = check_child_code(parent, row.code)
    if problem:
        return RowError(row.row_number, "code", problem)
    existing = known.get(row.code)
    if existing is not None and (existing.name != row.name or existing.parent_id != parent.code):
        return RowError(
            row.row_number,
            "code",
            _("The code %(code)s is already used by %(name)s; a code is never reused.")
            % {
                "code": row.code,
                "name": existing.name,
            },
        )
    return None


# --- People and roles ----------------------------------------------------------------------------


def _area_for_grant(actor, area_code: str) -> Area:
    areas = Area.objects.all() if actor is None else Area.objects.visible_to(actor, Action.VIEW)
    area = areas.filter(code=area_code).first()
    if area is None:
        if actor is not None and not actor.is_superuser:
            raise Http404
        raise ServiceError(_("No area has the code %(code)s.") % {"code": area_code}, field="area", code="unknown_area")
    return area


def _check_may_grant(actor, role: str, area: Area) -> None:
    """Who may grant what: superusers and the system anything; a county officer, within their county
    (or below), roles of their own level or lower, never above."""
    if role not in ROLE_LEVEL:
        raise ServiceError(_("Unknown role: %(role)s") % {"role": role}, field="role", code="unknown_role")
    required_level = ROLE_LEVEL[role]
    if required_level is not None and area.level != required_level:
        raise ServiceError(
            _("The role %(role)s is granted on a %(level)s, not on a %(given)s.")
            % {
                "role": Role(role).label,
                "level": Level(required_level).label,
                "given": Level(area.level).label,
            },
            field="area",
            code="wrong_level",
        )
    if actor is None or actor.is_superuser:
        return
    if not may(actor, Action.MANAGE_PEOPLE, area.code):
        raise PermissionDenied
    # the highest level at which the actor manages people over this area
    own_digits = min(len(p) for p in prefixes_for(actor, Action.MANAGE_PEOPLE) if area.code.startswith(p))
    actor_level = next(level for level, digits in LEVEL_DIGITS.items() if digits == own_digits)
    if level_rank(area.level) < level_rank(actor_level):
        raise ServiceError(_("You cannot grant a role above your own level."), field="role", code="above_level")


def grant_role(*, actor, user, role: str, area_code: str, reason: str = "") -> bool:
    """Give ``user`` the ``role`` on the area. Returns False when the user already had it."""
    with transaction.atomic():
        area = _area_for_grant(actor, area_code)
        _check_may_grant(actor, role, area)
        if area.is_revoked:
            raise ServiceError(
                _("%(area)s has been revoked; grant the role on its successor.") % {"area": area.name}, field="area"
            )
        codename = permission_codename(role)
        if AreaUserObjectPermission.objects.filter(
            user=user, content_object=area, permission__codename=codename
        ).exists():
            return False
        assign_perm(f"areas.{codename}", user, area)
        record_change(
            actor=actor,
            obj=area,
            action=ChangeAction.GRANT,
            area_code=area.code,
            after={"user": user.username, "role": role},
            reason=reason,
        )
        forget_grants(user)
    return True


def revoke_role(*, actor, user, role: str, area_code: str, reason: str = "") -> bool:
    """Take ``role`` on the area away from ``user``. Returns False when the user did not have it."""
    with transaction.atomic():
        area = _area_for_grant(actor, area_code)
        _check_may_grant(actor, role, area)
        if actor is not None and actor.pk == user.pk and role == Role.COUNTY_OFFICER:
            raise ServiceError(
                _("You cannot revoke your own county officer role; ask another officer."), code="self_revoke"
            )
        codename = permission_codename(role)
        if not AreaUserObjectPermission.objects.filter(
            user=user, content_object=area, permission__codename=codename
        ).exists():
            return False
        remove_perm(f"areas.{codename}", user, area)
        record_change(
            actor=actor,
            obj=area,
            action=ChangeAction.REVOKE,
            area_code=area.code,
            before={"user": user.username, "role": role},
            reason=reason,
        )
        forget_grants(user)
    return True


def create_person(*, actor, username: str, full_name: str, password: str, role: str, area_code: str):
    """Create a login for a person and give the first role in the same transaction, so the new
    person is never outside every scope."""
    username = (username or "").strip()
    if not username:
        raise ServiceError(_("The username is required."), field="username", code="required")
    with transaction.atomic():
        if User.objects.filter(username__iexact=username).exists():
            raise ServiceError(
                _("The username %(name)s is taken.") % {"name": username}, field="username", code="duplicate"
            )
        user = User(username=username, first_name=(full_name or "").strip()[:150])
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ServiceError(" ".join(exc.messages), field="password", code="weak_password") from exc
        user.set_password(password)
        user.save()
        grant_role(actor=actor, user=user, role=role, area_code=area_code)
    return user


def may_manage_person(actor, person, grants: list[Grant] | None = None) -> bool:
    """Whether ``actor`` may reset the password of, disable or re-enable ``person``: only when every
    role the person holds, directly or through a group, lies inside the areas the actor manages
    people in (a county officer cannot take over a province officer who also works in the county).
    ``grants`` are the person's ``held_grants`` when the caller has read them already (a list page)."""
    if actor is None or actor.is_superuser:
        return True
    if person.is_superuser or person.is_staff:  # the admin site is outside every area
        return False
    managed = prefixes_for(actor, Action.MANAGE_PEOPLE)
    if not managed:
        return False
    grants = held_grants(person) if grants is None else grants
    return bool(grants) and all(any(grant.area_code.startswith(prefix) for prefix in managed) for grant in grants)


def _check_may_manage_person(actor, person) -> None:
    if not may_manage_person(actor, person):
        raise PermissionDenied


def _person_area_code(person) -> str:
    """The area an audit row about a person is filed under: that of the person's first role."""
    grants = held_grants(person)
    return grants[0].area_code if grants else ""


def set_person_active(*, actor, person, active: bool, reason: str = "") -> None:
    """Deactivate a person who has left (their history stays), or reactivate them."""
    if actor is not None and actor.pk == person.pk:
        raise ServiceError(_("You cannot deactivate yourself."), code="self")
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=person.pk)
        _check_may_manage_person(actor, person)
        if person.is_active == active:
            return
        person.is_active = active
        person.save(update_fields=["is_active"])
        area_code = _person_area_code(person)
        record_change(
            actor=actor,
            obj=person,
            action=ChangeAction.UPDATE,
            area_code=area_code,
            before={"is_active": not active},
            after={"is_active": active},
            reason=reason,
        )


def reset_password(*, actor, person, password: str) -> None:
    """Set a new password for a person the actor manages (the person should change it after login)."""
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=person.pk)
        _check_may_manage_person(actor, person)
        try:
            validate_password(password, person)
        except ValidationError as exc:
            raise ServiceError(" ".join(exc.messages), field="password", code="weak_password") from exc
        person.set_password(password)
        person.save(update_fields=["password"])
        area_code = _person_area_code(person)
        # the audit row says that the password was reset, never the password
        record_change(
            actor=actor, obj=person, action=ChangeAction.UPDATE, area_code=area_code, after={"password": "reset"}
        )
