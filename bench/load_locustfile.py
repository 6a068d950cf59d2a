"""Load test: village clerks browsing, searching and saving (bench/load.sh runs it headless).

Each simulated clerk (load_clerk_000 … from bench/load_setup.py) starts with a logged-in session,
then, with think times of 1 to 3 s, mostly lists and searches the households of its village, opens
one, opens its edit form, and now and then registers a new household of two as a draft through the
same form a clerk uses (valid, unique ID numbers; born 1930-1949, apart from the filled data).
"""

from __future__ import annotations

import datetime
import itertools
import os
import random
import re
import sys
from pathlib import Path

from locust import HttpUser, between, task

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from households.idnumbers import build_id_number  # noqa: E402 (pure function, no Django set-up needed)

_next_clerk = itertools.count()
# "username village-code session-key" per line, written by bench/load_setup.py
CLERKS = [
    line.split()
    for line in Path(os.environ.get("LOAD_CLERKS_FILE", "var/load/clerks.txt")).read_text().splitlines()
    if line.strip()
]
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_DETAIL = re.compile(r'href="/households/(\d+)/"')
SURNAMES = "杨李张王赵陈刘罗周字鲁茶"


class Clerk(HttpUser):
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.index = next(_next_clerk) % len(CLERKS)
        self.username, self.village, session_key = CLERKS[self.index]
        self.saved = 0
        self.household_ids: list[int] = []
        # already logged in (bench/load_setup.py made the session): clerks at work, not a login storm
        self.client.cookies.set("sessionid", session_key)
        home = self.client.get("/", name="/ (home)", allow_redirects=False)
        if home.status_code != 200:
            raise RuntimeError(f"{self.username}: the session was not accepted ({home.status_code})")

    @task(6)
    def browse(self) -> None:
        page = random.randint(1, 3)
        response = self.client.get(f"/households/?page={page}", name="/households/?page=N")
        self.household_ids = [int(pk) for pk in _DETAIL.findall(response.text)] or self.household_ids

    @task(3)
    def search(self) -> None:
        self.client.get(f"/households/?q={random.choice(SURNAMES)}", name="/households/?q=…")

    @task(3)
    def detail(self) -> None:
        if self.household_ids:
            self.client.get(f"/households/{random.choice(self.household_ids)}/", name="/households/N/")

    @task(1)
    def edit_form(self) -> None:
        if self.household_ids:
            self.client.get(f"/households/{random.choice(self.household_ids)}/edit/", name="/households/N/edit/")

    @task(1)
    def register(self) -> None:
        form = self.client.get(f"/households/new/?village={self.village}", name="/households/new/ (form)")
        self.saved += 1
        day = datetime.date(1930, 1, 1) + datetime.timedelta(days=self.index * 70 + self.saved)
        data = {
            "csrfmiddlewaretoken": _CSRF.search(form.text).group(1),
            "village": self.village, "identification_standard": "national", "poverty_attribute": "general",
            "housing_safety": "01", "main_cause": "01", "distance_to_main_road_km": "1.2", "wage_income": "2400",
            "members-TOTAL_FORMS": "2", "members-INITIAL_FORMS": "0", "draft": "1",
        }  # fmt: skip
        for position, (relation, sequence) in enumerate([("01", 11), ("02", 22)]):
            prefix = f"members-{position}-"
            data.update({
                prefix + "name": random.choice(SURNAMES) + "测试", prefix + "relation": relation,
                prefix + "id_number": build_id_number("530921", day, sequence + position),
                prefix + "id_type": "resident_id", prefix + "ethnicity": "01", prefix + "political_status": "13",
                prefix + "school_status": "01", prefix + "health": "01", prefix + "work_months": "0",
            })  # fmt: skip
        with self.client.post(
            f"/households/new/?village={self.village}",
            data=data,
            headers={"Referer": f"{self.host}/households/new/?village={self.village}"},
            name="/households/new/ (save)",
            catch_response=True,
            allow_redirects=False,
        ) as response:
            if response.status_code != 302:
                response.failure(f"not saved: {response.status_code}")
