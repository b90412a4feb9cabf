# Native peers for the threads comparison (optional; never part of npm test): PyTorch and
# scikit-learn on 1 and 2 threads, the same networks and batches as bench/threads.js.
# Run by bench/peers/run.js when /usr/bin/python3 has torch / sklearn. Prints one table.
# Usage: /usr/bin/python3 bench/peers/native_threads.py [--quick] [--data DIR]
import gzip, os, statistics, sys, time

quick = "--quick" in sys.argv
data_dir = sys.argv[sys.argv.index("--data") + 1] if "--data" in sys.argv else "/usr/share/datasets/fashion-mnist"
rows = []

def median_seconds(fn, seconds):
    for _ in range(3):
        fn()
    samples, end = [], time.perf_counter() + seconds
    while time.perf_counter() < end or len(samples) < 5:
        t = time.perf_counter(); fn(); samples.append(time.perf_counter() - t)
    return statistics.median(samples)

try:
    import torch
    torch.manual_seed(1)
    nets = [
        ("784-128-10 sigmoid, SGD, b64", 64, lambda: torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.Sigmoid(), torch.nn.Linear(128, 10)), lambda p: torch.optim.SGD(p, lr=0.1)),
        ("784-256-128-10 relu, Adam, b128", 128, lambda: torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10)), lambda p: torch.optim.Adam(p, lr=1e-3)),
        ("784-512-256-10 relu, Adam, b256", 256, lambda: torch.nn.Sequential(torch.nn.Linear(784, 512), torch.nn.ReLU(), torch.nn.Linear(512, 256), torch.nn.ReLU(), torch.nn.Linear(256, 10)), lambda p: torch.optim.Adam(p, lr=1e-3)),
    ]
    loss_fn = torch.nn.CrossEntropyLoss()
    for name, batch, make, opt in nets:
        x = (torch.arange(batch * 784, dtype=torch.float32).reshape(batch, 784) * 7919 % 1000) / 1000
        y = torch.arange(batch) * 7 % 10
        per_thread = []
        for threads in (1, 2):
            torch.set_num_threads(threads)
            model = make(); o = opt(model.parameters())
            def step():
                o.zero_grad(); loss = loss_fn(model(x), y); loss.backward(); o.step()
            per_thread.append(batch / median_seconds(step, 0.5 if quick else 2))
        rows.append((f"PyTorch {torch.__version__}", name, "samples/s", f"{per_thread[0]:,.0f}", f"{per_thread[1]:,.0f}"))
    for threads in (1, 2):
        torch.set_num_threads(threads)
    a = torch.rand(512, 512); b = torch.rand(512, 512)
    g = []
    for threads in (1, 2):
        torch.set_num_threads(threads)
        g.append(2 * 512 ** 3 / median_seconds(lambda: torch.mm(a, b), 0.5 if quick else 1) / 1e9)
    rows.append((f"PyTorch {torch.__version__}", "GEMM 512³", "GFLOP/s", f"{g[0]:.1f}", f"{g[1]:.1f}"))
except ImportError:
    print("(PyTorch not installed: apt-get install python3-torch)")

def idx(path):
    with gzip.open(path) as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return raw[4 + 4 * dims:], shape

try:
    # scikit-learn's products run on NumPy's BLAS: its float32 GEMM on this machine's cores.
    import numpy as np
    from threadpoolctl import threadpool_limits, threadpool_info
    a = np.random.default_rng(1).random((512, 512), dtype=np.float32); b = a.T.copy()
    g = []
    for threads in (1, 2):
        with threadpool_limits(limits=threads):
            g.append(2 * 512 ** 3 / median_seconds(lambda: a @ b, 0.5 if quick else 1) / 1e9)
    blas = next((f"{i['internal_api']} {i.get('version') or ''}".strip() for i in threadpool_info() if i["user_api"] == "blas"), "BLAS")
    rows.append((f"NumPy {np.__version__} ({blas})", "float32 GEMM 512³", "GFLOP/s", f"{g[0]:.1f}", f"{g[1]:.1f}"))
except ImportError as e:
    print(f"(NumPy GEMM skipped: {e})")

try:
    import numpy as np
    from sklearn.neural_network import MLPClassifier
    from threadpoolctl import threadpool_limits
    if quick or not os.path.exists(os.path.join(data_dir, "train-images-idx3-ubyte.gz")):
        print("(scikit-learn epoch skipped: --quick or no Fashion-MNIST in " + data_dir + ")")
    else:
        px, shape = idx(os.path.join(data_dir, "train-images-idx3-ubyte.gz"))
        lb, _ = idx(os.path.join(data_dir, "train-labels-idx1-ubyte.gz"))
        X = np.frombuffer(px, dtype=np.uint8).reshape(shape[0], 784).astype(np.float32) / 255
        Y = np.frombuffer(lb, dtype=np.uint8)
        import sklearn, warnings
        # The two networks of bench/threads.js's epochs, without the L2 penalty wasmlp does not add
        # (alpha=0); the median of three epochs per thread count, the counts alternating.
        epochs = [
            ("Fashion-MNIST epoch, 784-128-10 sigmoid, SGD b64", dict(hidden_layer_sizes=(128,), activation="logistic", solver="sgd", batch_size=64,
                                                                    learning_rate_init=0.1, momentum=0, nesterovs_momentum=False)),
            ("Fashion-MNIST epoch, 784-256-128-10 b128", dict(hidden_layer_sizes=(256, 128), batch_size=128, learning_rate_init=1e-3)),
        ]
        for name, settings in epochs:
            secs = {1: [], 2: []}
            for _ in range(3):
                for threads in (1, 2):
                    with threadpool_limits(limits=threads):
                        clf = MLPClassifier(alpha=0, max_iter=1, shuffle=True, random_state=1, **settings)
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")
                            t = time.perf_counter(); clf.fit(X, Y); secs[threads].append(time.perf_counter() - t)
            rows.append((f"scikit-learn {sklearn.__version__}", name, "seconds", f"{statistics.median(secs[1]):.2f}", f"{statistics.median(secs[2]):.2f}"))
except ImportError as e:
    print(f"(scikit-learn not available: {e})")

if rows:
    headers = ("peer", "case", "unit", "1 thread", "2 threads")
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    print("  ".join(h.rjust(w) for h, w in zip(headers, widths)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(c.rjust(w) for c, w in zip(r, widths)))
