"""Imports the LMI example's model.py outside the container (no djl_python) and runs
normalize_payload on each case from stdin, printing the results (or error messages) as JSON."""

import importlib.util
import json
import sys

job = json.load(sys.stdin)
spec = importlib.util.spec_from_file_location("lmi_model", job["model_py"])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
out = []
for case in job["cases"]:
    try:
        out.append({"ok": module.normalize_payload(case["payload"], case.get("env", {}))})
    except module.PayloadError as exc:
        out.append({"error": str(exc)})
# The decorated hook must be the same function LMI would call.
out.append({"hook": module.lmi_input_formatter({"inputs": "x"}) is not None})
print(json.dumps(out))
