from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class EmployeesConfig(AppConfig):
    name = "portal.employees"
    label = "employees"
    verbose_name = gettext_lazy("Employees")

    def ready(self):
        from portal.accounts.roles import role_source_register
        from portal.core.erasure import erasure_register
        from portal.employees.erasure import employee_names_forget
        from portal.employees.selectors import employee_roles

        role_source_register(employee_roles)
        erasure_register(names=employee_names_forget)
