"""Reading who an employee is and whom they manage."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from portal.accounts.roles import EMPLOYEE, MANAGER
from portal.employees.models import DepartmentManager, EmployeeAccount, Notification
from portal.people.models import Department, Person


def employee_roles(user: User | AnonymousUser | None) -> set[str]:
    """The roles that come from being linked to a person (portal.accounts.roles' source)."""
    person = person_of(user)
    if person is None:
        return set()
    if DepartmentManager.objects.filter(person=person).exists():
        return {EMPLOYEE, MANAGER}
    return {EMPLOYEE}


def person_of(user: User | AnonymousUser | None) -> Person | None:
    """The person a signed-in user is, or None (cached on the user object)."""
    if user is None or getattr(user, "_meta", None) is None or not user.is_authenticated:
        return None  # anonymous, or an integration token: nobody's account
    if not hasattr(user, "_employee_person"):
        account = EmployeeAccount.objects.select_related("person", "person__department").filter(user=user).first()
        # a cache kept on this request's user object: an attribute the model does not declare
        user._employee_person = account.person if account and account.person.merged_into_id is None else None  # type: ignore[attr-defined]
    return user._employee_person  # type: ignore[attr-defined]


def managed_departments(person: Person | None) -> QuerySet[Department]:
    """The departments this person manages."""
    if person is None:
        return Department.objects.none()
    return Department.objects.filter(managers__person=person)


def department_managers(department: Department | None) -> QuerySet[Person]:
    """The people who manage a department (possibly several, possibly none)."""
    if department is None:
        return Person.objects.none()
    return Person.objects.filter(manages__department=department).order_by("sort_key", "name")


def manager_users(department: Department | None) -> QuerySet[User]:
    """The user accounts of a department's managers (the ones who can sign in)."""
    return get_user_model().objects.filter(is_active=True, employee__person__manages__department=department).distinct()


def notifications_unread(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user, read_at=None)


def account_rows(*, department: Department | None = None, query: str = "") -> QuerySet[Person]:
    """People with their account state, for HR's invitation page."""
    people = (
        Person.objects.filter(merged_into=None, active=True)
        .select_related("department", "account", "account__user")
        .order_by("sort_key", "name")
    )
    if department:
        people = people.filter(department=department)
    if query:
        people = people.filter(name__icontains=query) | people.filter(employee_id__icontains=query)
    return people
