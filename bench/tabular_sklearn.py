# scikit-learn's side of bench/tabular.js: reads the encoded splits (JSON on stdin), trains
# MLPClassifier/MLPRegressor with the settings given (like for like with wasmlp), and prints
# held-out accuracy or R² and training seconds per dataset and seed as JSON.
import json, sys, time, warnings
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.metrics import r2_score
from threadpoolctl import threadpool_info

warnings.filterwarnings("ignore", category=ConvergenceWarning)
job = json.load(sys.stdin)
out = {"threadpools": [{k: p.get(k) for k in ("internal_api", "num_threads", "version")} for p in threadpool_info()], "results": []}
for d in job["datasets"]:
    for run in d["runs"]:
        xtr = np.array(run["xTrain"], dtype=np.float64).reshape(-1, d["inputs"])
        xte = np.array(run["xTest"], dtype=np.float64).reshape(-1, d["inputs"])
        common = dict(hidden_layer_sizes=tuple(d["hidden"]), activation="relu", solver="adam", learning_rate_init=d["lr"],
                      batch_size=d["batch"], alpha=d["l2"], tol=0.0, n_iter_no_change=d["epochs"], max_iter=d["epochs"],
                      shuffle=True, random_state=run["seed"], early_stopping=False)
        if d["task"] == "classification":
            ytr, yte = np.array(run["yTrain"]), np.array(run["yTest"])
            model = MLPClassifier(**common)
            t0 = time.perf_counter(); model.fit(xtr, ytr); seconds = time.perf_counter() - t0
            score = float((model.predict(xte) == yte).mean())
        else:
            k = d["outputs"]
            ytr = np.array(run["yTrain"], dtype=np.float64).reshape(-1, k)
            yte = np.array(run["yTestRaw"], dtype=np.float64).reshape(-1, k)
            model = MLPRegressor(**common)
            t0 = time.perf_counter(); model.fit(xtr, ytr if k > 1 else ytr.ravel()); seconds = time.perf_counter() - t0
            pred = model.predict(xte).reshape(-1, k) * np.array(d["std"]) + np.array(d["mean"])
            score = float(np.mean([r2_score(yte[:, j], pred[:, j]) for j in range(k)]))
        out["results"].append({"dataset": d["name"], "seed": run["seed"], "score": score, "seconds": seconds, "epochs": int(model.n_iter_)})
json.dump(out, sys.stdout)
