#!/usr/bin/python3
"""PyTorch peer for `npm run bench`: the same architectures, batches and training
step (forward, cross-entropy, backward, SGD with momentum) as bench/run.ts.
Prints one JSON object per line: {"model", "mode", "images_per_s", "threads"}.
Run by bench/run.ts with Debian's python3-torch, once per thread setting."""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer_timing  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, required=True)
p.add_argument("--models", default="")
p.add_argument("--seconds", type=float, default=2.0)
p.add_argument("--matmul", action="store_true")
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)


class LeNet5(nn.Module):
    def __init__(self, size, pad=0):
        super().__init__()
        self.c1 = nn.Conv2d(1, 6, 5, padding=pad)
        self.c2 = nn.Conv2d(6, 16, 5)
        h = ((size + 2 * pad - 4) // 2 - 4) // 2
        self.f1, self.f2, self.f3 = nn.Linear(16 * h * h, 120), nn.Linear(120, 84), nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.c1(x)), 2)
        x = F.max_pool2d(F.relu(self.c2(x)), 2)
        x = torch.flatten(x, 1)
        return self.f3(F.relu(self.f2(F.relu(self.f1(x)))))


class Block(nn.Module):
    def __init__(self, i, o, s):
        super().__init__()
        self.c1, self.b1 = nn.Conv2d(i, o, 3, s, 1, bias=False), nn.BatchNorm2d(o)
        self.c2, self.b2 = nn.Conv2d(o, o, 3, 1, 1, bias=False), nn.BatchNorm2d(o)
        self.down = nn.Sequential(nn.Conv2d(i, o, 1, s, bias=False), nn.BatchNorm2d(o)) if s != 1 or i != o else None

    def forward(self, x):
        y = self.b2(self.c2(F.relu(self.b1(self.c1(x)))))
        return F.relu(y + (self.down(x) if self.down is not None else x))


class ResNet(nn.Module):
    def __init__(self, in_c, widths, small, stem, blocks=2):
        super().__init__()
        if small:
            self.stem = nn.Sequential(nn.Conv2d(in_c, stem, 3, 1, 1, bias=False), nn.BatchNorm2d(stem), nn.ReLU())
        else:
            self.stem = nn.Sequential(nn.Conv2d(in_c, stem, 7, 2, 3, bias=False), nn.BatchNorm2d(stem), nn.ReLU(), nn.MaxPool2d(3, 2, 1))
        layers, c = [], stem
        for i, w in enumerate(widths):
            for j in range(blocks):
                layers.append(Block(c, w, 2 if i > 0 and j == 0 else 1))
                c = w
        self.layers = nn.Sequential(*layers)
        self.fc = nn.Linear(c, 10)

    def forward(self, x):
        x = self.layers(self.stem(x))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


MODELS = {
    "mlp_28": (lambda: nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10)), (64, 1, 28, 28)),
    "lenet5_32": (lambda: LeNet5(32), (64, 1, 32, 32)),
    "lenet5_64": (lambda: LeNet5(64), (64, 1, 64, 64)),
    "lenet5_224": (lambda: LeNet5(224), (32, 1, 224, 224)),
    "resnet14_64": (lambda: ResNet(1, [16, 32, 64], True, 16), (64, 1, 64, 64)),
    "resnet_small_64": (lambda: ResNet(1, [32, 64, 128], True, 32), (64, 1, 64, 64)),
    "resnet18_224": (lambda: ResNet(3, [64, 128, 256, 512], False, 64), (16, 3, 224, 224)),
}


def timed(step, batch):
    return peer_timing.timed(step, args.seconds, batch)


if args.matmul:
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    rate = timed(lambda: torch.mm(a, b), 1)
    print(json.dumps({"model": "matmul_2048", "mode": "gflops", "value": rate * 2 * 2048 ** 3 / 1e9, "threads": args.threads}), flush=True)

for name in [m for m in args.models.split(",") if m]:
    make, shape = MODELS[name]
    model = make()
    x = torch.randn(*shape)
    y = torch.randint(0, 10, (shape[0],))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def train_step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()

    model.train()
    tr = timed(train_step, shape[0])
    model.eval()
    with torch.no_grad():
        inf = timed(lambda: model(x), shape[0])
    for mode, v in (("train", tr), ("infer", inf)):
        print(json.dumps({"model": name, "mode": mode, "images_per_s": v, "threads": args.threads}), flush=True)
