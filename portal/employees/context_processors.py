from portal.employees.selectors import notifications_unread


def bell(request):
    """The number of unread notifications, for the bell in the page header."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"bell_unread": 0}
    return {"bell_unread": notifications_unread(user).count()}
