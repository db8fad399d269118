"""PyTorch peer for `npm run bench -- train`: builds the same ModelSpec (src/models/types.ts) as an
nn.Module and times training, batch inference and single-image latency the way our engine is timed.

Run with Debian's interpreter (python3-torch), not a virtualenv's:

    /usr/bin/python3 bench/peers/torch_train.py serve          # JSON lines, driven by bench/train.ts
    /usr/bin/python3 bench/peers/torch_train.py run SPEC.json [--batches 10] [--threads 2] [--channels-last]
    node bin/fmnist.js models small-cnn --json | /usr/bin/python3 bench/peers/torch_train.py run -
    /usr/bin/python3 bench/peers/torch_train.py check SPEC.json   # parameter count and output shape

In `serve` mode requests come one JSON object a line on stdin and each answer goes, one line, to
file descriptor 3 (stdout is left to libraries that print). Ops: info, load, train, infer, latency, quit.

Translation: NCHW instead of Keras's NHWC (same arithmetic, torch's native layout); 'same' padding
as TensorFlow computes it (asymmetric when the total is odd); Keras BatchNormalization's momentum m
becomes torch's 1 - m, with Keras's epsilon (1e-3 by default); a final softmax is folded into
CrossEntropyLoss on logits (what a PyTorch user writes) and applied after the model at inference;
L1/L2 kernel regularizers are added to the loss as Keras does. Adam with Keras's epsilon 1e-7.
Each timed request may set `threads` and `channelsLast` (NHWC memory format for image models).
"""
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

# Defaults that follow Keras, as src/models/types.ts DEFAULTS.
LEAKY_RELU_ALPHA = 0.3
POOL_SIZE = 2
BN_MOMENTUM = 0.99
BN_EPSILON = 1e-3
BOTTLENECK_EXPANSION = 4
ADAM_LR = 1e-3
KERAS_EPSILON = 1e-7
INPUT_SHAPES = {"flat": (784,), "image": (1, 28, 28)}
# The random training pool holds at most this many batches; rounds go over it in shuffled epochs,
# as the harness's trainer does (bench/lib/rounds.ts: splitRound).
POOL_BATCHES = 32


class SpecError(ValueError):
    pass


def pair(v):
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


def same_pads(size, window, stride):
    """TensorFlow's 'same' padding along one axis: (before, after), the extra cell going after."""
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + window - size, 0)
    return total // 2, total - total // 2


def window_out(size, window, stride, padding):
    if padding == "same":
        return math.ceil(size / stride)
    return (size - window) // stride + 1


def activation_module(a, where):
    if a is None or a == "linear":
        return None
    if isinstance(a, dict):
        if a.get("type") != "leakyRelu":
            raise SpecError(f"{where}: unknown activation {json.dumps(a)}")
        return nn.LeakyReLU(float(a["alpha"]))
    table = {
        "relu": nn.ReLU, "elu": nn.ELU, "selu": nn.SELU, "gelu": nn.GELU, "tanh": nn.Tanh,
        "sigmoid": nn.Sigmoid, "leakyRelu": lambda: nn.LeakyReLU(LEAKY_RELU_ALPHA),
        "softmax": lambda: nn.Softmax(dim=1),
    }
    if a not in table:
        raise SpecError(f"{where}: unknown activation '{a}'; expected one of linear, {', '.join(table)}")
    return table[a]()


class TfAvgPoolSame(nn.Module):
    """Average pool with TensorFlow's 'same' padding: padded cells are left out of each mean."""

    def __init__(self, shape, size, stride):
        super().__init__()
        _, h, w = shape
        (top, bottom), (left, right) = same_pads(h, size[0], stride[0]), same_pads(w, size[1], stride[1])
        self.pad = (left, right, top, bottom)
        self.size, self.stride = size, stride
        ones = F.pad(torch.ones(1, 1, h, w), self.pad)
        counts = F.avg_pool2d(ones, size, stride) * (size[0] * size[1])
        self.register_buffer("scale", (size[0] * size[1]) / counts, persistent=False)

    def forward(self, x):
        return F.avg_pool2d(F.pad(x, self.pad), self.size, self.stride) * self.scale


class Residual(nn.Module):
    """He et al.'s post-activation block, as src/models/build.ts builds it."""

    def __init__(self, branch, shortcut, act):
        super().__init__()
        self.branch, self.shortcut, self.act = branch, shortcut, act

    def forward(self, x):
        y = self.branch(x) + self.shortcut(x)
        return self.act(y) if self.act is not None else y


class Builder:
    """Turns spec layers into modules while tracking the per-example shape: (c, h, w) or (n,)."""

    def __init__(self):
        self.regularized = []  # (parameter, l1, l2)

    def regularize(self, weight, reg):
        if reg:
            self.regularized.append((weight, float(reg.get("l1", 0)), float(reg.get("l2", 0))))

    def image(self, shape, kind, where):
        if len(shape) != 3:
            raise SpecError(f"{where} ({kind}): needs an image-shaped input, got {list(shape)}")
        return shape

    def conv(self, shape, filters, kernel, stride, padding, bias, reg, where):
        c, h, w = self.image(shape, "conv", where)
        kh, kw = pair(kernel)
        sh, sw = pair(stride)
        mods = []
        pad = 0
        if padding == "same":
            (top, bottom), (left, right) = same_pads(h, kh, sh), same_pads(w, kw, sw)
            if top == bottom and left == right:
                pad = (top, left)
            else:
                mods.append(nn.ZeroPad2d((left, right, top, bottom)))
        elif padding != "valid":
            raise SpecError(f"{where} (conv): padding must be 'same' or 'valid', got {padding!r}")
        conv = nn.Conv2d(c, filters, (kh, kw), (sh, sw), padding=pad, bias=bias)
        self.regularize(conv.weight, reg)
        mods.append(conv)
        out = (filters, window_out(h, kh, sh, padding), window_out(w, kw, sw, padding))
        return mods, out

    def batch_norm(self, shape, momentum, epsilon):
        cls = nn.BatchNorm2d if len(shape) == 3 else nn.BatchNorm1d
        return cls(shape[0], eps=epsilon, momentum=1 - momentum)

    def residual(self, shape, layer, where):
        c, h, w = self.image(shape, "residual", where)
        act_spec = layer.get("activation", "relu")
        stride = int(layer.get("stride", 1))
        reg = layer.get("regularizer")
        filters = int(layer["filters"])
        if layer["block"] == "basic":
            stages = [(filters, 3, stride), (filters, 3, 1)]
        elif layer["block"] == "bottleneck":
            expansion = int(layer.get("expansion", BOTTLENECK_EXPANSION))
            stages = [(filters, 1, 1), (filters, 3, stride), (filters * expansion, 1, 1)]
        else:
            raise SpecError(f"{where} (residual): block must be 'basic' or 'bottleneck', got {layer['block']!r}")
        branch, s = [], shape
        for i, (f, k, st) in enumerate(stages):
            mods, s = self.conv(s, f, k, st, "same", False, reg, where)
            branch += mods + [self.batch_norm(s, BN_MOMENTUM, BN_EPSILON)]
            if i < len(stages) - 1:
                a = activation_module(act_spec, where)
                if a is not None:
                    branch.append(a)
        out_c = stages[-1][0]
        if stride != 1 or c != out_c:
            mods, ps = self.conv(shape, out_c, 1, stride, "same", False, reg, where)
            shortcut = nn.Sequential(*mods, self.batch_norm(ps, BN_MOMENTUM, BN_EPSILON))
        else:
            shortcut = nn.Identity()
        return Residual(nn.Sequential(*branch), shortcut, activation_module(act_spec, where)), s

    def layer(self, shape, layer, where):
        t = layer.get("type")
        if t == "dense":
            if len(shape) != 1:
                raise SpecError(f"{where} (dense): input {list(shape)} is not flat; add flatten first")
            lin = nn.Linear(shape[0], int(layer["units"]), bias=layer.get("useBias", True))
            self.regularize(lin.weight, layer.get("regularizer"))
            a = activation_module(layer.get("activation"), where)
            return [lin] + ([a] if a is not None else []), (int(layer["units"]),)
        if t == "conv":
            mods, out = self.conv(shape, int(layer["filters"]), layer["kernel"], layer.get("stride", 1),
                                  layer.get("padding", "valid"), layer.get("useBias", True),
                                  layer.get("regularizer"), where)
            a = activation_module(layer.get("activation"), where)
            return mods + ([a] if a is not None else []), out
        if t in ("maxPool", "avgPool"):
            c, h, w = self.image(shape, t, where)
            size = pair(layer.get("size", POOL_SIZE))
            stride = pair(layer["stride"]) if "stride" in layer else size
            padding = layer.get("padding", "valid")
            out = (c, window_out(h, size[0], stride[0], padding), window_out(w, size[1], stride[1], padding))
            if padding == "valid":
                pool = nn.MaxPool2d(size, stride) if t == "maxPool" else nn.AvgPool2d(size, stride)
                return [pool], out
            if t == "avgPool":
                return [TfAvgPoolSame(shape, size, stride)], out
            (top, bottom), (left, right) = same_pads(h, size[0], stride[0]), same_pads(w, size[1], stride[1])
            return [nn.ConstantPad2d((left, right, top, bottom), float("-inf")), nn.MaxPool2d(size, stride)], out
        if t in ("globalAvgPool", "globalMaxPool"):
            c, _, _ = self.image(shape, t, where)
            pool = nn.AdaptiveAvgPool2d(1) if t == "globalAvgPool" else nn.AdaptiveMaxPool2d(1)
            return [pool, nn.Flatten()], (c,)
        if t == "flatten":
            return ([] if len(shape) == 1 else [nn.Flatten()]), (math.prod(shape),)
        if t == "dropout":
            return [nn.Dropout(float(layer["rate"]))], shape
        if t == "batchNorm":
            return [self.batch_norm(shape, float(layer.get("momentum", BN_MOMENTUM)),
                                    float(layer.get("epsilon", BN_EPSILON)))], shape
        if t == "activation":
            a = activation_module(layer["activation"], where)
            return ([a] if a is not None else []), shape
        if t == "residual":
            block, out = self.residual(shape, layer, where)
            return [block], out
        raise SpecError(f"{where}: unknown layer type {t!r}")


class SpecNet(nn.Module):
    """The spec's network. With a softmax last, `forward` gives logits and `logits` is True."""

    def __init__(self, spec):
        super().__init__()
        if spec.get("input") not in INPUT_SHAPES:
            raise SpecError(f"spec.input: expected 'flat' or 'image', got {spec.get('input')!r}")
        builder = Builder()
        shape, mods = INPUT_SHAPES[spec["input"]], []
        for i, layer in enumerate(spec["layers"]):
            m, shape = builder.layer(shape, layer, f"spec.layers[{i}]")
            mods += m
        self.logits = bool(mods) and isinstance(mods[-1], nn.Softmax)
        if self.logits:
            mods.pop()
        self.body = nn.Sequential(*mods)
        self.regularized = builder.regularized
        self.input_shape = INPUT_SHAPES[spec["input"]]
        self.output_shape = shape

    def forward(self, x):
        return self.body(x)

    def probabilities(self, x):
        out = self.body(x)
        return F.softmax(out, dim=1) if self.logits else out

    def loss(self, out, labels):
        ce = F.cross_entropy(out, labels) if self.logits else F.nll_loss(torch.log(out.clamp(KERAS_EPSILON, 1 - KERAS_EPSILON)), labels)
        for w, l1, l2 in self.regularized:
            if l2:
                ce = ce + l2 * w.square().sum()
            if l1:
                ce = ce + l1 * w.abs().sum()
        return ce

    def keras_param_count(self):
        """Parameters as Keras counts them: weights plus BN moving mean and variance."""
        n = sum(p.numel() for p in self.parameters())
        for m in self.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                n += m.running_mean.numel() + m.running_var.numel()
        return n


def blas_library():
    """The BLAS shared object torch's sgemm calls resolve to, read from this process's mappings."""
    found = []
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1] if len(line.split()) >= 6 else ""
            name = os.path.basename(path)
            if (name.startswith("libblas") or "openblas" in name or name.startswith("libmkl") or "blis" in name) and path not in found:
                found.append(path)
    blas = next((p for p in found if os.path.basename(p).startswith("libblas")), found[0] if found else "")
    if "openblas" in blas:
        variant = os.path.basename(os.path.dirname(blas)).replace("openblas-", "") if "openblas-" in blas else ""
        kind = f"OpenBLAS ({variant})" if variant else "OpenBLAS"
    elif "/blas/" in blas:
        kind = "reference BLAS (netlib): slow; apt-get install libopenblas0-openmp to switch the alternative"
    elif "mkl" in blas:
        kind = "MKL"
    elif "blis" in blas:
        kind = "BLIS"
    else:
        kind = "unknown"
    return {"kind": kind, "path": blas, "mapped": found, "alternatives": blas_alternatives()}


def blas_alternatives():
    """Debian's update-alternatives entry for libblas.so.3: status, the choice, and what is installed."""
    import platform
    import subprocess
    name = f"libblas.so.3-{platform.machine()}-linux-gnu"
    try:
        text = subprocess.run(["update-alternatives", "--query", name], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    fields = {"status": "", "value": "", "choices": []}
    for line in text.splitlines():
        key, _, value = line.partition(": ")
        if key == "Status":
            fields["status"] = value
        elif key == "Value":
            fields["value"] = value
        elif key == "Alternative":
            fields["choices"].append({"path": value, "priority": None})
        elif key == "Priority" and fields["choices"]:
            fields["choices"][-1]["priority"] = int(value)
    return fields if fields["value"] else None


class Peer:
    def __init__(self):
        self.default_threads = torch.get_num_threads()  # torch's own choice (its count of physical cores)
        self.model = None

    def info(self, _req):
        return {
            "torch": torch.__version__,
            "python": sys.version.split()[0],
            "defaultThreads": self.default_threads,
            "cpus": len(os.sched_getaffinity(0)),
            "interopThreads": torch.get_num_interop_threads(),
            "ompWaitPolicy": os.environ.get("OMP_WAIT_POLICY", "(unset: GNU OpenMP spins, then sleeps)"),
            "mkldnn": torch.backends.mkldnn.is_available(),
            "blas": blas_library(),
        }

    def load(self, req):
        torch.manual_seed(int(req.get("seed", 0)))
        self.model = SpecNet(req["spec"])
        self.batch = int(req["batchSize"])
        n = POOL_BATCHES * self.batch
        self.x = torch.rand(n, *self.model.input_shape)
        self.y = torch.randint(0, self.model.output_shape[0], (n,))
        self.channels_last = False
        return {"params": self.model.keras_param_count(), "output": list(self.model.output_shape)}

    def configure(self, req):
        """Applies a request's setting: `threads` (default: the CPUs) and `channelsLast`, the NHWC
        memory format for image models' weights and data (oneDNN is often faster with it)."""
        n = int(req.get("threads") or len(os.sched_getaffinity(0)))
        torch.set_num_threads(n)
        channels_last = bool(req.get("channelsLast")) and len(self.model.input_shape) == 3
        if channels_last != self.channels_last:
            fmt = torch.channels_last if channels_last else torch.contiguous_format
            self.model.to(memory_format=fmt)
            self.x = self.x.contiguous(memory_format=fmt)
            self.channels_last = channels_last
        return {"threads": n, "channelsLast": channels_last}

    def batch_input(self, x):
        return x.contiguous(memory_format=torch.channels_last) if self.channels_last else x

    def train(self, req):
        """`batches` steps as the trainer takes them: shuffled batches gathered from the pool, a fresh
        Adam (the trainer makes one per call), the loss and accuracy read back every step."""
        setting = self.configure(req)
        epochs, per_epoch = split_round(int(req["batches"]))
        model, bs = self.model, self.batch
        model.train()
        t0 = time.perf_counter()
        opt = torch.optim.Adam(model.parameters(), lr=ADAM_LR, eps=KERAS_EPSILON)
        for _ in range(epochs):
            order = torch.randperm(per_epoch * bs)
            loss_sum, correct = 0.0, 0
            for b in range(per_epoch):
                idx = order[b * bs:(b + 1) * bs]
                x, y = self.batch_input(self.x.index_select(0, idx)), self.y.index_select(0, idx)
                opt.zero_grad(set_to_none=True)
                out = model(x)
                loss = model.loss(out, y)
                loss.backward()
                opt.step()
                loss_sum += loss.item() * bs
                correct += int((out.argmax(1) == y).sum())
        seconds = time.perf_counter() - t0
        return {"images": epochs * per_epoch * bs, "seconds": seconds, **setting}

    def infer(self, req):
        """Class probabilities for `batches` batches of `batchSize`, copied out as the engine does."""
        setting = self.configure(req)
        bs, batches = int(req["batchSize"]), int(req["batches"])
        model, n = self.model, self.x.shape[0]
        model.eval()
        t0 = time.perf_counter()
        with torch.inference_mode():
            for b in range(batches):
                start = (b * bs) % (n - bs + 1)
                model.probabilities(self.x[start:start + bs]).numpy().copy()
        seconds = time.perf_counter() - t0
        model.train()
        return {"images": batches * bs, "seconds": seconds, **setting}

    def latency(self, req):
        """Milliseconds to predict one image, `count` times or until `maxSeconds` have passed:
        tensor in, probabilities out."""
        setting = self.configure(req)
        model, n = self.model, self.x.shape[0]
        model.eval()
        samples = []
        deadline = time.perf_counter() + float(req.get("maxSeconds", math.inf))
        with torch.inference_mode():
            for i in range(int(req["count"])):
                t0 = time.perf_counter()
                model.probabilities(self.x[i % n:i % n + 1]).numpy().copy()
                t1 = time.perf_counter()
                samples.append((t1 - t0) * 1000)
                if t1 > deadline:
                    break
        model.train()
        return {"ms": samples, **setting}


def split_round(batches):
    """A round of `batches` steps as whole epochs over at most POOL_BATCHES batches: (epochs, per epoch)."""
    if batches < 1:
        raise ValueError(f"batches: expected a positive integer, got {batches}")
    epochs = math.ceil(batches / POOL_BATCHES)
    return epochs, math.ceil(batches / epochs)


def serve():
    out = os.fdopen(3, "w", buffering=1)
    peer = Peer()
    ops = {"info": peer.info, "load": peer.load, "train": peer.train, "infer": peer.infer, "latency": peer.latency}
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        if req.get("op") == "quit":
            break
        try:
            if req.get("op") not in ops:
                raise ValueError(f"unknown op {req.get('op')!r}; expected one of {', '.join(ops)}, quit")
            res = ops[req["op"]](req)
        except Exception as err:  # the harness reports it with the worker's name
            res = {"error": f"{type(err).__name__}: {err}"}
        out.write(json.dumps(res) + "\n")


def read_spec(path):
    """A ModelSpec from a file or stdin; `fmnist models NAME --json` output ({"spec": ...}) works too."""
    with (sys.stdin if path == "-" else open(path)) as f:
        data = json.load(f)
    if isinstance(data, dict) and "layers" not in data and isinstance(data.get("spec"), dict):
        data = data["spec"]
    if not isinstance(data, dict) or not isinstance(data.get("layers"), list):
        raise SpecError(f"{path}: expected a ModelSpec (an object with a 'layers' list)")
    return data


def main(argv):
    import argparse
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="mode", required=True)
    sub.add_parser("serve", help="JSON lines on stdin, answers on fd 3")
    run = sub.add_parser("run", help="time training of one spec")
    run.add_argument("spec", help="ModelSpec JSON file, or - for stdin")
    run.add_argument("--batches", type=int, default=10)
    run.add_argument("--batch-size", type=int, default=128)
    run.add_argument("--threads", type=int, default=0, help="default: the CPUs this process may use")
    run.add_argument("--channels-last", action="store_true", help="NHWC memory format (image models)")
    check = sub.add_parser("check", help="print the parameter count and output shape of a spec")
    check.add_argument("spec", help="ModelSpec JSON file, or - for stdin")
    a = p.parse_args(argv)
    if a.mode == "serve":
        return serve()
    peer = Peer()
    loaded = peer.load({"spec": read_spec(a.spec), "batchSize": getattr(a, "batch_size", 1)})
    if a.mode == "check":
        with torch.no_grad():
            loaded["forward"] = list(peer.model(peer.x[:2]).shape)
        print(json.dumps(loaded))
        return
    setting = {"threads": a.threads, "channelsLast": a.channels_last}
    peer.train({"batches": 2, **setting})  # warm-up
    r = peer.train({"batches": a.batches, **setting})
    blas = blas_library()["kind"]
    print(f"pytorch {torch.__version__}, {r['threads']} threads{', channels-last' if r['channelsLast'] else ''}, BLAS {blas}: "
          f"{r['images'] / r['seconds']:.0f} images/s ({1000 * r['seconds'] / (r['images'] / a.batch_size):.1f} ms per batch)")


if __name__ == "__main__":
    main(sys.argv[1:])
