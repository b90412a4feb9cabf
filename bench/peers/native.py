# Native anchors for bench/peers/run.js (optional: run only when /usr/bin/python3 has them).
# PyTorch (CPU, one thread) and scikit-learn on the networks of bench/train.js: one-sample
# inference latency, batch-1024 inference throughput, training samples/s (one optimizer step
# per batch). Prints one JSON object; medians of repeated timings after warm-up.
import json
import sys
import time

NETWORKS = [
    {"name": "784-128-10", "sizes": [784, 128, 10], "act": "sigmoid", "opt": "sgd", "lr": 0.1, "batch": 64},
    {"name": "784-256-128-10", "sizes": [784, 256, 128, 10], "act": "relu", "opt": "adam", "lr": 0.001, "batch": 128},
]
BUDGET = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0  # seconds per measurement


def median_time(fn):
    """Median seconds per call over BUDGET seconds, after warm-up."""
    for _ in range(5):
        fn()
    samples = []
    end = time.perf_counter() + BUDGET
    while time.perf_counter() < end or len(samples) < 5:
        reps, t0 = 0, time.perf_counter()
        while True:
            fn()
            reps += 1
            dt = time.perf_counter() - t0
            if dt > 0.01:
                break
        samples.append(dt / reps)
    samples.sort()
    return samples[len(samples) // 2]


def data(m):
    # The same fixed batch as bench/train.js batchOf(): pixels ((i·7919) mod 1000)/1000, labels (i·7) mod 10.
    import numpy as np
    i = np.arange(m * 784, dtype=np.int64)
    x = (((i * 7919) % 1000) / 1000).astype(np.float32).reshape(m, 784)
    y = ((np.arange(m) * 7) % 10).astype(np.int64)
    return x, y


def torch_results():
    import torch
    torch.set_num_threads(1)
    out = {"version": torch.__version__, "threads": torch.get_num_threads(), "networks": {}}
    for net in NETWORKS:
        torch.manual_seed(1)
        layers = []
        for k, n in zip(net["sizes"][:-1], net["sizes"][1:]):
            layers += [torch.nn.Linear(k, n), torch.nn.Sigmoid() if net["act"] == "sigmoid" else torch.nn.ReLU()]
        model = torch.nn.Sequential(*layers[:-1])  # logits; softmax is inside the loss
        opt = (torch.optim.SGD if net["opt"] == "sgd" else torch.optim.Adam)(model.parameters(), lr=net["lr"])
        loss_fn = torch.nn.CrossEntropyLoss()
        x, y = data(net["batch"])
        xb, yb = torch.from_numpy(x), torch.from_numpy(y)

        def step():
            opt.zero_grad(set_to_none=True)
            loss_fn(model(xb), yb).backward()
            opt.step()

        train = net["batch"] / median_time(step)
        big = torch.from_numpy(data(1024)[0])
        one = big[:1].clone()
        with torch.inference_mode():
            lat = median_time(lambda: torch.softmax(model(one), 1))
            thr = 1024 / median_time(lambda: torch.softmax(model(big), 1))
        out["networks"][net["name"]] = {"train": train, "one": lat, "batch": thr}
    return out


def sklearn_results():
    import numpy as np
    import sklearn
    from sklearn.neural_network import MLPClassifier
    out = {"version": sklearn.__version__, "networks": {}}
    for net in NETWORKS:
        x, y = data(net["batch"])
        clf = MLPClassifier(hidden_layer_sizes=tuple(net["sizes"][1:-1]), activation="logistic" if net["act"] == "sigmoid" else "relu",
                            solver=net["opt"], learning_rate_init=net["lr"], batch_size=net["batch"], random_state=1)
        clf.partial_fit(x, y, classes=np.arange(10))
        train = net["batch"] / median_time(lambda: clf.partial_fit(x, y))
        big = data(1024)[0]
        one = big[:1].copy()
        lat = median_time(lambda: clf.predict_proba(one))
        thr = 1024 / median_time(lambda: clf.predict_proba(big))
        out["networks"][net["name"]] = {"train": train, "one": lat, "batch": thr}
    return out


result = {}
for name, fn in [("torch", torch_results), ("sklearn", sklearn_results)]:
    try:
        result[name] = fn()
    except ImportError as e:
        result[name] = {"missing": str(e)}
print(json.dumps(result))
