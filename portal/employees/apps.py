from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class EmployeesConfig(AppConfig):
    name = "portal.employees"
    label = "employees"
    verbose_name = gettext_lazy("Employees")

    def ready(self):
        from portal.accounts.roles import role_source_register
        from portal.employees.selectors import employee_roles

        role_source_register(employee_roles)
