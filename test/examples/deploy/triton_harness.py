"""Runs a Triton Python backend model.py's initialize/execute with a stub
triton_python_backend_utils, the way the backend stub calls them, and prints the responses as JSON.

stdin: {"model_py": path, "model_config": {...Triton JSON config...},
        "requests": [{"TEXT": [[str], ...], "MAX_SENTENCES": [[int], ...] | absent}, ...]}
"""

import importlib.util
import json
import sys
import types

import numpy as np

TYPE_TO_NUMPY = {"TYPE_STRING": np.object_, "TYPE_INT32": np.int32, "TYPE_FP32": np.float32}


class Tensor:
    def __init__(self, name, array):
        if not isinstance(array, np.ndarray):
            raise TypeError("pb_utils.Tensor needs a numpy array")
        self._name, self._array = name, array

    def name(self):
        return self._name

    def as_numpy(self):
        return self._array


class TritonError:
    def __init__(self, message):
        self._message = message

    def message(self):
        return self._message


class InferenceResponse:
    def __init__(self, output_tensors, error=None):
        self.output_tensors, self.error = output_tensors, error


class InferenceRequest:
    def __init__(self, tensors):
        self.tensors = {t.name(): t for t in tensors}


def get_input_tensor_by_name(request, name):
    return request.tensors.get(name)


def get_output_config_by_name(config, name):
    return next((o for o in config.get("output", []) if o["name"] == name), None)


def triton_string_to_numpy(data_type):
    return TYPE_TO_NUMPY[data_type]


stub = types.ModuleType("triton_python_backend_utils")
for fn in (Tensor, TritonError, InferenceResponse, get_input_tensor_by_name,
           get_output_config_by_name, triton_string_to_numpy):
    setattr(stub, fn.__name__, fn)
sys.modules["triton_python_backend_utils"] = stub

job = json.load(sys.stdin)
spec = importlib.util.spec_from_file_location("model", job["model_py"])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)

model = module.TritonPythonModel()
model.initialize({"model_config": json.dumps(job["model_config"]), "model_instance_kind": "CPU"})
requests = []
for r in job["requests"]:
    tensors = [Tensor("TEXT", np.array([[t.encode("utf-8") for t in row] for row in r["TEXT"]], dtype=np.object_))]
    if "MAX_SENTENCES" in r:
        tensors.append(Tensor("MAX_SENTENCES", np.array(r["MAX_SENTENCES"], dtype=np.int32)))
    requests.append(InferenceRequest(tensors))
responses = model.execute(requests)
out = []
for response in responses:
    if response.error is not None:
        out.append({"error": response.error.message()})
    else:
        out.append({
            t.name(): {"shape": list(t.as_numpy().shape), "dtype": str(t.as_numpy().dtype),
                       "data": [v.decode("utf-8") for v in t.as_numpy().reshape(-1)]}
            for t in response.output_tensors
        })
model.finalize()
print(json.dumps(out))
