"""The harness of the benchmarks that time Django code on a PostgreSQL database of their own (pages, review)."""

import pytest

from bench import stack

pytestmark = pytest.mark.slow  # a fresh PostgreSQL database, migrated


def test_a_database_child_gets_its_options_and_a_migrated_postgresql_database_and_gives_back_its_figures():
    figures = stack.database_child("tests.bench.database_probe", {"answer": 42, "rounds": 1})
    assert figures == {"answer": 42, "rounds": 1, "vendor": "postgresql", "people": 0}
