"""PyTorch reference for native/bench/small-cnn.ts: the same CNN, Adam, batch 128, 2 threads.

    /usr/bin/python3 native/bench/small_cnn_torch.py [batches=30]
"""
import sys
import time

import torch
import torch.nn as nn

torch.set_num_threads(2)
batches = int(sys.argv[1]) if len(sys.argv) > 1 else 30
model = nn.Sequential(
    nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10),
)
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
loss_fn = nn.CrossEntropyLoss()
x = torch.rand(128, 1, 28, 28)
y = torch.randint(0, 10, (128,))


def step():
    opt.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    opt.step()


for _ in range(3):
    step()
t0, c0 = time.perf_counter(), time.process_time()
for _ in range(batches):
    step()
elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
print(f"pytorch {torch.__version__}: {128 * batches / elapsed:.0f} images/s ({1000 * elapsed / batches:.1f} ms per batch); "
      f"CPU time {1000 * cpu / batches:.1f} ms per batch (all threads)")
