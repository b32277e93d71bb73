"""Triton Python backend model: Stable Diffusion text-to-image, image-to-image and inpainting.

Serves the requests fmops's ``SageMakerImageModel({ format: "triton" })`` sends: BYTES tensors
``prompt`` and, optionally, ``negative_prompt``, ``image`` and ``mask_image`` (base64 PNG/JPEG)
and ``gen_args`` (a JSON object: width, height, guidance_scale, seed, strength,
num_images_per_prompt, num_inference_steps). Answers ``generated_image``: one base64 PNG per
image.

torch, diffusers and PIL are imported inside ``initialize`` and the request handler, not at
module level, so the request handling can be tested with stand-ins for them on a machine
without a GPU or the weights.
"""

from __future__ import annotations

import base64
import io
import json
import os

import numpy as np
import triton_python_backend_utils as pb_utils

# The gen_args keys the pipelines accept, with what each must be.
_INT_ARGS = {"width", "height", "seed", "num_images_per_prompt", "num_inference_steps"}
_FLOAT_ARGS = {"guidance_scale", "strength"}
MAX_PROMPT_CHARS = 2000
MAX_INPUT_IMAGE_BYTES = 10 * 1024 * 1024


class RequestError(ValueError):
    """A request this model refuses; its message goes back to the caller."""


def _string_input(request, name: str) -> str | None:
    """The one string of a BYTES input tensor, or None when the tensor is absent."""
    tensor = pb_utils.get_input_tensor_by_name(request, name)
    if tensor is None:
        return None
    values = tensor.as_numpy().reshape(-1)
    if values.size != 1:
        raise RequestError(f"{name} must hold exactly one value, got {values.size}")
    value = values[0]
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def parse_gen_args(raw: str | None, max_images: int) -> dict:
    """Checks gen_args and returns the pipeline keyword arguments it asks for."""
    if raw is None or raw.strip() == "":
        return {}
    try:
        args = json.loads(raw)
    except json.JSONDecodeError as err:
        raise RequestError(f"gen_args is not valid JSON: {err.msg}") from None
    if not isinstance(args, dict):
        raise RequestError("gen_args must be a JSON object")
    unknown = sorted(set(args) - _INT_ARGS - _FLOAT_ARGS)
    if unknown:
        raise RequestError(f"gen_args has unknown keys: {', '.join(unknown)}")
    for key in _INT_ARGS & set(args):
        if not isinstance(args[key], int) or isinstance(args[key], bool):
            raise RequestError(f"gen_args.{key} must be an integer")
    for key in _FLOAT_ARGS & set(args):
        if not isinstance(args[key], (int, float)) or isinstance(args[key], bool):
            raise RequestError(f"gen_args.{key} must be a number")
    for key in ("width", "height"):
        if key in args and not (256 <= args[key] <= 1536 and args[key] % 8 == 0):
            raise RequestError(f"gen_args.{key} must be a multiple of 8 from 256 to 1536")
    if "seed" in args and not 0 <= args["seed"] <= 2**32 - 1:
        raise RequestError("gen_args.seed must be from 0 to 4294967295")
    if "num_images_per_prompt" in args and not 1 <= args["num_images_per_prompt"] <= max_images:
        raise RequestError(f"gen_args.num_images_per_prompt must be from 1 to {max_images}")
    if "num_inference_steps" in args and not 1 <= args["num_inference_steps"] <= 150:
        raise RequestError("gen_args.num_inference_steps must be from 1 to 150")
    if "strength" in args and not 0 < args["strength"] <= 1:
        raise RequestError("gen_args.strength must be above 0 and at most 1")
    if "guidance_scale" in args and not 0 <= args["guidance_scale"] <= 30:
        raise RequestError("gen_args.guidance_scale must be from 0 to 30")
    return args


def _decode_image(name: str, b64: str):
    """A base64 PNG or JPEG as an RGB PIL image."""
    from PIL import Image  # in the packed environment; imported here so tests can stand it in

    try:
        data = base64.b64decode(b64, validate=True)
    except ValueError:
        raise RequestError(f"{name} is not valid base64") from None
    if len(data) > MAX_INPUT_IMAGE_BYTES:
        raise RequestError(f"{name} is larger than {MAX_INPUT_IMAGE_BYTES} bytes")
    if not (data.startswith(b"\x89PNG\r\n\x1a\n") or data.startswith(b"\xff\xd8\xff")):
        raise RequestError(f"{name} must be a PNG or JPEG image")
    return Image.open(io.BytesIO(data)).convert("RGB")


def _encode_png(image) -> str:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _error_response(message: str):
    return pb_utils.InferenceResponse(output_tensors=[], error=pb_utils.TritonError(message))


class TritonPythonModel:
    """The class Triton's Python backend instantiates once per model instance (one per GPU)."""

    def initialize(self, args):
        # Heavy, and absent where the handler is tested: imported here, not at module level.
        import torch
        from diffusers import (
            AutoPipelineForImage2Image,
            AutoPipelineForInpainting,
            AutoPipelineForText2Image,
        )

        config = json.loads(args["model_config"])
        parameters = {
            key: value.get("string_value", "")
            for key, value in config.get("parameters", {}).items()
        }
        # model_repository is this model's folder (the one holding config.pbtxt).
        weights = os.path.join(args["model_repository"], parameters.get("WEIGHTS_DIR", "weights"))
        self.max_images = int(parameters.get("MAX_IMAGES", "4"))
        on_gpu = args.get("model_instance_kind") == "GPU"
        self.device = f"cuda:{args.get('model_instance_device_id', '0')}" if on_gpu else "cpu"
        dtype = torch.float16 if on_gpu else torch.float32
        self.torch = torch
        text = AutoPipelineForText2Image.from_pretrained(weights, torch_dtype=dtype)
        text = text.to(self.device)
        # The image-to-image and inpainting pipelines share the loaded weights (no second copy).
        self.pipelines = {
            "text": text,
            "image": AutoPipelineForImage2Image.from_pipe(text),
            "inpaint": AutoPipelineForInpainting.from_pipe(text),
        }

    def generate(self, request) -> list[str]:
        """Runs one request and returns its images as base64 PNGs."""
        prompt = _string_input(request, "prompt")
        if prompt is None or prompt.strip() == "":
            raise RequestError("prompt is required")
        if len(prompt) > MAX_PROMPT_CHARS:
            raise RequestError(f"prompt is longer than {MAX_PROMPT_CHARS} characters")
        negative = _string_input(request, "negative_prompt")
        image_b64 = _string_input(request, "image")
        mask_b64 = _string_input(request, "mask_image")
        args = parse_gen_args(_string_input(request, "gen_args"), self.max_images)
        if mask_b64 is not None and image_b64 is None:
            raise RequestError("mask_image needs an image to inpaint")
        if "strength" in args and image_b64 is None:
            raise RequestError("gen_args.strength applies only with an image")
        kwargs = {"prompt": prompt}
        if negative is not None:
            kwargs["negative_prompt"] = negative
        seed = args.pop("seed", None)
        if seed is not None:
            kwargs["generator"] = self.torch.Generator(device=self.device).manual_seed(seed)
        kwargs.update(args)
        if image_b64 is None:
            pipeline = self.pipelines["text"]
        else:
            kwargs["image"] = _decode_image("image", image_b64)
            if mask_b64 is None:
                pipeline = self.pipelines["image"]
            else:
                kwargs["mask_image"] = _decode_image("mask_image", mask_b64)
                pipeline = self.pipelines["inpaint"]
        result = pipeline(**kwargs)
        return [_encode_png(image) for image in result.images]

    def execute(self, requests):
        responses = []
        for request in requests:
            try:
                images = self.generate(request)
                tensor = pb_utils.Tensor(
                    "generated_image", np.array([s.encode("ascii") for s in images], dtype=np.object_)
                )
                responses.append(pb_utils.InferenceResponse(output_tensors=[tensor]))
            except RequestError as err:
                responses.append(_error_response(str(err)))
            except Exception as err:  # one failed request (e.g. CUDA out of memory) must not fail the rest
                responses.append(_error_response(f"generation failed: {type(err).__name__}: {err}"))
        return responses

    def finalize(self):
        self.pipelines = {}
