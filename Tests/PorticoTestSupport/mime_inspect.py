#!/usr/bin/python3
"""Parses an email with Python's `email` package (an independent MIME implementation)
and prints what it found as JSON, for MIMEInspection.swift.

Usage: mime_inspect.py MESSAGE_FILE JSON_FILE
Writes to JSON_FILE: {"defects": [...], "headers": [[name, decoded value], ...],
         "addresses": {"from": [{"display_name", "address"}], ...},
         "content_type", "boundary",
         "parts": [{"content_type", "charset", "transfer_encoding", "body_base64", "defects"}]}
Header values are decoded (RFC 2047) and unfolded; bodies are the decoded octets.
"""

import base64
import json
import sys
from email import policy
from email.header import decode_header, make_header
from email.parser import BytesParser
from email.utils import getaddresses


def main():
    with open(sys.argv[1], "rb") as file:
        raw = file.read()
    message = BytesParser(policy=policy.default).parsebytes(raw)
    defects = [repr(defect) for defect in message.defects]
    headers = []
    addresses = {}
    for name, value in message.items():
        headers.append([name, str(value)])
        defects += ["%s: %r" % (name, defect) for defect in getattr(value, "defects", [])]
    # Address headers are read twice: by the modern parser, and by the legacy
    # getaddresses() + decode_header(). The modern one in Debian 12's Python 3.11 keeps the
    # white space between adjacent encoded-words of a display name (CPython gh-128110);
    # RFC 2047 section 6.2 says to drop it, and the legacy functions do.
    for name, raw in message.raw_items():
        if name.lower() in ("from", "to", "reply-to"):
            unfolded = raw.replace("\r\n", "").replace("\n", "")
            legacy = getaddresses([unfolded])
            addresses[name.lower()] = [
                {
                    "display_name": address.display_name,
                    "address": address.addr_spec,
                    "rfc2047_display_name": str(make_header(decode_header(legacy_name))),
                }
                for address, (legacy_name, _) in zip(message[name].addresses, legacy)
            ]
    parts = []
    for part in message.walk():
        if part.is_multipart():
            continue
        parts.append({
            "content_type": part.get_content_type(),
            "charset": part.get_content_charset(),
            "transfer_encoding": part.get("Content-Transfer-Encoding"),
            "body_base64": base64.b64encode(part.get_payload(decode=True)).decode("ascii"),
            "defects": [repr(defect) for defect in part.defects],
        })
    with open(sys.argv[2], "w") as output:
        json.dump({
            "defects": defects,
            "headers": headers,
            "addresses": addresses,
            "content_type": message.get_content_type(),
            "boundary": message.get_boundary(),
            "parts": parts,
        }, output)


if __name__ == "__main__":
    main()
