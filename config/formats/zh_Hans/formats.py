"""Input formats for zh-hans with the ISO date first (Django's put 2016/09/05 first).

A form renders a date value with the first input format. An ``<input type="date">`` only takes ``YYYY-MM-DD``; given
``2026/12/06`` the browser shows an empty box, so an edit form lost its stored dates (a required one had to be typed
again, an optional one was cleared on save). Typed dates in the other forms are still read. Every other format
(display dates 2026年12月6日, numbers) comes from Django's own zh_Hans module.
"""

DATE_INPUT_FORMATS = [
    "%Y-%m-%d",  # '2016-09-05', the value of an <input type="date">
    "%Y/%m/%d",  # '2016/09/05'
    "%Y年%m月%d日",  # '2016年9月5日'
]

DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",  # '2016-09-05 20:45:29'
    "%Y-%m-%d %H:%M",  # '2016-09-05 20:45'
    "%Y-%m-%dT%H:%M",  # '2016-09-05T20:45', the value of an <input type="datetime-local">
    "%Y/%m/%d %H:%M:%S",  # '2016/09/05 20:45:29'
    "%Y/%m/%d %H:%M",  # '2016/09/05 20:45'
    "%Y年%m月%d日 %H:%M",  # '2016年9月5日 20:45'
    "%Y-%m-%d %H:%M:%S.%f",  # '2016-09-05 20:45:29.000200'
]
