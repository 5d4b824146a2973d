"""Simplified Chinese dates and times: Django's (2026年3月2日, 24-hour clock), plus
seconds where the pages show them (the access log, the audit trail)."""

TIME_FORMAT = "H:i"  # 09:15
SHORT_DATE_FORMAT = "Y年n月j日"  # 2026年3月2日
SHORT_DATETIME_FORMAT = "Y年n月j日 H:i"  # 2026年3月2日 09:15
DATETIME_FORMAT = "Y年n月j日 H:i:s"  # 2026年3月2日 09:15:03
