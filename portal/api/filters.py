import django_filters
from django import forms

# the largest id a path or filter accepts: beyond it a database key overflows
MAX_ID = 999_999_999_999_999_999


class IdFilter(django_filters.Filter):
    """An id in a query (?person=12): a bad or out-of-range one is a 400, never a database error."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=MAX_ID, **kwargs)
