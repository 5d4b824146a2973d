from django.core.management.base import BaseCommand, CommandError

from portal.attendance.calendar import CalendarError, calendar_import


class Command(BaseCommand):
    help = (
        "Import a country's public holidays for one or more years into the organization's calendar, "
        "with swapped working days (China's 调休). Example: holidays_import CN 2026 2027 --language zh_CN"
    )

    def add_arguments(self, parser):
        parser.add_argument("country", help="ISO 3166 code: CN, DE, US, ...")
        parser.add_argument("years", nargs="+", type=int)
        parser.add_argument("--subdiv", help="a state or province, where holidays differ by one")
        parser.add_argument("--language", help="names in this language when the package has it (zh_CN, en_US)")

    def handle(self, *args, country, years, subdiv=None, language=None, **options):
        for year in years:
            try:
                done = calendar_import(country=country, year=year, subdiv=subdiv, language=language)
            except CalendarError as exc:
                raise CommandError(exc.message) from None
            self.stdout.write(
                f"{done.country} {done.year}: {done.holidays} holidays, {done.workdays} swapped working days"
            )
        self.stdout.write("Days already summarized change when they are next computed (close_days --days N).")
