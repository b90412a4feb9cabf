#!/usr/bin/python3
"""Int8 ONNX fixtures in the shape onnxruntime's quantize_dynamic gives an MLP of MatMul + Add
layers (test/fixtures/onnx/quantized/, read by test/quantize/onnx-import.test.ts).

onnxruntime's Python quantizer is not installed here, so the graphs are written by hand with
Debian's python3-onnx, node for node as its MatMulInteger operator class writes them (names
included): per MatMul, DynamicQuantizeLinear of the input, MatMulInteger with the int8 weights
and both zero points, Cast to float, Mul of the two scales, Mul of the product; the Add of the
bias and the activations stay float, and a Gemm stays float (quantize_dynamic quantizes MatMul,
not Gemm). Weights as weight_type QInt8 (symmetric: scale = max|W| / 127, zero point 0), per
tensor or per output column (per_channel=True). Plus files wasmlp must refuse: a weight zero
point other than 0, uint8 weights, a static QuantizeLinear/DequantizeLinear pair.

    /usr/bin/python3 scripts/make-quantized-onnx-fixtures.py
"""
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "onnx", "quantized")
rng = np.random.default_rng(27)


def quantize_symmetric(w, per_channel):
    """QInt8 symmetric: [-127, 127], scale = max|W|/127 per tensor or per column, zero point 0."""
    absmax = np.abs(w).max(axis=0) if per_channel else np.abs(w).max()
    scale = (absmax / 127.0).astype(np.float32)
    q = np.clip(np.rint(w / scale), -127, 127).astype(np.int8)
    return q, scale


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


ACT = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh, "softmax": softmax, "linear": lambda z: z}
ONNX_ACT = {"relu": "Relu", "tanh": "Tanh", "softmax": "Softmax"}


def build(name, sizes, acts, per_channel, opset, quantized_layers=None, input_shape=None, zero_point=0, weight_type="int8", static=False):
    """An MLP of MatMul + Add (Gemm for the float layers when quantized_layers leaves some out)."""
    quantized_layers = set(range(len(acts))) if quantized_layers is None else quantized_layers
    nodes, inits = [], []
    x = "input"
    if input_shape:
        nodes.append(helper.make_node("Flatten", [x], ["flat"], "Flatten_0", axis=1))
        x = "flat"
    layers, dequantized = [], []
    for i, act in enumerate(acts):
        k, n = sizes[i], sizes[i + 1]
        w = (rng.standard_normal((k, n)) * np.sqrt(2.0 / k)).astype(np.float32)
        b = (rng.standard_normal(n) * 0.1).astype(np.float32)
        W, B, mm = f"onnx::MatMul_{i}", f"linear_{i}.bias", f"/linear_{i}/MatMul"
        out = f"/linear_{i}/MatMul_output_0"
        if i in quantized_layers:
            q, scale = quantize_symmetric(w, per_channel)
            if zero_point:
                q = np.clip(q.astype(np.int32) + zero_point, -128, 127).astype(np.int8)
            dims = [n] if per_channel else []
            inits.append(numpy_helper.from_array(scale.reshape(dims), W + "_scale"))
            if weight_type == "uint8":
                inits.append(numpy_helper.from_array((q.astype(np.int32) + 128).astype(np.uint8), W + "_quantized"))
                inits.append(numpy_helper.from_array(np.full(dims, 128, np.uint8), W + "_zero_point"))
            else:
                inits.append(numpy_helper.from_array(q, W + "_quantized"))
                inits.append(numpy_helper.from_array(np.full(dims, zero_point, np.int8), W + "_zero_point"))
            if static:
                # QDQ: a fixed activation scale (calibration), not what wasmlp reads.
                inits.append(numpy_helper.from_array(np.array(0.01, np.float32), f"{x}_scale_static"))
                inits.append(numpy_helper.from_array(np.array(128, np.uint8), f"{x}_zero_point_static"))
                nodes.append(helper.make_node("QuantizeLinear", [x, f"{x}_scale_static", f"{x}_zero_point_static"], [f"{x}_q"], f"{x}_QuantizeLinear"))
                nodes.append(helper.make_node("DequantizeLinear", [f"{x}_q", f"{x}_scale_static", f"{x}_zero_point_static"], [f"{x}_dq"], f"{x}_DequantizeLinear"))
                nodes.append(helper.make_node("DequantizeLinear", [W + "_quantized", W + "_scale", W + "_zero_point"], [W + "_dq"], W + "_DequantizeLinear"))
                nodes.append(helper.make_node("MatMul", [f"{x}_dq", W + "_dq"], [out], mm))
            else:
                xq, xs, xz = f"{x}_quantized", f"{x}_scale", f"{x}_zero_point"
                mmi = mm + "_quant"
                nodes.append(helper.make_node("DynamicQuantizeLinear", [x], [xq, xs, xz], f"{x}_QuantizeLinear"))
                nodes.append(helper.make_node("MatMulInteger", [xq, W + "_quantized", xz, W + "_zero_point"], [out + "_output_quantized"], mmi))
                nodes.append(helper.make_node("Cast", [out + "_output_quantized"], [out + "_output_quantized_cast_output"], out + "_output_quantized_cast", to=TensorProto.FLOAT))
                nodes.append(helper.make_node("Mul", [xs, W + "_scale"], [mmi + "_scales_mul:0"], mmi + "_scales_mul"))
                nodes.append(helper.make_node("Mul", [out + "_output_quantized_cast_output", mmi + "_scales_mul:0"], [out], mmi + "_output_scale_mul"))
            wd = (q.astype(np.float32) - zero_point) * scale
            layers.append({"weights": q.T.reshape(-1).tolist(), "scales": np.broadcast_to(scale, (n,)).tolist()})
            inits.append(numpy_helper.from_array(b, B))
            z = f"/linear_{i}/Add_output_0"
            nodes.append(helper.make_node("Add", [out, B], [z], f"/linear_{i}/Add"))
        else:
            wd = w
            layers.append(None)
            inits.append(numpy_helper.from_array(w.T.copy(), f"linear_{i}.weight"))
            inits.append(numpy_helper.from_array(b, B))
            z = f"/linear_{i}/Gemm_output_0"
            nodes.append(helper.make_node("Gemm", [x, f"linear_{i}.weight", B], [z], f"/linear_{i}/Gemm", transB=1))
        dequantized.append((wd.astype(np.float64), b.astype(np.float64)))
        x = z
        if act != "linear":
            a = f"/act_{i}/{ONNX_ACT[act]}_output_0"
            attrs = {"axis": -1} if act == "softmax" and opset >= 13 else {"axis": 1} if act == "softmax" else {}
            nodes.append(helper.make_node(ONNX_ACT[act], [x], [a], f"/act_{i}/{ONNX_ACT[act]}", **attrs))
            x = a
    shape = ["batch", *(input_shape or [sizes[0]])]
    graph = helper.make_graph(nodes, "main_graph", [helper.make_tensor_value_info("input", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info(x, TensorProto.FLOAT, ["batch", sizes[-1]])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset), helper.make_opsetid("com.microsoft", 1)], producer_name="onnx.quantize", producer_version="0.1.0")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(OUT, name))
    xs = rng.random((4, sizes[0])).astype(np.float32) * 2 - 1
    h = xs.astype(np.float64)
    for (wd, b), act in zip(dequantized, acts):
        h = ACT[act](h @ wd + b)
    return {"file": name, "opset": opset, "inputShape": input_shape or [sizes[0]], "perChannel": per_channel,
            "x": xs.tolist(), "dequantized": h.tolist(), "layers": layers}


os.makedirs(OUT, exist_ok=True)
cases = [
    build("mlp_int8_per_tensor.onnx", [20, 16, 8, 3], ["relu", "tanh", "softmax"], per_channel=False, opset=13),
    build("mlp_int8_per_channel.onnx", [20, 16, 8, 3], ["relu", "relu", "softmax"], per_channel=True, opset=17, input_shape=[4, 5]),
    build("mlp_int8_gemm_float.onnx", [12, 10, 4], ["relu", "linear"], per_channel=True, opset=17, quantized_layers={0}),
]
build("mlp_int8_zero_point.onnx", [6, 4, 2], ["relu", "softmax"], per_channel=False, opset=13, zero_point=3)
build("mlp_uint8_weights.onnx", [6, 4, 2], ["relu", "softmax"], per_channel=False, opset=13, weight_type="uint8")
build("mlp_qdq_static.onnx", [6, 4, 2], ["relu", "softmax"], per_channel=False, opset=13, static=True)
with open(os.path.join(OUT, "expected.json"), "w") as f:
    json.dump(cases, f)
print("wrote", OUT)
