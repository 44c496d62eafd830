"""Rank ideas for FSDD leave-one-speaker-out in PyTorch before building them into specnet
(docs/EXPERIMENTS.md, "A PyTorch harness to rank ideas"). A development tool: the tests never run it.

It mirrors `specnet loso --extra <synthetic> --runs lenet5-bilateral-specaugment --set features.speakerNorm=true`
(LeNet-5, Adam 1e-3 with cosine decay, batch 64, 30 epochs, best epoch by validation macro F1,
SpecAugment LD, bilateral d=5 sigmaColor=0.1 sigmaSpace=2, per-speaker band-mean normalisation) on
the images that scripts/export_features.ts writes, and varies one thing per named configuration.
Ideas that rank well are then built into specnet and measured there; only those figures are quoted
as specnet's.

    node dist/scripts/export_features.js /tmp/feats ../shared/data/fsdd-dev data/synth40/data
    python3 scripts/explore_fsdd.py /tmp/feats base,lenet5bn_adabn 2 2

Arguments: features folder, configurations (comma-separated, or all), seeds, worker processes,
optional epochs. Prints each run, then per configuration the mean macro F1 per fold over the seeds,
and the macro F1 of the seeds' averaged probabilities (an ensemble).
Needs PyTorch, OpenCV, SciPy and scikit-learn (Debian: python3-torch python3-opencv python3-scipy python3-sklearn)."""
import json, math, os, sys, time, itertools
import numpy as np

HERE = None  # the features folder, from the command line
SPK = ['george', 'jackson', 'lucas', 'nicolas']


def load():
    meta = json.load(open(os.path.join(HERE, 'meta.json')))
    imgs = np.fromfile(os.path.join(HERE, 'images.u16'), dtype=np.uint16).astype(np.float32) / 65535
    return meta, imgs.reshape(len(meta), 64, 64)


def live_cols(img):
    return img.mean(axis=0) > 0.05


def minmax(img):
    lo, hi = img.min(), img.max()
    return (img - lo) / (hi - lo) if hi > lo else img * 0


def lifter(imgs, k):
    # DCT-II along the frequency axis (rows), keep the first k coefficients, invert: the smoothed envelope
    from scipy.fft import dct, idct
    c = dct(imgs, type=2, axis=1, norm='ortho')
    c[:, k:, :] = 0
    out = idct(c, type=2, axis=1, norm='ortho')
    res = np.empty_like(out)
    for i in range(len(out)):
        live = live_cols(imgs[i])
        o = out[i]
        o[:, ~live] = o[:, live].min() if live.any() else 0
        res[i] = minmax(o)
    return res


def speaker_norm(imgs, groups, var=False):
    imgs = imgs.copy()
    for g in set(groups):
        idx = [i for i, x in enumerate(groups) if x == g]
        lives = [live_cols(imgs[i]) for i in idx]
        cols = np.concatenate([imgs[i][:, l] for i, l in zip(idx, lives)], axis=1)
        mu = cols.mean(axis=1, keepdims=True)
        sd = cols.std(axis=1, keepdims=True) + 1e-3
        for i, l in zip(idx, lives):
            v = imgs[i][:, l] - mu
            if var:
                v = v / sd
            out = np.zeros_like(imgs[i])
            lo, hi = v.min(), v.max()
            out[:, l] = (v - lo) / (hi - lo) if hi > lo else 0
            imgs[i] = out
    return imgs


_cache = {}


def features(cfg, meta, raw):
    key = json.dumps({k: cfg.get(k) for k in ('lifter', 'bil', 'snorm', 'svar', 'bil_sc', 'stretch')}, sort_keys=True)
    if key in _cache:
        return _cache[key]
    import cv2
    x = raw
    if cfg.get('lifter'):
        x = lifter(x, cfg['lifter'])
    if cfg.get('bil'):
        x = np.stack([cv2.bilateralFilter(im, 5, cfg.get('bil_sc', 0.1), 2) for im in x])
    if cfg.get('snorm'):
        x = speaker_norm(x, [m['speaker'] for m in meta], var=cfg.get('svar', False))
    if cfg.get('stretch'):
        out = np.zeros_like(x)
        for i, im in enumerate(x):
            l = np.nonzero(live_cols(raw[i]))[0]
            if len(l) > 1:
                out[i] = cv2.resize(np.ascontiguousarray(im[:, l[0]:l[-1] + 1]), (64, 64), interpolation=cv2.INTER_LINEAR)
            else:
                out[i] = im
        x = out
    _cache[key] = x.astype(np.float32)
    return _cache[key]


def build(name, torch):
    nn = torch.nn
    if name == 'lenet5':
        return nn.Sequential(nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Flatten(), nn.Linear(16 * 13 * 13, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    if name == 'lenet5bn':
        return nn.Sequential(nn.Conv2d(1, 6, 5), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Flatten(), nn.Linear(16 * 13 * 13, 120), nn.ReLU(), nn.Dropout(0.3), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    if name == 'vgg':
        def blk(i, o):
            return [nn.Conv2d(i, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU(), nn.Conv2d(o, o, 3, padding=1), nn.BatchNorm2d(o), nn.ReLU(), nn.MaxPool2d(2)]
        return nn.Sequential(*blk(1, 16), *blk(16, 32), *blk(32, 64), *blk(64, 128), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.3), nn.Linear(128, 10))
    raise ValueError(name)


def specaug(x, torch, cfg, gen):
    n, _, h, w = x.shape
    dev = x.device
    tw = cfg.get('tw', 0.1)
    if tw > 0:
        W = int(tw * w)
        w0 = W + 1 + torch.randint(0, w - 2 * W - 2, (n,), generator=gen, device=dev).float()
        sh = torch.randint(-W, W + 1, (n,), generator=gen, device=dev).float()
        dst = (w0 + sh)[:, None]
        xs = torch.arange(w, device=dev).float()[None, :]
        s = torch.where(xs < dst, xs * w0[:, None] / dst, w0[:, None] + (xs - dst) * (w - 1 - w0[:, None]) / (w - 1 - dst).clamp(min=1e-9))
        gx = (s / (w - 1)) * 2 - 1
        gy = torch.linspace(-1, 1, h, device=dev)
        grid = torch.stack([gx[:, None, :].expand(n, h, w), gy[None, :, None].expand(n, h, w)], dim=-1)
        x = torch.nn.functional.grid_sample(x, grid, mode='bilinear', align_corners=True)
    fw = cfg.get('fwarp', 0)
    if fw > 0:
        alpha = 1 - fw + 2 * fw * torch.rand(n, generator=gen, device=dev)
        ys = torch.linspace(-1, 1, h, device=dev)
        # warp frequency: row 0 is the top band; warp around the bottom (low frequencies): y' = 1 - (1 - y)*alpha
        src = 1 - (1 - ys[None, :]) * alpha[:, None]
        gx = torch.linspace(-1, 1, w, device=dev)
        grid = torch.stack([gx[None, None, :].expand(n, h, w), src[:, :, None].expand(n, h, w)], dim=-1)
        x = torch.nn.functional.grid_sample(x, grid, mode='bilinear', align_corners=True, padding_mode='border')
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    rows = torch.arange(h, device=dev)[None, :]
    cols = torch.arange(w, device=dev)[None, :]
    mask = torch.zeros(n, h, w, dtype=torch.bool, device=dev)
    for _ in range(cfg.get('fm', 2)):
        f = (torch.rand(n, generator=gen, device=dev) * (int(0.2 * h) + 1)).long()
        f0 = (torch.rand(n, generator=gen, device=dev) * (h - f + 1).float()).long()
        mask |= ((rows >= f0[:, None]) & (rows < (f0 + f)[:, None]))[:, :, None]
    tmax = min(int(0.15 * w), int(0.2 * w))
    for _ in range(cfg.get('tm', 2)):
        t = (torch.rand(n, generator=gen, device=dev) * (tmax + 1)).long()
        t0 = (torch.rand(n, generator=gen, device=dev) * (w - t + 1).float()).long()
        mask |= ((cols >= t0[:, None]) & (cols < (t0 + t)[:, None]))[:, None, :]
    x = torch.where(mask[:, None], mean.expand_as(x), x)
    if cfg.get('shift', 0):
        k = int(cfg['shift'])
        r = torch.randint(-k, k + 1, (1,), generator=gen, device=dev).item()
        x = torch.roll(x, r, dims=3)
    return x


def macro_f1(y, p):
    from sklearn.metrics import f1_score
    return f1_score(y, p, average='macro')


def run_job(job):
    import torch
    cfg, spk, seed = job
    torch.set_num_threads(1)
    dev = 'cuda' if torch.cuda.is_available() else 'cpu'
    meta, raw = load_cached()
    x = features(cfg, meta, raw)
    isf = np.array([m['corpus'] == 'fsdd' for m in meta])
    sp = np.array([m['speaker'] for m in meta])
    rep = np.array([m['rep'] for m in meta])
    y = np.array([m['label'] for m in meta])
    test = sp == 'fsdd:' + spk
    val = isf & ~test & (rep % 10 == 0)
    tr = isf & ~test & (rep % 10 != 0)
    if cfg.get('synth', True):
        tr |= ~isf
    T = lambda a: torch.tensor(a, device=dev)
    Xtr, Ytr = T(x[tr][:, None]), T(y[tr])
    Xva, Yva = T(x[val][:, None]), y[val]
    Xte, Yte = T(x[test][:, None]), y[test]
    torch.manual_seed(seed)
    gen = torch.Generator(device=dev)
    gen.manual_seed(seed + 1000)
    model = build(cfg.get('model', 'lenet5'), torch).to(dev)
    epochs = cfg.get('epochs', 30)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.get('lr', 1e-3), weight_decay=cfg.get('wd', 0))
    steps_per = math.ceil(len(Ytr) / 64)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs * steps_per)
    lossf = torch.nn.CrossEntropyLoss(label_smoothing=cfg.get('ls', 0))
    best, best_state = -1, None

    def predict(X, adabn=False):
        if adabn:
            for m in model.modules():
                if isinstance(m, torch.nn.BatchNorm2d):
                    m.reset_running_stats(); m.momentum = None
            model.train()
            with torch.no_grad():
                for i in range(0, len(X), 256):
                    model(X[i:i + 256])
        model.eval()
        with torch.no_grad():
            out = torch.cat([torch.softmax(model(X[i:i + 512]), 1) for i in range(0, len(X), 512)])
            if cfg.get('tta'):
                for r in (-3, 3):
                    out += torch.cat([torch.softmax(model(torch.roll(X[i:i + 512], r, dims=3)), 1) for i in range(0, len(X), 512)])
        return out.cpu().numpy()

    for ep in range(epochs):
        model.train()
        perm = torch.randperm(len(Ytr), device=dev, generator=gen)
        for b in range(steps_per):
            idx = perm[b * 64:(b + 1) * 64]
            xb, yb = Xtr[idx], Ytr[idx]
            if cfg.get('aug', True):
                xb = specaug(xb, torch, cfg, gen)
            if cfg.get('mixup'):
                lam = float(np.random.default_rng(seed * 100000 + ep * 1000 + b).beta(cfg['mixup'], cfg['mixup']))
                j = torch.randperm(len(yb), device=dev, generator=gen)
                out = model(lam * xb + (1 - lam) * xb[j])
                loss = lam * lossf(out, yb) + (1 - lam) * lossf(out, yb[j])
            else:
                loss = lossf(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        if cfg.get('select', 'best') == 'best':
            f = macro_f1(Yva, predict(Xva).argmax(1))
            if f >= best:
                best = f
                best_state = {k: v.clone() for k, v in model.state_dict().items()}
    if best_state is not None:
        model.load_state_dict(best_state)
    probs = predict(Xte, adabn=cfg.get('adabn', False))
    return cfg['name'], spk, seed, macro_f1(Yte, probs.argmax(1)), probs, Yte


_data = None


def set_features(folder):
    global HERE
    HERE = folder


def load_cached():
    global _data
    if _data is None:
        _data = load()
    return _data


BASE = dict(bil=True, snorm=True, synth=True, aug=True)
CONFIGS = {
    'base': {},
    'nosnorm': dict(snorm=False),
    'svar': dict(svar=True),
    'lift12': dict(lifter=12),
    'lift20': dict(lifter=20),
    'lift30': dict(lifter=30),
    'lift20_nobil': dict(lifter=20, bil=False),
    'raw': dict(bil=False),
    'fwarp10': dict(fwarp=0.1),
    'mixup': dict(mixup=0.4),
    'ls': dict(ls=0.1),
    'last': dict(select='last'),
    'ep60': dict(epochs=60),
    'shift': dict(shift=6),
    'tta': dict(tta=True),
    'lenet5bn': dict(model='lenet5bn'),
    'lenet5bn_adabn': dict(model='lenet5bn', adabn=True),
    'vgg': dict(model='vgg'),
    'stretch': dict(stretch=True),
    'stretch_svar': dict(stretch=True, svar=True),
    'svar_fwarp': dict(svar=True, fwarp=0.1),
    'bn_svar': dict(model='lenet5bn', adabn=True, svar=True),
    'bn_svar_stretch': dict(model='lenet5bn', adabn=True, svar=True, stretch=True),
    'bn_svar_mixup': dict(model='lenet5bn', adabn=True, svar=True, mixup=0.4),
    'vgg_adabn': dict(model='vgg', adabn=True),
    'vgg_nosnorm_adabn': dict(model='vgg', adabn=True, snorm=False),
}


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    names = sys.argv[2].split(',') if len(sys.argv) > 2 and sys.argv[2] != 'all' else list(CONFIGS)
    unknown = [n for n in names if n not in CONFIGS]
    if unknown:
        sys.exit(f"unknown configuration(s) {', '.join(unknown)}; known: {', '.join(CONFIGS)}")
    seeds = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    workers = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    epochs = int(sys.argv[5]) if len(sys.argv) > 5 else None
    jobs = []
    for n in names:
        cfg = dict(BASE, **CONFIGS[n], name=n)
        if epochs:
            cfg['epochs'] = epochs
        for s in SPK:
            for seed in range(seeds):
                jobs.append((cfg, s, seed))
    t0 = time.time()
    import multiprocessing as mp
    ctx = mp.get_context('spawn')
    res = {}
    with ctx.Pool(workers, initializer=set_features, initargs=(sys.argv[1],)) as pool:
        for name, spk, seed, f, probs, yte in pool.imap_unordered(run_job, jobs):
            res.setdefault(name, {}).setdefault(spk, []).append((seed, f, probs, yte))
            print(f'{time.time() - t0:6.0f}s {name} {spk} seed{seed} {f:.4f}', flush=True)
    print('\nconfig | ' + ' | '.join(SPK) + ' | mean single | ensemble folds | mean ensemble')
    for n in names:
        single, ens = [], []
        for s in SPK:
            runs = sorted(res[n][s], key=lambda r: r[0])
            single.append(np.mean([r[1] for r in runs]))
            p = sum(r[2] for r in runs)
            ens.append(macro_f1(runs[0][3], p.argmax(1)))
        print(f'{n} | ' + ' | '.join(f'{v:.3f}' for v in single) + f' | {np.mean(single):.4f} | ' + ' '.join(f'{v:.3f}' for v in ens) + f' | {np.mean(ens):.4f}', flush=True)


if __name__ == '__main__':
    main()
