"""Runs the Stable Diffusion Triton model.py (examples/deploy/triton-stable-diffusion) on one
KServe v2 JSON request, the way Triton's Python backend would, with stand-ins for what cannot run
here: triton_python_backend_utils, torch, diffusers (a pipeline that records its arguments and
returns a fixed PNG per image) and PIL (which only checks the image bytes' signature).

stdin:  {"model_py": path, "model_config": {...Triton JSON config...}, "model_repository": dir,
         "png_b64": base64 PNG the stand-in pipeline returns, "kind": "GPU" | "CPU",
         "request": {"inputs": [{"name", "shape", "datatype": "BYTES", "data"}]}}
stdout: {"response": {"outputs": [...]}} or {"error": message}, with "loaded" (what initialize
        loaded, on which device and dtype) and "calls" (each pipeline call's arguments).
"""

import base64
import importlib.util
import json
import sys
import types

import numpy as np

job = json.load(sys.stdin)
PNG = base64.b64decode(job["png_b64"])
loaded = {}
calls = []


# --- triton_python_backend_utils ---------------------------------------------------------------
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


pb_utils = types.ModuleType("triton_python_backend_utils")
for item in (Tensor, TritonError, InferenceResponse, get_input_tensor_by_name):
    setattr(pb_utils, item.__name__, item)
sys.modules["triton_python_backend_utils"] = pb_utils


# --- torch -------------------------------------------------------------------------------------
class Generator:
    def __init__(self, device="cpu"):
        self.device, self.seed = device, None

    def manual_seed(self, seed):
        self.seed = seed
        return self


torch = types.ModuleType("torch")
torch.float16, torch.float32, torch.Generator = "float16", "float32", Generator
sys.modules["torch"] = torch


# --- PIL ---------------------------------------------------------------------------------------
class InputImage:
    def __init__(self, data):
        if not (data.startswith(b"\x89PNG") or data.startswith(b"\xff\xd8\xff")):
            raise ValueError("cannot identify image file")
        self.kind, self.bytes, self.mode = "png" if data[:1] == b"\x89" else "jpeg", len(data), None

    def convert(self, mode):
        self.mode = mode
        return self


image_module = types.ModuleType("PIL.Image")
image_module.open = lambda stream: InputImage(stream.read())
pil = types.ModuleType("PIL")
pil.Image = image_module
sys.modules["PIL"], sys.modules["PIL.Image"] = pil, image_module


# --- diffusers ---------------------------------------------------------------------------------
class OutputImage:
    def save(self, stream, format):
        assert format == "PNG"
        stream.write(PNG)


class Pipeline:
    def __init__(self, kind, device=None, dtype=None):
        self.kind, self.device, self.dtype = kind, device, dtype

    def to(self, device):
        self.device = device
        loaded["device"] = device
        return self

    def __call__(self, **kwargs):
        shown = {}
        for key, value in kwargs.items():
            if isinstance(value, Generator):
                shown[key] = {"device": value.device, "seed": value.seed}
            elif isinstance(value, InputImage):
                shown[key] = {"kind": value.kind, "bytes": value.bytes, "mode": value.mode}
            else:
                shown[key] = value
        calls.append({"pipeline": self.kind, "kwargs": shown})
        return types.SimpleNamespace(
            images=[OutputImage() for _ in range(kwargs.get("num_images_per_prompt", 1))]
        )


def auto_pipeline(kind):
    class Auto:
        @staticmethod
        def from_pretrained(path, torch_dtype=None):
            loaded.update({"weights": path, "dtype": torch_dtype})
            return Pipeline(kind, dtype=torch_dtype)

        @staticmethod
        def from_pipe(pipe):
            return Pipeline(kind, pipe.device, pipe.dtype)

    return Auto


diffusers = types.ModuleType("diffusers")
diffusers.AutoPipelineForText2Image = auto_pipeline("text")
diffusers.AutoPipelineForImage2Image = auto_pipeline("image")
diffusers.AutoPipelineForInpainting = auto_pipeline("inpaint")
sys.modules["diffusers"] = diffusers

# --- run ---------------------------------------------------------------------------------------
spec = importlib.util.spec_from_file_location("model", job["model_py"])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
model = module.TritonPythonModel()
model.initialize({
    "model_config": json.dumps(job["model_config"]),
    "model_instance_kind": job.get("kind", "GPU"),
    "model_instance_device_id": "0",
    "model_repository": job["model_repository"],
    "model_version": "1",
})
tensors = [
    Tensor(t["name"], np.array([v.encode("utf-8") for v in t["data"]], dtype=np.object_).reshape(t["shape"]))
    for t in job["request"]["inputs"]
]
(response,) = model.execute([InferenceRequest(tensors)])
out = {"loaded": loaded, "calls": calls}
if response.error is not None:
    out["error"] = response.error.message()
else:
    out["response"] = {
        "outputs": [
            {
                "name": t.name(),
                "datatype": "BYTES",
                "shape": list(t.as_numpy().shape),
                "data": [v.decode("ascii") for v in t.as_numpy().reshape(-1)],
            }
            for t in response.output_tensors
        ]
    }
print(json.dumps(out))
