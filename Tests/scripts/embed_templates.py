#!/usr/bin/env python3
"""Writes Sources/RelflowCore/DefaultTemplates.swift from the files in templates/ and hooks/.

Run `make templates` after editing a template; a test fails while the two differ.
"""
import os

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TEMPLATES = [
    ("changelogMarkdown", "templates/changelog.md"),
    ("changelogHTML", "templates/changelog.html"),
    ("relflowToml", "templates/relflow.toml"),
    ("noticeMarkdown", "templates/notice.md"),
    ("noticeHTML", "templates/notice.html"),
    ("hookCommitMsg", "hooks/commit-msg"),
    ("hookPrePush", "hooks/pre-push"),
    ("hookPreReceive", "hooks/pre-receive"),
    ("hookPostReceive", "hooks/post-receive"),
]

out = ["// The default templates, compiled in so that an installed relflow needs no source tree.",
       "// Generated from templates/ by `make templates`; a test keeps the two equal.", "",
       "public enum DefaultTemplates {"]
for name, path in TEMPLATES:
    text = open(os.path.join(root, path), encoding="utf-8").read()
    assert '"""' not in text, f"{path}: cannot embed as a multi-line literal"
    raw = "\\" in text or '"#' in text
    out.append(f'    public static let {name} = #"""' if raw else f'    public static let {name} = """')
    for line in text.split("\n"):
        out.append("    " + line if line else "")
    out.append('    """#' if raw else '    """')
    out.append("")
out[-1] = "}"
with open(os.path.join(root, "Sources/RelflowCore/DefaultTemplates.swift"), "w", encoding="utf-8") as f:
    f.write("\n".join(out) + "\n")
