#!/usr/bin/env python3
"""Validates a JSON document (stdin) against one of docs/schemas/*.schema.json (argv[1]);
with --each, stdin is an array and each of its items is validated.

Exit 0 when valid; else prints every error and exits 1. Used by the tests that hold relflow's
real --json output to the documented schemas.
"""
import json
import os
import sys

import jsonschema

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
with open(os.path.join(root, "docs", "schemas", sys.argv[1] + ".schema.json"), encoding="utf-8") as f:
    schema = json.load(f)
document = json.load(sys.stdin)
validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
documents = document if "--each" in sys.argv[2:] else [document]
errors = [e for d in documents for e in sorted(validator.iter_errors(d), key=lambda e: list(e.path))]
for error in errors:
    print(f"{sys.argv[1]}: {'/'.join(map(str, error.path)) or '(root)'}: {error.message}")
sys.exit(1 if errors else 0)
