"""`nncodegen compile`: model -> C project (the config file, quantization, camera input, compression)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import numpy as np

from .cli_common import EXIT_OK, UsageError, load_array, progress
from .codegen.sanitize import term


# ---------------------------------------------------------------- compile
def cmd_compile(a) -> int:
    cfg = {}
    if a.config:
        try:
            cfg = json.loads(Path(a.config).read_text())
        except (OSError, json.JSONDecodeError) as e:
            raise UsageError(f"config file {a.config}: {e}") from None
        if not isinstance(cfg, dict):
            raise UsageError(f"config file {a.config}: a JSON object is expected")
    limits = cfg.get("limits", {})
    if not isinstance(limits, dict):
        raise UsageError(f"config file {a.config}: limits must be an object (e.g. {{\"max_tensor_elements\": 268435456}})")
    from .ir.limits import use_limits
    with use_limits(**limits):
        return _compile(a, cfg)


def _compile(a, cfg) -> int:
    from . import api
    quant = a.quantize or cfg.get("quantize", "none")
    rounding = a.rounding or cfg.get("rounding")
    target = a.target or cfg.get("target", "generic")
    calib_path = a.calib or cfg.get("calib")
    name = a.name or cfg.get("name") or Path(a.model).stem
    from .codegen.targets import target_info
    target_info(target)
    if quant not in ("none", "q7", "q15", "int8"):
        raise UsageError(f"--quantize {quant}: choose none, q7, q15 or int8")
    if rounding not in (None, "double", "single", "onnxruntime"):
        raise UsageError(f"rounding {rounding!r}: choose double, single or onnxruntime")
    calib = frames = None
    cam = _camera_options(a, cfg)
    if quant in ("q7", "q15", "int8") and calib_path:
        calib = load_array(calib_path, "calibration")
        if cam and calib.dtype == np.uint8:  # camera frames as calibration data: normalized first
            from .lower.lower_camera import normalize_frames
            frames = calib
            calib = normalize_frames(calib, *_camera_channels(cam, calib.shape[-1]))
    progress(f"loading {a.model}")
    g = api.load(a.model)
    if quant in ("q7", "q15", "int8") and not g.is_quantized and calib is None:
        raise UsageError(f"--quantize {quant} needs calibration data: pass --calib FILE (.npy/.npz, float (N,H,W,C))")
    if g.is_quantized and quant not in ("none",) and calib is not None:
        progress(f"{a.model} is already quantized: keeping its own formats (--quantize {quant} ignored)")
    if calib is not None and not g.is_quantized:
        from .harness.cmodel import check_input_array
        calib = check_input_array(calib, list(g.tensors[g.inputs[0]].shape), f"calibration file {calib_path}")
        progress(f"quantizing to {quant} with {len(calib)} calibration samples")
        g.meta["compress"] = a.compress or cfg.get("compress", "auto")  # shared weights keep one frac per tensor
        g = api.quantize(g, calib, quant, **({"rounding": rounding} if rounding else {}))
    elif rounding and g.meta.get("quantization", {}).get("scheme") == "int8":
        from .frontends.onnx_qdq import set_int8_rounding
        set_int8_rounding(g, rounding)
    float_layers = g.meta.get("quantization", {}).get("float_layers") or []
    if float_layers and cfg.get("float_layers", "allow") == "error":
        raise UsageError(f"node {float_layers[0]} would run in float, and the config says float_layers: error")
    for f in float_layers:
        progress(f"runs in float: {f}")
    sample = None
    if calib is not None:
        tin = g.tensors[g.inputs[0]]
        sample = tin.fmt.quantize(calib[0]) if g.is_quantized else calib[0]
    if cam:
        from .passes.camera_input import add_camera_input
        tin = g.tensors[g.inputs[0]]
        progress(f"camera input: {cam['input_format']} frames, normalized as (q/255 - mean)/std into {tin.fmt}")
        g = add_camera_input(g, cam["input_format"], cam["mean"], cam["std"])
        if calib is not None:  # the first calibration sample as a frame, for main.c
            fmt = g.tensors[g.inputs[0]].fmt
            sample = frames[0] if frames is not None else fmt.quantize(
                (np.asarray(calib[0], np.float64) * np.asarray(fmt.std) + np.asarray(fmt.mean)) * 255.0)
    compress = a.compress or cfg.get("compress", "auto")
    from .passes.compress_weights import MODES, compress_weights
    if compress not in MODES:
        raise UsageError(f"--compress {compress}: choose {', '.join(MODES)}")
    g = compress_weights(g, compress, cfg.get("compress_layers"), target=target)
    progress(f"generating C for target {target} into {a.output}")
    out = api.generate(g, a.output, name=name, target=target, source=Path(a.model).name, sample=sample)
    rep = json.loads((out / "report.json").read_text())
    from .codegen.report import summary_lines
    for line in summary_lines(rep):
        print(term(line))
    name = json.loads((out / "nncodegen.json").read_text())["name"]  # the C identifier made from it
    print(term(f"wrote {out}/{name}.c, {name}.h, runtime/, CMakeLists.txt, report.json, report.md"))
    return EXIT_OK


def _camera_options(a, cfg) -> Optional[dict]:
    """--input-format / --mean / --std (or the config keys input_format, mean, std), or None."""
    fmt = a.input_format or cfg.get("input_format")
    mean = a.mean if a.mean is not None else cfg.get("mean")
    std = a.std if a.std is not None else cfg.get("std")
    if fmt in (None, "float"):
        if mean is not None or std is not None:
            raise UsageError("--mean / --std need --input-format uint8-hwc or uint8-gray")
        return None
    if fmt not in ("uint8-hwc", "uint8-gray"):
        raise UsageError(f"input format {fmt!r}: choose float, uint8-hwc or uint8-gray")
    def nums(v, what, default):
        v = default if v is None else v
        v = v if isinstance(v, list) else [v]
        try:
            return [float(x) for x in v]
        except (TypeError, ValueError):
            raise UsageError(f"{what} {v!r}: give numbers") from None
    return {"input_format": fmt, "mean": nums(mean, "mean", [0.0]), "std": nums(std, "std", [1.0])}


def _camera_channels(cam, channels: int):
    from .passes.camera_input import channel_values
    return channel_values(cam["mean"], channels, "mean"), channel_values(cam["std"], channels, "std")
