"""Generated sections of a Markdown file, delimited by HTML comments, so that several benchmark
scripts can each refresh their own part of docs/benchmarks.md (or docs/telemetry.md) without
clobbering the others or the hand-written text around them.

    <!-- bench:begin NAME -->
    ...generated...
    <!-- bench:end NAME -->
"""

import os
import re


def _markers(name):
    return f"<!-- bench:begin {name} -->", f"<!-- bench:end {name} -->"


def replace_section(path, name, body, before=None, create_header=""):
    """Puts `body` between the markers of `name` in `path`.

    If the markers are absent the block is inserted just before the first line equal to
    `before` (e.g. "## Other measurements") when there is one, else appended. A missing file is
    created with `create_header` first. Returns the new text.
    """
    begin, end = _markers(name)
    block = f"{begin}\n{body.rstrip()}\n{end}"
    text = ""
    if os.path.exists(path):
        with open(path) as f:
            text = f.read()
    else:
        text = create_header
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _m: block, text, count=1)
    else:
        idx = -1
        if before:
            m = re.search(r"^" + re.escape(before) + r"\s*$", text, re.M)
            if m:
                idx = m.start()
        if idx >= 0:
            text = text[:idx] + block + "\n\n" + text[idx:]
        else:
            text = text.rstrip("\n") + ("\n\n" if text else "") + block + "\n"
    with open(path, "w") as f:
        f.write(text)
    return text


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "unknown"
