"""Who may open an employee's page: the employee themselves, a manager of their
department, HR. Anyone else gets 403, whatever the id in the address."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils.translation import gettext as _

from portal.accounts.roles import EMPLOYEE, HR, has_role
from portal.employees.models import DepartmentManager
from portal.employees.selectors import person_of


def employee_required(view):
    """Page decorator: signed in, any role; the view gets `request.person`. A user who is
    no person's account is told so (200), not refused: HR staff open these pages too."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not has_role(request.user, EMPLOYEE):
            raise PermissionDenied(_("Your role does not allow this page."))
        request.person = person_of(request.user)
        if request.person is None:
            return render(request, "employees/not_linked.html")
        return view(request, *args, **kwargs)

    return wrapper


def may_see_person(user, person):
    """The person themselves, a manager of their department, or HR."""
    if has_role(user, HR):
        return True
    me = person_of(user)
    if me is None:
        return False
    if me.pk == person.pk:
        return True
    return (
        bool(person.department_id)
        and DepartmentManager.objects.filter(person=me, department_id=person.department_id).exists()
    )


def person_checked(user, person):
    if not may_see_person(user, person):
        raise PermissionDenied(_("This is another person's data."))
    return person
