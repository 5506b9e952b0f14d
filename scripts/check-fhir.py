#!/usr/bin/env python3
"""Validate a FHIR R4 Bundle (JSON) against the official FHIR R4 (4.0.1) JSON Schema.

Usage: check-fhir.py SCHEMA.json.gz BUNDLE.json — prints each problem with its path and exits 1
if there is any. Each entry's resource is checked against its own definition (checking the
whole Bundle at once gives one unreadable "oneOf" failure), and two gaps of the published
schema are closed: complex types get "type": "object" (otherwise a string passes where an
object belongs), and the elements R4 requires (min 1) that the schema cannot express for
primitives are checked by name.
"""
import gzip
import json
import sys

import jsonschema

# Elements with cardinality 1..* in R4 for the resources the clinic exports.
REQUIRED = {
    "Bundle": ["type"],
    "Patient": [],
    "Encounter": ["status", "class"],
    "Observation": ["status", "code"],
    "Condition": ["subject"],
    "AllergyIntolerance": ["patient"],
    "MedicationRequest": ["status", "intent", "subject"],
    "DocumentReference": ["status", "content"],
}


def main():
    schema_path, bundle_path = sys.argv[1], sys.argv[2]
    with gzip.open(schema_path, "rt", encoding="utf-8") as f:
        schema = json.load(f)
    for definition in schema["definitions"].values():
        if "properties" in definition:
            definition.setdefault("type", "object")
    with open(bundle_path, encoding="utf-8") as f:
        bundle = json.load(f)
    problems = []

    def check(kind, instance, where):
        if kind not in schema["definitions"]:
            problems.append(f"{where}: {kind!r} is not an R4 resource type")
            return
        validator = jsonschema.Draft6Validator(
            {"$ref": f"#/definitions/{kind}", "definitions": schema["definitions"]}
        )
        for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path)):
            path = "/".join(str(p) for p in error.absolute_path)
            problems.append(f"{where}/{path}: {error.message}")
        for name in REQUIRED.get(kind, []):
            if name not in instance:
                problems.append(f"{where}: {kind}.{name} is required")

    if bundle.get("resourceType") != "Bundle":
        problems.append("the document is not a Bundle")
    check("Bundle", {k: v for k, v in bundle.items() if k != "entry"}, "Bundle")
    for i, entry in enumerate(bundle.get("entry", [])):
        resource = entry.get("resource", {})
        kind = resource.get("resourceType")
        if kind not in REQUIRED:
            problems.append(f"entry {i}: unexpected resource type {kind!r}")
        check(kind, resource, f"entry {i} ({kind})")
    for problem in problems:
        print(problem)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
