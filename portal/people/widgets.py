"""Person pickers that find people as the people search does: "zoe" finds Zoë, "dvorak"
Dvořák, "zhang wei" or "zw" 张伟. Each option carries the person's search key
(portal.people.search) for static/js/picker.js to match the typed words against."""

from django import forms


class _SearchKeyed:
    def __init__(self, attrs=None):
        super().__init__(attrs={"data-searchable": "1", **(attrs or {})})

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
