"""A report's period in the reader's language (issue 25, 15): "to" stayed English in Chinese pages and PDFs."""

from datetime import date

import pytest
from django.utils import translation

from portal.reports.services import report_period
from tests.factories import make_person

pytestmark = pytest.mark.django_db


def test_the_period_reads_in_chinese_and_in_english():
    ana = make_person("李静", employee_id="e1", department="销售")
    filters = {"date_from": date(2026, 3, 1), "date_to": date(2026, 3, 31), "person": None, "department": None}
    with translation.override("zh-hans"):
        assert report_period(filters) == "2026年3月1日 至 2026年3月31日"
        assert report_period({**filters, "department": ana.department}) == "2026年3月1日 至 2026年3月31日，部门 销售"
        assert report_period({**filters, "person": ana}) == "2026年3月1日 至 2026年3月31日，李静"
    with translation.override("en"):
        assert report_period({**filters, "person": ana}) == "2026-03-01 to 2026-03-31, 李静"
