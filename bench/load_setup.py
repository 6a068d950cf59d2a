"""Prepare the load test's database: a scratch PostgreSQL database holding one county of households
(bench/household_pages.py's filling) and LOAD_CLERKS village clerks, one per village.

Used by bench/load.sh; prints the scratch database's URL on its last line. `--drop` removes it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.household_pages import _drop, _fill, _scratch_database  # noqa: E402

NAME = "fupin_load"
PASSWORD = "load-test-password-2026"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=20000)
    parser.add_argument("--clerks", type=int, default=100)
    parser.add_argument("--clerks-file", default=str(ROOT / "var" / "load" / "clerks.txt"))
    parser.add_argument("--drop", action="store_true")
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        sys.exit("set DATABASE_URL to a PostgreSQL server, e.g. postgres://postgres@127.0.0.1:5432/postgres")
    if args.drop:
        _drop(base, NAME)
        return
    url = _scratch_database(base, NAME)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from areas import services as area_services
    from areas.models import Area

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    _fill(args.households, 10)
    # The filling inserts households in bulk; the per-village counters that number new households
    # must start after them, or the first registration in a village collides with its 0001.
    from django.db.models import Count

    from households.models import Household, HouseholdCounter

    HouseholdCounter.objects.bulk_create(
        HouseholdCounter(village_id=row["village_id"], last_number=row["n"])
        for row in Household.objects.values("village_id").annotate(n=Count("id"))
    )
    villages = list(Area.objects.filter(level="village", code__startswith="530921").order_by("code"))
    user_model = get_user_model()
    lines = []
    for index in range(args.clerks):
        username, village = f"load_clerk_{index:03d}", villages[index % len(villages)].code
        user = user_model.objects.create_user(username, password=PASSWORD)
        area_services.grant_role(actor=None, user=user, role="village_clerk", area_code=village)
        # Each clerk starts logged in: 100 logins at once would measure PBKDF2 (about 1 s of CPU
        # each, by design), not the pages. The session is signed with SECRET_KEY: the same as the server's.
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        lines.append(f"{username} {village} {session.session_key}\n")
    Path(args.clerks_file).parent.mkdir(parents=True, exist_ok=True)
    Path(args.clerks_file).write_text("".join(lines))
    print(  # noqa: T201
        f"filled {args.households} households in {len(villages)} villages, {args.clerks} clerks "
        f"in {time.perf_counter() - started:.0f} s",
        file=sys.stderr,
    )
    print(url)  # noqa: T201


if __name__ == "__main__":
    main()
