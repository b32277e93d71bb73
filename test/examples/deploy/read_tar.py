"""Reads .tar.gz archives with Python's tarfile (a strict, independent reader).

stdin: {"path": p} -> prints {member: utf-8 text}
       {"jobs": [{"path": p, "expected": {member: sha256}}]} -> prints {"mismatches": [...]}
"""

import hashlib
import json
import sys
import tarfile

job = json.load(sys.stdin)
if "path" in job:
    with tarfile.open(job["path"], "r:gz") as tar:
        print(json.dumps({m.name: tar.extractfile(m).read().decode("utf-8") for m in tar.getmembers()}))
else:
    mismatches = []
    for j in job["jobs"]:
        with tarfile.open(j["path"], "r:gz") as tar:
            members = tar.getmembers()
            got = {m.name: hashlib.sha256(tar.extractfile(m).read()).hexdigest() for m in members if m.isfile()}
            if [m.name for m in members] != list(j["expected"]) or got != j["expected"]:
                mismatches.append(j["path"])
            if any(m.uid != 0 or m.mode != 0o644 for m in members):
                mismatches.append(j["path"] + " (header fields)")
    print(json.dumps({"mismatches": mismatches}))
