#!/usr/bin/python3
"""Make the PyTorch golden fixtures that test/ compares specnet against.

Run with Debian's PyTorch (apt-get install python3-torch):
    /usr/bin/python3 scripts/make_torch_fixtures.py
Writes test/fixtures/torch.json. Tensors are stored in specnet's layouts:
feature maps NHWC and conv weights OHWI (PyTorch computes in NCHW/OIHW; we permute).
Each case: inputs, an upstream gradient `g`, outputs and the gradients of the inputs.
"""
import json
import os
import torch
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_default_dtype(torch.float32)
cases = {}


def t(x):
    return {"shape": list(x.shape), "data": [float(f"{v:.9g}") for v in x.detach().reshape(-1).tolist()]}


def nhwc(x):  # NCHW -> NHWC
    return x.permute(0, 2, 3, 1)


def ohwi(w):  # OIHW -> OHWI
    return w.permute(0, 2, 3, 1)


def conv_case(name, N, C, H, W, O, k, stride=1, padding=0, dilation=1, groups=1, bias=True):
    x = torch.randn(N, C, H, W, requires_grad=True)
    w = torch.randn(O, C // groups, k[0], k[1], requires_grad=True)
    b = torch.randn(O, requires_grad=True) if bias else None
    y = F.conv2d(x, w, b, stride=stride, padding=padding, dilation=dilation, groups=groups)
    g = torch.randn_like(y)
    y.backward(g)
    case = {"params": {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups},
            "x": t(nhwc(x)), "w": t(ohwi(w)), "g": t(nhwc(g)), "y": t(nhwc(y)),
            "gx": t(nhwc(x.grad)), "gw": t(ohwi(w.grad))}
    if bias:
        case["b"] = t(b)
        case["gb"] = t(b.grad)
    cases[name] = case


conv_case("conv_basic", 2, 3, 7, 6, 4, (3, 3))
conv_case("conv_stride_pad", 2, 2, 8, 8, 3, (3, 3), stride=2, padding=1)
conv_case("conv_dilation", 1, 2, 9, 9, 2, (3, 3), padding=2, dilation=2)
conv_case("conv_groups", 2, 4, 6, 6, 6, (3, 3), padding=1, groups=2)
conv_case("conv_depthwise", 2, 3, 6, 5, 6, (3, 3), stride=(2, 1), padding=1, groups=3, bias=False)
conv_case("conv_same", 1, 2, 5, 6, 3, (4, 3), padding="same")
conv_case("conv_5x5", 2, 1, 12, 12, 6, (5, 5), padding=2)


def pool_case(name, kind, N, C, H, W, k, stride=None, padding=0, count_include_pad=True):
    x = torch.randn(N, C, H, W, requires_grad=True)
    if kind == "max":
        y = F.max_pool2d(x, k, stride=stride, padding=padding)
    elif kind == "avg":
        y = F.avg_pool2d(x, k, stride=stride, padding=padding, count_include_pad=count_include_pad)
    else:
        y = F.adaptive_avg_pool2d(x, k)
    g = torch.randn_like(y)
    y.backward(g)
    cases[name] = {"params": {"kernel": k, "stride": stride, "padding": padding, "countIncludePad": count_include_pad},
                   "x": t(nhwc(x)), "g": t(nhwc(g)), "y": t(nhwc(y)), "gx": t(nhwc(x.grad))}


pool_case("maxpool_2", "max", 2, 3, 6, 6, 2)
pool_case("maxpool_3s2p1", "max", 2, 2, 7, 7, 3, stride=2, padding=1)
pool_case("avgpool_2", "avg", 2, 3, 6, 6, 2)
pool_case("avgpool_3s2p1_nopad", "avg", 1, 2, 7, 6, 3, stride=2, padding=1, count_include_pad=False)
pool_case("avgpool_3s2p1_pad", "avg", 1, 2, 7, 6, 3, stride=2, padding=1)
pool_case("adaptive_3x2", "adaptive", 2, 2, 7, 5, (3, 2))


def bn_case(name, shape, training):
    x = torch.randn(*shape, requires_grad=True)
    C = shape[1]
    gamma = torch.randn(C, requires_grad=True)
    beta = torch.randn(C, requires_grad=True)
    rm, rv = torch.randn(C), torch.rand(C) + 0.5
    rm0, rv0 = rm.clone(), rv.clone()
    y = F.batch_norm(x, rm, rv, gamma, beta, training=training, momentum=0.1, eps=1e-5)
    g = torch.randn_like(y)
    y.backward(g)
    cl = nhwc if len(shape) == 4 else (lambda a: a)
    cases[name] = {"params": {"training": training},
                   "x": t(cl(x)), "gamma": t(gamma), "beta": t(beta), "running_mean": t(rm0), "running_var": t(rv0),
                   "g": t(cl(g)), "y": t(cl(y)), "gx": t(cl(x.grad)), "ggamma": t(gamma.grad), "gbeta": t(beta.grad),
                   "new_running_mean": t(rm), "new_running_var": t(rv)}


bn_case("batchnorm2d_train", (4, 3, 5, 5), True)
bn_case("batchnorm2d_eval", (2, 3, 4, 4), False)
bn_case("batchnorm1d_train", (8, 5), True)

acts = {
    "relu": lambda x: F.relu(x), "leaky_relu": lambda x: F.leaky_relu(x, 0.1), "elu": lambda x: F.elu(x, 1.0),
    "sigmoid": torch.sigmoid, "tanh": torch.tanh, "silu": F.silu,
    "softmax": lambda x: F.softmax(x, dim=-1), "log_softmax": lambda x: F.log_softmax(x, dim=-1),
}
for name, f in acts.items():
    x = (torch.randn(4, 7) * 3).requires_grad_(True)
    y = f(x)
    g = torch.randn_like(y)
    y.backward(g)
    cases["act_" + name] = {"x": t(x), "g": t(g), "y": t(y), "gx": t(x.grad)}


def ce_case(name, N, C, smoothing=0.0, weighted=False):
    z = (torch.randn(N, C) * 2).requires_grad_(True)
    target = torch.randint(0, C, (N,))
    w = torch.rand(C) + 0.5 if weighted else None
    loss = F.cross_entropy(z, target, weight=w, label_smoothing=smoothing)
    loss.backward()
    c = {"params": {"labelSmoothing": smoothing}, "logits": t(z), "target": target.tolist(), "loss": float(loss), "glogits": t(z.grad)}
    if weighted:
        c["weight"] = t(w)
    cases[name] = c


ce_case("ce_plain", 6, 5)
ce_case("ce_smooth", 6, 5, smoothing=0.1)
ce_case("ce_weighted_smooth", 8, 4, smoothing=0.2, weighted=True)

x = torch.randn(5, 3, requires_grad=True)
y = torch.randn(5, 3)
loss = F.mse_loss(x, y)
loss.backward()
cases["mse"] = {"x": t(x), "target": t(y), "loss": float(loss), "gx": t(x.grad)}
x = (torch.randn(6, 2) * 4).requires_grad_(True)
y = (torch.rand(6, 2) > 0.5).float()
loss = F.binary_cross_entropy_with_logits(x, y)
loss.backward()
cases["bce_logits"] = {"x": t(x), "target": t(y), "loss": float(loss), "gx": t(x.grad)}

x = torch.randn(3, 6, requires_grad=True)
lin = torch.nn.Linear(6, 4)
y = lin(x)
g = torch.randn_like(y)
y.backward(g)
cases["linear"] = {"x": t(x), "w": t(lin.weight), "b": t(lin.bias), "g": t(g), "y": t(y), "gx": t(x.grad),
                   "gw": t(lin.weight.grad), "gb": t(lin.bias.grad)}

# Optimizers: 3 steps from the same start with fixed gradients, so state (momentum, moments) matters.
p0 = torch.randn(10)
grads = [torch.randn(10) for _ in range(3)]
optims = {
    "sgd": (torch.optim.SGD, {"lr": 0.1}),
    "sgd_momentum_wd": (torch.optim.SGD, {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01}),
    "sgd_nesterov": (torch.optim.SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    "adam": (torch.optim.Adam, {"lr": 0.01}),
    "adam_wd": (torch.optim.Adam, {"lr": 0.01, "weight_decay": 0.1, "betas": (0.8, 0.95)}),
    "adamw": (torch.optim.AdamW, {"lr": 0.01, "weight_decay": 0.1}),
    "rmsprop": (torch.optim.RMSprop, {"lr": 0.01}),
    "rmsprop_centered_momentum": (torch.optim.RMSprop, {"lr": 0.01, "centered": True, "momentum": 0.5, "weight_decay": 0.01}),
    "adagrad": (torch.optim.Adagrad, {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.01}),
}
for name, (cls, kw) in optims.items():
    p = torch.nn.Parameter(p0.clone())
    opt = cls([p], **kw)
    for g in grads:
        p.grad = g.clone()
        opt.step()
    cases["optim_" + name] = {"params": {k: list(v) if isinstance(v, tuple) else v for k, v in kw.items()},
                              "p0": t(p0), "grads": [t(g) for g in grads], "p": t(p)}

out = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "torch.json")
with open(out, "w") as f:
    json.dump({"generator": "scripts/make_torch_fixtures.py", "torch": torch.__version__, "cases": cases}, f)
print(f"wrote {len(cases)} cases to {out}")
