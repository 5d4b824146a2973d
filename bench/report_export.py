"""`python -m bench.report_export [--people N] [--days D]`: time and memory of the report exports.

Builds a throw-away SQLite database with N people x D days of daily summaries
(default: a year of 1,000 people, 365,000 rows), then writes each export the
way the worker does and prints rows, seconds and file size; with --memory
also the peak of Python memory allocated while writing (tracemalloc, which
makes the run several times slower).
"""

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path


def main(argv=None):
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--people", type=int, default=1000)
    args.add_argument("--days", type=int, default=365)
    args.add_argument("--formats", nargs="+", default=["csv", "xlsx", "pdf"])
    args.add_argument("--memory", action="store_true", help="measure peak Python memory (tracemalloc; much slower)")
    args.add_argument("--database", help="SQLite file to reuse (seeded on first use)")
    opts = args.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="bench-report-"))
    database = Path(opts.database) if opts.database else folder / "bench.sqlite3"
    seeded = database.exists()
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if not seeded:
        seed(opts.people, opts.days)
    from portal.reports.forms import ReportFilterForm
    from portal.reports.services import report_file_suffix, report_file_write

    start = date(2025, 1, 1)
    form = ReportFilterForm(
        {"date_from": start.isoformat(), "date_to": (start + timedelta(days=opts.days - 1)).isoformat()}
    )
    assert form.is_valid(), form.errors
    print(f"{opts.people} people x {opts.days} days")
    for fmt in opts.formats:
        # a PDF longer than REPORT_PDF_MAX_PAGES is a ZIP of one PDF per person
        path = folder / f"export.{report_file_suffix(fmt=fmt, filters=form.filters())}"
        if opts.memory:
            tracemalloc.start()
        began = time.perf_counter()
        if fmt == "xlsx":
            totals = report_file_write(fmt=fmt, filters=form.filters(), out=str(path))
        else:
            with open(path, "w" if fmt == "csv" else "wb", **({"newline": ""} if fmt == "csv" else {})) as out:
                totals = report_file_write(fmt=fmt, filters=form.filters(), out=out)
        seconds = time.perf_counter() - began
        memory = ""
        if opts.memory:
            memory = f" peak_python_memory={tracemalloc.get_traced_memory()[1] / 1e6:.1f}MB"
            tracemalloc.stop()
        print(
            f"{fmt:5s} file={path.name} rows={totals.days:,} seconds={seconds:.1f} rows/s={totals.days / seconds:,.0f} "
            f"size={path.stat().st_size / 1e6:.1f}MB{memory}",
            flush=True,
        )


def seed(people, days):
    from portal.attendance.models import DailySummary
    from portal.people.models import Person

    Person.objects.bulk_create(Person(name=f"Person {n:04d}", employee_id=f"E{n:04d}") for n in range(people))
    first = date(2025, 1, 1)
    rows = []
    for person in Person.objects.all():
        for d in range(days):
            day = first + timedelta(days=d)
            start = datetime(day.year, day.month, day.day, 9, tzinfo=UTC)
            working = day.isoweekday() <= 5
            rows.append(
                DailySummary(
                    person=person,
                    day=day,
                    scheduled=working,
                    planned_start=start,
                    planned_end=start + timedelta(hours=8),
                    first_in=start + timedelta(minutes=d % 11) if working else None,
                    last_out=start + timedelta(hours=8) if working else None,
                    worked_seconds=(8 * 3600 - (d % 11) * 60) if working else 0,
                    late_minutes=(d % 11) if working and d % 11 > 5 else 0,
                    event_count=2 if working else 0,
                    closed=True,
                )
            )
            if len(rows) == 20_000:
                DailySummary.objects.bulk_create(rows)
                rows = []
    DailySummary.objects.bulk_create(rows)


if __name__ == "__main__":
    sys.exit(main())
