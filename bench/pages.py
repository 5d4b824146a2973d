"""Pages at a large headcount: dashboard, its live refresh, the everyone report for a month,
the events list and a timesheet, with `people` people and `events` attendance events (issue 24).

The data is made by the database itself (INSERT ... SELECT over generate_series) in a
PostgreSQL database of its own, dropped afterwards: two events a person a working day going
back as far as `events` needs, a stored summary a person a day for the last 31 days, today's
half present. Each page is asked once to warm up, then `rounds` times through Django's test
client in one process (no network, no gunicorn); the figures are the server's time and the
answer's size.
"""

import json
import time

from bench import common, stack


def run(people=10_000, events=1_000_000, rounds=5):
    figures = stack.database_child(__name__, {"people": people, "events": events, "rounds": rounds})
    report(figures)
    return common.save("pages", figures)


def report(f):
    print(f"\n== pages: {f['people']:,} people, {f['events']:,} events (built in {f['build_seconds']} s)")
    for name, page in f["pages"].items():
        times = f"median {page['median_ms']:>8.1f} ms  p95 {page['p95_ms']:>8.1f} ms"
        print(f"{name:<28} {times}  {page['bytes']:>9,} bytes")


def child():
    options = stack.child_options()
    start = time.perf_counter()
    admin = _build(options["people"], options["events"])
    build = time.perf_counter() - start
    pages = _measure(admin, options["rounds"])
    print(json.dumps({**options, "build_seconds": round(build, 1), "pages": pages}))


def _build(people, events):
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from portal.people.models import Department, Person

    departments = Department.objects.bulk_create([Department(name=f"Department {n}") for n in range(20)])
    Person.objects.bulk_create(
        [
            Person(
                name=f"Person {n:07d}",
                employee_id=f"E{n:07d}",
                search_key=f"person {n:07d}",
                department=departments[n % len(departments)],
            )
            for n in range(people)
        ],
        batch_size=5000,
    )
    Person.objects.update(created_at=timezone.now() - timedelta(days=3650))
    today = timezone.localdate()
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(id) FROM people_person")
        first = cursor.fetchone()[0]
        # two events a person a day: in at about 08:30, out at about 17:30, going back `days` days
        cursor.execute(
            """
            INSERT INTO attendance_attendanceevent (person_id, at, direction, source, voided, created_at)
            SELECT %(first)s + (g / 2) %% %(people)s,
                   (%(today)s::date - 1 - (g / (2 * %(people)s))::int)::timestamptz
                     + interval '8 hours' + (g %% 2) * interval '9 hours' + (g %% 3600) * interval '1 second',
                   CASE WHEN g %% 2 = 0 THEN 'in' ELSE 'out' END, 'kiosk', false, now()
            FROM generate_series(0, %(events)s - 1) AS g
            """,
            {"first": first, "people": people, "today": today, "events": events},
        )
        # a closed summary a person a day for the last 31 days, and today's (half present, a few late)
        cursor.execute(
            """
            INSERT INTO attendance_dailysummary (
                person_id, day, scheduled, holiday, planned_start, planned_end, first_in, last_out,
                worked_seconds, late_minutes, early_minutes, missing_checkout, present, absent, event_count,
                closed, overtime_seconds, leave_type, leave_seconds, approved_overtime_seconds, computed_at)
            SELECT p.id, d::date, true, false, d + interval '9 hours', d + interval '18 hours',
                   d + interval '8 hours 30 minutes' + (p.id %% 60) * interval '1 minute',
                   CASE WHEN d::date = %(today)s AND p.id %% 2 = 0 THEN NULL
                        ELSE d + interval '17 hours 30 minutes' END,
                   9 * 3600, CASE WHEN p.id %% 10 = 0 THEN 7 ELSE 0 END, 0, false,
                   d::date = %(today)s AND p.id %% 2 = 0, false, 2, d::date < %(today)s, 0, '', 0, 0,
                   now() - (p.id %% 1000) * interval '1 second'
            FROM people_person p,
                 generate_series(%(today)s::date - 30, %(today)s::date, interval '1 day') AS d
            """,
            {"today": today},
        )
        cursor.execute("ANALYZE")
    return get_user_model().objects.create_superuser(username="bench-admin", password="x", email="")


def _measure(admin, rounds):
    from datetime import timedelta

    from django.test import Client
    from django.utils import timezone

    from portal.people.models import Person

    client = Client(HTTP_HOST="localhost")
    client.force_login(admin)
    today = timezone.localdate()
    first = today.replace(day=1)
    someone = Person.objects.order_by("pk").values_list("pk", flat=True).first()
    urls = {
        "dashboard": "/",
        "dashboard live refresh": "/dashboard/live/",
        "report, everyone, 31 days": f"/reports/?date_from={today - timedelta(days=30)}&date_to={today}",
        "events list": "/attendance/",
        "events list, page 50": "/attendance/?page=50",
        "timesheet, one month": f"/reports/timesheet/?month={first:%Y-%m}&person={someone}",
    }
    pages = {}
    for name, url in urls.items():
        answer = client.get(url)
        assert answer.status_code == 200, (url, answer.status_code)
        seconds = []
        for _ in range(rounds):
            start = time.perf_counter()
            answer = client.get(url)
            seconds.append(time.perf_counter() - start)
        pages[name] = {**common.summary_ms(seconds), "bytes": len(answer.content), "url": url}
    return pages
