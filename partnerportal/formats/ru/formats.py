"""Russian pages: day.month.year, as Russian readers write a date (GOST R 7.0.97-2016).

Month names, when a page spells one out, come from Django's Russian catalogue.
"""

DATE_FORMAT = "d.m.Y"
SHORT_DATE_FORMAT = "d.m.Y"
DATETIME_FORMAT = "d.m.Y H:i T"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
DATE_INPUT_FORMATS = ["%d.%m.%Y", "%Y-%m-%d"]
FIRST_DAY_OF_WEEK = 1
