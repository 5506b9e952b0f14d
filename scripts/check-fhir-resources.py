#!/usr/bin/env python3
"""Check a FHIR R4 Bundle (JSON) as a strict consumer would, with a second validator.

Usage: check-fhir-resources.py BUNDLE.json — prints each problem and exits 1 if there is any.

1. The Bundle is parsed with fhir.resources 6.5.0, the R4 (4.0.1) model (pydantic): every
   element must exist in R4 and have its type (an unknown or misspelt element, a string where
   an object belongs, a bad code of a required binding's enumeration is refused).
2. What R4 says a Bundle SHALL have and a model cannot express: each entry has an absolute
   fullUrl ending in <type>/<id> (bdl-7, and "SHALL have a value when the resource has an id"),
   no fullUrl twice, and each relative reference ("Patient/<id>") resolves to an entry of the
   Bundle against its base (R4 §3.3.1 "Resolving references in Bundles"); attachment URLs are
   absolute.
"""
import json
import sys
from urllib.parse import urlparse

from fhir.resources.bundle import Bundle


def references(value, path=""):
    """Every `reference` string in a resource, with where it is."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "reference" and isinstance(item, str):
                yield path, item
            else:
                yield from references(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from references(item, f"{path}[{i}]")


def attachment_urls(value, path=""):
    if isinstance(value, dict):
        if "contentType" in value and isinstance(value.get("url"), str):
            yield path, value["url"]
        for key, item in value.items():
            yield from attachment_urls(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from attachment_urls(item, f"{path}[{i}]")


def absolute(url):
    parts = urlparse(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def problems(bundle):
    try:
        Bundle.parse_obj(bundle)
    except Exception as error:  # pydantic's ValidationError names each element
        yield f"not valid R4: {error}"
    full_urls = {}
    for i, entry in enumerate(bundle.get("entry", [])):
        resource = entry.get("resource", {})
        kind, rid = resource.get("resourceType"), resource.get("id")
        full_url = entry.get("fullUrl")
        if not full_url:
            yield f"entry[{i}] ({kind}/{rid}) has no fullUrl"
            continue
        if not absolute(full_url) or not full_url.endswith(f"/{kind}/{rid}"):
            yield f"entry[{i}] fullUrl {full_url!r} is not an absolute URL ending in {kind}/{rid}"
        if full_url in full_urls:
            yield f"entry[{i}] fullUrl {full_url!r} repeats entry[{full_urls[full_url]}]"
        full_urls[full_url] = i
    for i, entry in enumerate(bundle.get("entry", [])):
        full_url = entry.get("fullUrl", "")
        resource = entry.get("resource", {})
        base = full_url.rsplit("/", 2)[0]
        for where, ref in references(resource):
            target = ref if absolute(ref) else f"{base}/{ref}"
            if ref.startswith("#") or ref.startswith("urn:"):
                continue
            if target not in full_urls:
                yield f"entry[{i}]{where}: reference {ref!r} does not resolve inside the Bundle"
        for where, url in attachment_urls(resource):
            if not absolute(url):
                yield f"entry[{i}]{where}: attachment url {url!r} is not absolute"


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1], encoding="utf-8") as f:
        bundle = json.load(f)
    found = list(problems(bundle))
    for p in found:
        print(p)
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
