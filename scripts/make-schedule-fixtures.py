#!/usr/bin/python3
"""Fixtures for the training schedule, computed by PyTorch in float64 (an oracle wasmlp did not write).

Each case is a small network, a batch and a few training steps: the initial weights, the loss of
each step and the weights after the last, for every optimizer, every loss and every schedule
feature (clipping, penalties, sample and class weights, a learning-rate schedule, batch and layer
normalization). Run with Debian's python3-torch:  /usr/bin/python3 scripts/make-schedule-fixtures.py
Writes test/fixtures/schedule/*.json; npm test never runs this.

Conventions are set so that PyTorch's equal wasmlp's (which follow Keras): Adam, AdamW and RMSprop
are torch.optim's with eps outside the square root; where torch.optim differs, the update is
written below in torch ops, each with a one-line comment.
"""
import json
import math
import os

import torch

torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "schedule")
EPS = 1e-7  # Keras's epsilon: probability clamp, optimizer epsilon


def activation(name, z):
    if name == "tanh":
        return torch.tanh(z)
    if name == "sigmoid":
        return torch.sigmoid(z)
    if name == "softmax":
        return torch.softmax(z, dim=1)
    if name == "linear":
        return z
    if name == "relu":
        return torch.relu(z)
    raise ValueError(name)


def loss_of(name, a, y):
    """Per-sample losses as wasmlp defines them (sums over units for cross-entropies, means otherwise)."""
    n = a.shape[1]
    if name == "binary-crossentropy":
        p = a.clamp(EPS, 1 - EPS)
        return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).sum(1)
    if name == "categorical-crossentropy":
        return -(y * torch.log(a.clamp(EPS, 1 - EPS))).sum(1)
    if name == "mse":
        return ((a - y) ** 2).sum(1) / n
    if name == "mae":
        return (a - y).abs().sum(1) / n
    if name == "huber":
        d = (a - y).abs()
        return torch.where(d <= 1, 0.5 * d * d, d - 0.5).sum(1) / n
    if name == "hinge":
        t = torch.where(y > 0, 1.0, -1.0)
        return torch.clamp(1 - t * a, min=0).sum(1) / n
    raise ValueError(name)


def learning_rate(opt, step):
    s = opt.get("schedule")
    if s is None:
        return opt["learningRate"]
    if s["type"] == "exponential":  # Keras ExponentialDecay, continuous
        return s["initialLearningRate"] * s["decayRate"] ** (step / s["decaySteps"])
    if s["type"] == "cosine":  # Keras CosineDecay
        c = 0.5 * (1 + math.cos(math.pi * min(step, s["decaySteps"]) / s["decaySteps"]))
        return s["initialLearningRate"] * ((1 - s.get("alpha", 0)) * c + s.get("alpha", 0))
    raise ValueError(s["type"])


def f32(t):
    """The same values rounded to float32: wasmlp's API takes data (and the wasm network weights) as float32."""
    return t.float().double()


def run(case):
    g = torch.Generator().manual_seed(case["seed"])
    net = case["network"]
    sizes = [net["inputSize"]] + [l["units"] for l in net["layers"]]
    m = case["batch"]
    x = f32(torch.randn(m, sizes[0], generator=g))
    out = sizes[-1]
    if net["loss"] == "categorical-crossentropy":
        y = torch.nn.functional.one_hot(torch.randint(0, out, (m,), generator=g), out).double()
    elif net["loss"] in ("binary-crossentropy", "hinge"):
        y = torch.randint(0, 2, (m, out), generator=g).double()
    else:
        y = f32(torch.randn(m, out, generator=g))

    W, b, gamma, beta, moving = [], [], {}, {}, {}
    for l, layer in enumerate(net["layers"]):
        W.append(f32(torch.randn(sizes[l + 1], sizes[l], generator=g) * (1 / math.sqrt(sizes[l]))).requires_grad_())
        b.append(f32(torch.randn(sizes[l + 1], generator=g) * 0.1).requires_grad_())
        norm = layer.get("normalization")
        if norm:
            gamma[l] = f32(1 + 0.1 * torch.randn(sizes[l + 1], generator=g)).requires_grad_()
            beta[l] = f32(0.1 * torch.randn(sizes[l + 1], generator=g)).requires_grad_()
            if norm["type"] == "batch":
                moving[l] = [torch.zeros(sizes[l + 1]), torch.ones(sizes[l + 1])]
    trainable = []
    for l in range(len(W)):
        trainable += [W[l], b[l]]
    for l in sorted(gamma):
        trainable += [gamma[l], beta[l]]

    def tensors():
        out = [t.detach().clone() for t in trainable]
        for l in sorted(moving):
            out += [moving[l][0].clone(), moving[l][1].clone()]
        return out

    initial = [t.flatten().tolist() for t in tensors()]
    weights = None
    if "sampleWeight" in case:
        weights = torch.tensor(case["sampleWeight"])
    if "classWeight" in case:
        cw = torch.tensor([case["classWeight"].get(str(c), 1.0) for c in range(out)])
        weights = (y * cw).sum(1) * (weights if weights is not None else 1)

    opt = case["optimizer"]
    kind = opt["type"]
    state = [dict() for _ in trainable]
    losses = []
    for step in range(case["steps"]):
        a = x
        stats = {}
        for l, layer in enumerate(net["layers"]):
            z = a @ W[l].T + b[l]
            norm = layer.get("normalization")
            if norm and norm["type"] == "batch":  # Keras: batch mean and biased variance in training
                mean, var = z.mean(0), z.var(0, unbiased=False)
                stats[l] = (mean.detach(), var.detach())
                z = gamma[l] * (z - mean) / torch.sqrt(var + norm["epsilon"]) + beta[l]
            elif norm and norm["type"] == "layer":
                mean, var = z.mean(1, keepdim=True), z.var(1, unbiased=False, keepdim=True)
                z = gamma[l] * (z - mean) / torch.sqrt(var + norm["epsilon"]) + beta[l]
            a = activation(layer["activation"], z)
        per_sample = loss_of(net["loss"], a, y)
        data = (per_sample * weights).sum() / m if weights is not None else per_sample.mean()
        penalty = sum(
            (layer.get("l1", 0) * W[l].abs().sum() + layer.get("l2", 0) * (W[l] ** 2).sum())
            for l, layer in enumerate(net["layers"])
        )
        total = data + penalty
        losses.append(total.item())
        for t in trainable:
            t.grad = None
        total.backward()
        grads = [t.grad.clone() for t in trainable]
        for l, layer in enumerate(net["layers"]):
            if layer.get("normalization", {}).get("type") == "batch":
                grads[2 * l + 1].zero_()  # wasmlp keeps a batch-normalized layer's bias gradient exactly 0 (it cancels)
        with torch.no_grad():
            if "clipValue" in opt:
                grads = [gr.clamp(-opt["clipValue"], opt["clipValue"]) for gr in grads]
            if "clipNorm" in opt:
                norm = math.sqrt(sum((gr ** 2).sum().item() for gr in grads))
                if norm > opt["clipNorm"]:
                    grads = [gr * (opt["clipNorm"] / norm) for gr in grads]
            lr = learning_rate(opt, step)
            t = step + 1
            for p, gr, s in zip(trainable, grads, state):
                if kind == "sgd":
                    p -= lr * gr
                elif kind in ("momentum", "nesterov"):
                    # Keras's form, v = μv − lr·g (torch.optim.SGD keeps v/−lr, which differs once lr changes)
                    v = s.setdefault("v", torch.zeros_like(p))
                    v.mul_(opt["momentum"]).sub_(lr * gr)
                    p += opt["momentum"] * v - lr * gr if kind == "nesterov" else v
                elif kind in ("adam", "adamw"):
                    if kind == "adamw":
                        p -= lr * opt["weightDecay"] * p
                    mo = s.setdefault("m", torch.zeros_like(p))
                    ve = s.setdefault("v", torch.zeros_like(p))
                    mo.mul_(opt["beta1"]).add_((1 - opt["beta1"]) * gr)
                    ve.mul_(opt["beta2"]).add_((1 - opt["beta2"]) * gr * gr)
                    mhat = mo / (1 - opt["beta1"] ** t)
                    vhat = ve / (1 - opt["beta2"] ** t)
                    p -= lr * mhat / (torch.sqrt(vhat) + opt["epsilon"])
                elif kind == "rmsprop":
                    ve = s.setdefault("v", torch.zeros_like(p))
                    ve.mul_(opt["rho"]).add_((1 - opt["rho"]) * gr * gr)
                    p -= lr * gr / (torch.sqrt(ve) + opt["epsilon"])
                elif kind == "adagrad":
                    # Keras's form, ε inside the square root (torch.optim.Adagrad adds it outside)
                    acc = s.setdefault("acc", torch.full_like(p, opt["initialAccumulatorValue"]))
                    acc.add_(gr * gr)
                    p -= lr * gr / torch.sqrt(acc + opt["epsilon"])
            for l, (mean, var) in stats.items():  # Keras's moving statistics: mom·old + (1 − mom)·batch
                mom = net["layers"][l]["normalization"]["momentum"]
                moving[l][0].mul_(mom).add_((1 - mom) * mean)
                moving[l][1].mul_(mom).add_((1 - mom) * var)

    return {
        "x": x.tolist(), "y": y.tolist(), "initial": initial, "losses": losses,
        "final": [t.flatten().tolist() for t in tensors()],
    }


ADAM = {"type": "adam", "learningRate": 0.01, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-7}
OPTIMIZERS = {
    "sgd": {"type": "sgd", "learningRate": 0.1},
    "momentum": {"type": "momentum", "learningRate": 0.05, "momentum": 0.9},
    "nesterov": {"type": "nesterov", "learningRate": 0.05, "momentum": 0.9},
    "adam": ADAM,
    "adamw": {**ADAM, "type": "adamw", "weightDecay": 0.004},
    "rmsprop": {"type": "rmsprop", "learningRate": 0.01, "rho": 0.9, "epsilon": 1e-7},
    "adagrad": {"type": "adagrad", "learningRate": 0.1, "initialAccumulatorValue": 0.1, "epsilon": 1e-7},
}
OUTPUT = {"binary-crossentropy": "sigmoid", "categorical-crossentropy": "softmax", "mse": "linear", "mae": "linear", "huber": "linear", "hinge": "tanh"}


def network(loss="categorical-crossentropy", hidden=None, **last):
    hidden = hidden or {"units": 5, "activation": "tanh"}
    return {"inputSize": 4, "layers": [hidden, {"units": 3, "activation": OUTPUT[loss], **last}], "loss": loss}


CASES = {}
for name, opt in OPTIMIZERS.items():
    CASES[f"optimizer-{name}"] = {"network": network(), "optimizer": opt}
for loss in OUTPUT:
    CASES[f"loss-{loss}"] = {"network": network(loss), "optimizer": ADAM}
CASES["clip-norm"] = {"network": network(), "optimizer": {**OPTIMIZERS["sgd"], "clipNorm": 0.05}}
CASES["clip-value"] = {"network": network(), "optimizer": {**OPTIMIZERS["sgd"], "clipValue": 0.02}}
CASES["penalty-l1-l2"] = {"network": network(hidden={"units": 5, "activation": "tanh", "l1": 0.01, "l2": 0.02}, l2=0.01), "optimizer": ADAM}
CASES["sample-weight"] = {"network": network(), "optimizer": ADAM, "sampleWeight": [0.5, 2.0, 1.0, 0.0, 1.5, 1.0, 3.0, 0.25]}
CASES["class-weight"] = {"network": network(), "optimizer": ADAM, "classWeight": {"0": 1.0, "1": 2.5, "2": 0.5}}
CASES["schedule-exponential"] = {"network": network(), "optimizer": {**OPTIMIZERS["momentum"], "schedule": {"type": "exponential", "initialLearningRate": 0.05, "decaySteps": 2, "decayRate": 0.5}}}
CASES["schedule-cosine"] = {"network": network(), "optimizer": {**ADAM, "schedule": {"type": "cosine", "initialLearningRate": 0.01, "decaySteps": 4, "alpha": 0.1}}}
CASES["batch-normalization"] = {"network": network(hidden={"units": 5, "activation": "tanh", "normalization": {"type": "batch", "momentum": 0.99, "epsilon": 1e-3}}), "optimizer": ADAM}
CASES["layer-normalization"] = {"network": network(hidden={"units": 5, "activation": "tanh", "normalization": {"type": "layer", "epsilon": 1e-3}}), "optimizer": ADAM}

if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    for i, (name, case) in enumerate(CASES.items()):
        case = {"seed": 1000 + i, "batch": 8, "steps": 4, **case}
        with open(os.path.join(OUT, f"{name}.json"), "w") as f:
            json.dump({"name": name, "torch": torch.__version__, **case, **run(case)}, f)
            f.write("\n")
    print(f"wrote {len(CASES)} fixtures to {os.path.normpath(OUT)}")
