#!/usr/bin/python3
"""torchaudio / OpenCV peer for `npm run bench:audio`: the same work as bench/audio.ts.
Prints one JSON object per line: {"task", "value", "threads"}."""
import argparse
import io
import json
import os
import sys
import wave

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer_timing  # noqa: E402

import cv2
import numpy as np
import torch
import torch.nn.functional as F
import torchaudio

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, required=True)
p.add_argument("--wav", required=True)
p.add_argument("--seconds", type=float, default=2.0)
args = p.parse_args()
torch.set_num_threads(args.threads)
cv2.setNumThreads(args.threads)


def timed(step):
    return peer_timing.timed(step, args.seconds, warmup=0.5)


raw = open(args.wav, "rb").read()
mel = torchaudio.transforms.MelSpectrogram(sample_rate=16000, n_fft=512, hop_length=128, n_mels=64)
todb = torchaudio.transforms.AmplitudeToDB(stype="power", top_db=80.0)


def clip():
    with wave.open(io.BytesIO(raw), "rb") as w:
        x = torch.from_numpy(np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768.0)
    img = todb(mel(x))
    return F.interpolate(img[None, None], size=(64, 64), mode="area")


def mel_only():
    return mel(torch.from_numpy(np.frombuffer(raw[44:], dtype="<i2").astype(np.float32) / 32768.0))


rng = np.random.default_rng(0)
img224 = (rng.random((224, 224)) * 255).astype(np.float32)
img64 = (rng.random((64, 64)) * 255).astype(np.float32)
rows = [
    ("wav_mel_db_resize", timed(clip)),
    ("mel_only", timed(mel_only)),
    ("bilateral_224", timed(lambda: cv2.bilateralFilter(img224, 9, 75, 75))),
    ("bilateral_64", timed(lambda: cv2.bilateralFilter(img64, 9, 75, 75))),
]
for task, v in rows:
    print(json.dumps({"task": task, "value": v, "threads": args.threads}), flush=True)
