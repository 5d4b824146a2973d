"""English dates and times as the portal always wrote them: ISO dates, 24-hour clock.

Only the names the templates use are set; everything else is Django's English.
"""

TIME_FORMAT = "H:i"  # 09:15
SHORT_DATE_FORMAT = "Y-m-d"  # 2026-03-02
SHORT_DATETIME_FORMAT = "Y-m-d H:i"  # 2026-03-02 09:15
DATETIME_FORMAT = "Y-m-d H:i:s"  # 2026-03-02 09:15:03 (the logs and audit trails)
