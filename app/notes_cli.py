"""`alveole notes`: try the notes detector on stdin, and rescan the database after the rules change."""

from __future__ import annotations

import json
from typing import BinaryIO, TextIO

from resolvers.sensitive_notes import categories, detect


def check_lines(source: BinaryIO, out: TextIO) -> int:
    """One JSON object per input line, in order; returns the number of lines read.

    Lines are read as bytes and decoded as UTF-8 (a BOM and CR LF endings are dropped, undecodable bytes
    become U+FFFD), so any file can be piped in whatever its origin."""
    count = 0
    for raw in source:
        if count == 0 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        text = raw.rstrip(b"\r\n").decode("utf-8", errors="replace")
        findings = detect(text)
        result = {
            "categories": categories(findings),
            "findings": [{"category": f.category, "excerpt": f.excerpt} for f in findings],
        }
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
        count += 1
    out.flush()
    return count
