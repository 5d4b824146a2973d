"""A page of a long list without counting the whole list.

Django's Paginator counts every row to number the pages: on the events list
that is a COUNT over ten million rows per view. A PeekPage reads one row more
than it shows, which says whether there is a next page; the list says
"page N" instead of "page N of M".
"""


class PeekPage:
    def __init__(self, rows, number, per_page):
        try:
            number = max(1, int(number))
        except (TypeError, ValueError):
            number = 1  # like Paginator.get_page: a bad number is the first page
        start = (number - 1) * per_page
        peeked = list(rows[start : start + per_page + 1])
        self.number = number
        self.object_list = peeked[:per_page]
        self._more = len(peeked) > per_page

    def has_next(self):
        return self._more

    def has_previous(self):
        return self.number > 1

    def has_other_pages(self):
        return self.has_next() or self.has_previous()

    def next_page_number(self):
        return self.number + 1

    def previous_page_number(self):
        return self.number - 1
