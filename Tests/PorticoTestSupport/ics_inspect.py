#!/usr/bin/env python3
"""Parses an iCalendar file with the `icalendar` package (Debian's python3-icalendar) and
writes what it read as JSON, so Swift tests check .ics files the way a calendar app reads them.

    ics_inspect.py FILE RESULT.json

Exits non-zero when the file is not iCalendar: bare LF or CR, a content line over 75 octets,
or anything `icalendar` refuses."""
import json
import sys

import icalendar

raw = open(sys.argv[1], "rb").read()
problems = []
if not raw.endswith(b"\r\n"):
    problems.append("the file does not end with CRLF")
for number, line in enumerate(raw.split(b"\r\n")[:-1], start=1):
    if b"\n" in line or b"\r" in line:
        problems.append(f"line {number} holds a bare CR or LF")
    if len(line) > 75:
        problems.append(f"line {number} is {len(line)} octets long (at most 75)")
if problems:
    sys.exit("; ".join(problems))

calendar = icalendar.Calendar.from_ical(raw.decode("utf-8"))
events = []
for event in calendar.walk("VEVENT"):
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    events.append({
        "uid": str(event.get("UID")),
        "summary": str(event.get("SUMMARY")),
        "location": str(event.get("LOCATION", "")),
        "description": str(event.get("DESCRIPTION", "")),
        "status": str(event.get("STATUS", "")),
        # Aware datetimes only: a floating time (no zone) would mean "local wherever you are".
        "start": start.isoformat() if start.tzinfo is not None else None,
        "end": end.isoformat() if end.tzinfo is not None else None,
    })
result = {
    "name": str(calendar.get("X-WR-CALNAME", "")),
    "timeZone": str(calendar.get("X-WR-TIMEZONE", "")),
    "timezones": [str(tz.get("TZID")) for tz in calendar.walk("VTIMEZONE")],
    "events": events,
}
with open(sys.argv[2], "w") as out:
    json.dump(result, out)
