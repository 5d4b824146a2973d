"""A child for bench.stack.database_child's test: what database it got, and the options it was given."""

import json


def child():
    from bench import stack

    options = stack.child_options()
    from django.db import connection

    from portal.people.models import Person

    print("the figures come last")
    print(json.dumps({**options, "vendor": connection.vendor, "people": Person.objects.count()}))
