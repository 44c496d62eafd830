#!/usr/bin/python3
"""Golden fixtures for specnet's audio and image front end, from the tools our users know.

Run with Debian's packages (apt-get install python3-torchaudio python3-opencv):
    /usr/bin/python3 scripts/make_audio_fixtures.py
Reads the real FSDD recordings copied to test/fixtures/audio/ (CC BY-SA 4.0, see its README)
and writes test/fixtures/audio.json:
  - mel: torchaudio MelSpectrogram + AmplitudeToDB for several settings (HTK/Slaney scale, norm, top_db);
  - bilateral: cv2.bilateralFilter on float32 [0, 1] images (d > 0, d <= 0, several sigmas);
  - resize: cv2.resize INTER_LINEAR and INTER_AREA on float32 images.
"""
import json
import os
import wave

import cv2
import numpy as np
import torch
import torchaudio

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, "..", "test", "fixtures")


def read_wav(path):
    with wave.open(path, "rb") as w:
        assert w.getsampwidth() == 2 and w.getnchannels() == 1
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768.0
        return data, w.getframerate()


def arr(x):
    x = np.asarray(x, dtype=np.float32)
    return {"shape": list(x.shape), "data": [float(f"{v:.8g}") for v in x.reshape(-1).tolist()]}


cases = {"mel": [], "bilateral": [], "resize": []}
clips = sorted(f for f in os.listdir(os.path.join(FIX, "audio")) if f.endswith(".wav"))
settings = [
    dict(n_fft=256, hop_length=64, n_mels=64, mel_scale="htk", norm=None, top_db=80.0),
    dict(n_fft=512, hop_length=128, n_mels=40, mel_scale="slaney", norm="slaney", top_db=None),
    dict(n_fft=256, hop_length=100, n_mels=32, mel_scale="htk", norm="slaney", top_db=60.0, f_min=50.0, f_max=3800.0),
]
for clip in clips:
    x, sr = read_wav(os.path.join(FIX, "audio", clip))
    for s in settings:
        mel = torchaudio.transforms.MelSpectrogram(sample_rate=sr, n_fft=s["n_fft"], hop_length=s["hop_length"], n_mels=s["n_mels"],
                                                   mel_scale=s["mel_scale"], norm=s["norm"], f_min=s.get("f_min", 0.0),
                                                   f_max=s.get("f_max"), power=2.0)(torch.from_numpy(x))
        db = torchaudio.transforms.AmplitudeToDB(stype="power", top_db=s["top_db"])(mel)
        cases["mel"].append({"clip": clip, "sampleRate": sr, "settings": s, "db": arr(db.numpy())})

rng = np.random.default_rng(0)
smooth = cv2.GaussianBlur(rng.random((24, 31)).astype(np.float32), (5, 5), 1.5)
noisy = np.clip(smooth + 0.1 * rng.standard_normal((24, 31)).astype(np.float32), 0, 1).astype(np.float32)
# a real spectrogram image: the first clip's log-mel in [0, 1], low frequencies at the bottom
db0 = np.array(cases["mel"][0]["db"]["data"], dtype=np.float32).reshape(cases["mel"][0]["db"]["shape"])[::-1].copy()
spec = ((db0 - db0.min()) / (db0.max() - db0.min())).astype(np.float32)
for name, img in (("noisy", noisy), ("spectrogram", spec)):
    for d, sc, ss in ((5, 0.1, 2.0), (9, 0.3, 4.0), (0, 0.2, 1.5), (-1, 0.05, 3.5), (3, 75.0, 75.0)):
        out = cv2.bilateralFilter(img, d, sc, ss)
        cases["bilateral"].append({"image": name, "d": d, "sigmaColor": sc, "sigmaSpace": ss, "input": arr(img), "output": arr(out)})
    for (h, w), mode in (((12, 16), "area"), ((64, 64), "bilinear"), ((10, 7), "bilinear"), ((7, 9), "area")):
        out = cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA if mode == "area" else cv2.INTER_LINEAR)
        cases["resize"].append({"image": name, "height": h, "width": w, "mode": mode, "input": arr(img), "output": arr(out)})

with open(os.path.join(FIX, "audio.json"), "w") as f:
    json.dump({"generator": "scripts/make_audio_fixtures.py", "torchaudio": torchaudio.__version__, "opencv": cv2.__version__,
               "cases": cases}, f)
print(f"wrote {sum(len(v) for v in cases.values())} cases")
