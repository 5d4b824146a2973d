"""Person pickers that find people as the people search does: "zoe" finds Zoë, "dvorak"
Dvořák, "zhang wei" or "zw" 张伟. Each option carries the person's search key
(portal.people.search) for static/js/picker.js to match the typed words against.

With more than LIST_MAX people a picker lists none of them in the page (10,000 people were
10,000 options, 0.6 MB in every page with a person filter, issue 24): only the chosen ones,
and picker.js asks the people search (`people:pick`) as one types."""

from django import forms
from django.urls import reverse

LIST_MAX = 300


class _SearchKeyed:
    def __init__(self, attrs=None, *, scope="staff"):
        super().__init__(attrs={"data-searchable": "1", **(attrs or {})})
        self.scope = scope  # what `people:pick` may answer: "staff", or "everyone" (visitors too)

    def _too_many(self):
        queryset = getattr(self.choices, "queryset", None)
        return queryset is not None and queryset.order_by()[: LIST_MAX + 1].count() > LIST_MAX

    def get_context(self, name, value, attrs):
        self._remote = self._too_many()
        if self._remote:
            attrs = {**(attrs or {}), "data-pick-url": f"{reverse('people:pick')}?scope={self.scope}"}
        return super().get_context(name, value, attrs)

    def optgroups(self, name, value, attrs=None):
        if not getattr(self, "_remote", False):
            return super().optgroups(name, value, attrs)
        iterator, chosen = self.choices, [v for v in value if str(v).isdigit()]
        listed = [("", iterator.field.empty_label)] if iterator.field.empty_label is not None else []
        listed += [iterator.choice(p) for p in iterator.queryset.filter(pk__in=chosen)]
        self.choices = listed
        try:
            return super().optgroups(name, value, attrs)
        finally:
            self.choices = iterator

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        person = getattr(value, "instance", None)
        if person is not None:
            option["attrs"]["data-search"] = f"{person.search_key} {person.employee_id.casefold()}"
        return option


class PersonSelect(_SearchKeyed, forms.Select):
    pass


class PersonSelectMultiple(_SearchKeyed, forms.SelectMultiple):
    pass
