#!/usr/bin/env python3
"""Validates CycloneDX 1.5 JSON documents against the official schema (strict), as shipped
by cyclonedx-python-lib. Usage: validate_cyclonedx.py FILE… ; exit 1 on the first invalid."""
import sys

from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

validator = JsonStrictValidator(SchemaVersion.V1_5)
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        error = validator.validate_str(f.read())
    if error:
        print(f"{path}: {error}")
        sys.exit(1)
print(f"{len(sys.argv) - 1} valid")
