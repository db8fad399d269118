"""Optuna's samplers on the synthetic objectives of src/tune/synthetic.ts, for `npm run bench -- tuning`.

Usage: optuna_tune.py --objectives branin,hartmann6 --samplers random,tpe,tpe-mv --seeds 20 [--first-seed 0] --trials 60
Prints one JSON object: {"version": ..., "results": {objective: {sampler: {"best": [per seed], "seconds": s}}}}.
The spaces and functions mirror synthetic.ts exactly (same names, bounds, log scales, steps, conditions).
"""
import argparse
import json
import math
import sys
import time
import warnings

import optuna

H6_ALPHA = [1.0, 1.2, 3.0, 3.2]
H6_A = [
    [10, 3, 17, 3.5, 1.7, 8],
    [0.05, 10, 17, 0.1, 8, 14],
    [3, 3.5, 1.7, 10, 17, 8],
    [17, 8, 0.05, 10, 0.1, 14],
]
H6_P = [[v * 1e-4 for v in row] for row in [
    [1312, 1696, 5569, 124, 8283, 5886],
    [2329, 4135, 8307, 3736, 1004, 9991],
    [2348, 1451, 3522, 2883, 3047, 6650],
    [4047, 8828, 8732, 5743, 1091, 381],
]]


def branin(trial):
    x1 = trial.suggest_float("x1", -5, 10)
    x2 = trial.suggest_float("x2", 0, 15)
    b = 5.1 / (4 * math.pi ** 2)
    c = 5 / math.pi
    t = 1 / (8 * math.pi)
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


def hartmann6(trial):
    x = [trial.suggest_float(f"x{j + 1}", 0, 1) for j in range(6)]
    total = 0.0
    for i in range(4):
        inner = sum(H6_A[i][j] * (x[j] - H6_P[i][j]) ** 2 for j in range(6))
        total += H6_ALPHA[i] * math.exp(-inner)
    return -total


def conditional(trial):
    branch = trial.suggest_categorical("branch", ["quad", "log", "flat"])
    if branch == "quad":
        x = trial.suggest_float("x", -5, 5)
        y = trial.suggest_float("y", -5, 5)
        return (x - 1) ** 2 + (y + 2) ** 2 + 1
    if branch == "log":
        lr = trial.suggest_float("lr", 1e-5, 1, log=True)
        width = trial.suggest_int("width", 8, 512, step=8)
        return (math.log10(lr) + 3) ** 2 + ((width - 200) / 100) ** 2
    return 2 + trial.suggest_float("c", 0, 1)


def rosenbrock4_log(trial):
    x = [trial.suggest_float(f"x{j + 1}", 0.01, 10, log=True) for j in range(4)]
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(3))


OBJECTIVES = {"branin": branin, "hartmann6": hartmann6, "conditional": conditional, "rosenbrock4-log": rosenbrock4_log}


def make_sampler(name, seed):
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "tpe-mv":
        return optuna.samplers.TPESampler(seed=seed, multivariate=True, warn_independent_sampling=False)
    raise SystemExit(f"unknown sampler {name!r}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--objectives", default=",".join(OBJECTIVES))
    ap.add_argument("--samplers", default="random,tpe,tpe-mv")
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--trials", type=int, default=60)
    args = ap.parse_args()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.simplefilter("ignore")
    results = {}
    for obj in args.objectives.split(","):
        if obj not in OBJECTIVES:
            raise SystemExit(f"unknown objective {obj!r}; expected one of {', '.join(OBJECTIVES)}")
        results[obj] = {}
        for name in args.samplers.split(","):
            start = time.perf_counter()
            best = []
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                study = optuna.create_study(direction="minimize", sampler=make_sampler(name, seed))
                study.optimize(OBJECTIVES[obj], n_trials=args.trials)
                best.append(study.best_value)
            results[obj][name] = {"best": best, "seconds": time.perf_counter() - start}
            print(f"optuna {obj} {name} done", file=sys.stderr)
    json.dump({"version": optuna.__version__, "results": results}, sys.stdout)


if __name__ == "__main__":
    main()
