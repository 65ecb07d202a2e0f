"""English pages: ISO dates, as Green API's console and our exports write them.

`when` (core/templatetags/clock.py) and the Jinja2 `date` filter read these; Django's defaults
for English (m/d/Y) read wrongly to most of the world.
"""

DATE_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i T"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
DATE_INPUT_FORMATS = ["%Y-%m-%d"]
FIRST_DAY_OF_WEEK = 1
