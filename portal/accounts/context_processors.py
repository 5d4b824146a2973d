from portal.accounts.roles import ADMIN, EMPLOYEE, HR, MANAGER, RECEPTION, SECURITY, VIEWER, has_role


def roles(request):
    """`can.admin`, `can.hr`, `can.view` for templates (navigation, buttons)."""
    user = getattr(request, "user", None)
    return {
        "can": {
            "admin": bool(user) and has_role(user, ADMIN),
            "hr": bool(user) and has_role(user, HR),
            "view": bool(user) and has_role(user, VIEWER),
            "security": bool(user) and has_role(user, SECURITY),
            "reception": bool(user) and has_role(user, RECEPTION),
            "employee": bool(user) and has_role(user, EMPLOYEE),
            "manager": bool(user) and has_role(user, MANAGER),
        }
    }
