"""The trained classifier: build, save, load (skops, pinned types, sha256-checked), fast inference.

Training uses stock scikit-learn: one ``Pipeline(features, LogisticRegression)`` per category, all
sharing one fitted ``FeatureUnion`` of a word (1–2) and a char_wb (2–5) ``TfidfVectorizer``. Their
input is ``features.mark(fold(text).text)``.

Inference does not call scikit-learn: sklearn's transform + predict_proba cost ~2 ms per call. At
load, ``FastLinear`` takes the vectorisers' vocabularies, idf and each head's coefficients and
computes the same numbers (same analyzers, sublinear tf, idf, l2 norm per vectoriser, dot product,
sigmoid) with a cache of each word's char n-grams. ``tests/test_classifier.py`` checks equality
with the pipelines to 1e-9.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from collections.abc import Mapping, Sequence
from functools import lru_cache
from itertools import pairwise, repeat
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from .categories import CATEGORIES
from .errors import ModelRefused
from .features import MARKER_LABELS, mark

MODEL_NAME = "moderation"
WORD_TOKEN_PATTERN = r"(?u)\b\w+\b"

# Every type a model file may contain. A file holding anything else is refused before loading.
TRUSTED_TYPES: list[str] = [
    "builtins.dict",
    "builtins.list",
    "builtins.tuple",
    "builtins.str",
    "builtins.int",
    "builtins.float",
    "builtins.bool",
    "builtins.NoneType",
    "numpy.ndarray",
    "numpy.dtype",
    "numpy.float64",
    "numpy.int32",
    "numpy.int64",
    "sklearn.pipeline.Pipeline",
    "sklearn.pipeline.FeatureUnion",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.linear_model._logistic.LogisticRegression",
]


def build_features(*, word_max_features: int = 100_000, char_max_features: int = 200_000,
                   min_df: int = 2) -> FeatureUnion:
    """The shared vectoriser: word 1–2-grams and char_wb 2–5-grams, sublinear tf-idf, l2 each."""
    common: dict[str, Any] = {"lowercase": False, "sublinear_tf": True, "min_df": min_df,
                              "dtype": np.float64}
    word = TfidfVectorizer(analyzer="word", token_pattern=WORD_TOKEN_PATTERN, ngram_range=(1, 2),
                           max_features=word_max_features, **common)
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), max_features=char_max_features,
                           **common)
    return FeatureUnion([("word", word), ("char", char)])


def build_head(*, C: float = 4.0, seed: int = 0) -> LogisticRegression:
    """One category's head: L2 logistic regression (linear, reasonably calibrated)."""
    return LogisticRegression(C=C, solver="liblinear", max_iter=1000, random_state=seed)


# --- the fast path -------------------------------------------------------------------------------

class FastLinear:
    """Pure numpy/scipy re-implementation of the fitted pipelines' ``predict_proba``."""

    def __init__(self, pipelines: Mapping[str, Pipeline]) -> None:
        union: FeatureUnion = pipelines[CATEGORIES[0]].named_steps["features"]
        self._word: TfidfVectorizer = union.transformer_list[0][1]
        self._char: TfidfVectorizer = union.transformer_list[1][1]
        # sklearn's default "\b\w+\b" finds the same tokens as "\w+" (a maximal run of word
        # characters has a boundary at both ends), and "\w+" runs faster (bench/stages.py:
        # 7–13 µs against 10–16 µs per typical comment).
        pattern = self._word.token_pattern
        self._token = re.compile(r"\w+" if pattern == WORD_TOKEN_PATTERN else pattern)
        self._wv: dict[str, int] = self._word.vocabulary_
        self._cv: dict[str, int] = self._char.vocabulary_
        self._nw = len(self._wv)
        coef = np.vstack([pipelines[c].named_steps["clf"].coef_.ravel() for c in CATEGORIES]).T
        self.coef_word = np.ascontiguousarray(coef[: self._nw])
        self.coef_char = np.ascontiguousarray(coef[self._nw :])
        self.intercept = np.array([pipelines[c].named_steps["clf"].intercept_[0]
                                   for c in CATEGORIES])
        self.idf_word, self.idf_char = self._word.idf_, self._char.idf_
        self._char_cache: dict[str, np.ndarray] = {}

    def decision(self, marked: Sequence[str]) -> np.ndarray:
        """Linear scores (n, 3) for marked texts (a few numpy calls per batch)."""
        n = len(marked)
        return (_block_decision(*self._word_ids(marked), n, self.idf_word, self.coef_word)
                + _block_decision(*self._char_ids(marked), n, self.idf_char, self.coef_char)
                + self.intercept)

    def word_ngrams(self, text: str) -> list[str]:
        """The word analyzer: tokens then bigrams (lowercase=False, no stop words)."""
        tokens = self._token.findall(text)
        return tokens + list(map(" ".join, pairwise(tokens)))

    def _word_ids(self, marked: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(row, id) of every in-vocabulary word n-gram occurrence of the batch, row by row: the
        whole batch's n-grams are looked up in one ``map`` and filtered by numpy."""
        grams: list[str] = []
        lengths = []
        findall = self._token.findall
        for text in marked:
            tokens = findall(text)
            grams += tokens
            grams += map(" ".join, pairwise(tokens))
            lengths.append(max(2 * len(tokens) - 1, 0))
        ids = np.fromiter(map(self._wv.get, grams, repeat(-1)), dtype=_ID, count=len(grams))
        row = np.repeat(np.arange(len(marked), dtype=_ID), lengths)
        known = ids >= 0
        return row[known], ids[known]

    def _char_ids(self, marked: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(row, id) of every in-vocabulary char_wb n-gram occurrence of the batch, row by row."""
        words: list[str] = []
        lengths = []
        for text in marked:
            split = text.split()
            words += split
            lengths.append(len(split))
        parts = self.char_ids_of_words(words)
        if not parts:
            return _NO_IDS, _NO_IDS
        per_word = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
        word_row = np.repeat(np.arange(len(marked), dtype=_ID), lengths)
        return np.repeat(word_row, per_word), np.concatenate(parts)

    def char_ids_of_words(self, words: list[str]) -> list[np.ndarray]:
        """``char_ids_of_word`` of each word, hits taken from the cache in one ``map``."""
        # .get, not [], and misses filled one by one: another thread may clear the cache meanwhile.
        cached = list(map(self._char_cache.get, words))
        return [self.char_ids_of_word(w) if p is None else p for w, p in zip(words, cached)]

    def char_ids_of_word(self, word: str) -> np.ndarray:
        """Vocabulary ids of one word's char_wb n-grams (cached: words repeat across comments)."""
        hit = self._char_cache.get(word)
        if hit is None:
            if len(self._char_cache) >= _CHAR_CACHE_MAX:
                self._char_cache.clear()
            hit = self._char_cache[word] = self._char_ids_uncached(word)
        return hit

    def _char_ids_uncached(self, word: str) -> np.ndarray:
        vocab = self._cv
        return np.array([vocab[g] for g in char_wb_ngrams(word) if g in vocab], dtype=_ID)


_CHAR_CACHE_MAX = 100_000  # words; ~25 MB of id arrays


def char_wb_ngrams(word: str, min_n: int = 2, max_n: int = 5) -> list[str]:
    """scikit-learn's ``_char_wb_ngrams`` for one whitespace-free word, line for line."""
    w = " " + word + " "
    w_len = len(w)
    out = []
    for n in range(min_n, max_n + 1):
        offset = 0
        out.append(w[offset : offset + n])
        while offset + n < w_len:
            offset += 1
            out.append(w[offset : offset + n])
        if offset == 0:
            break
    return out


_ID = np.int32  # vocabulary ids; (row, id) keys are packed into one int32 (see _counts)
_NO_IDS = np.zeros(0, dtype=_ID)


def _block_decision(row: np.ndarray, ids: np.ndarray, n_rows: int, idf: np.ndarray,
                    coef: np.ndarray) -> np.ndarray:
    """One vectoriser's part of the linear score: Σ tfidf·coef over a row, divided by its l2 norm.

    The same numbers as ``_tfidf(...) @ coef``, built from one sort of the whole batch: measured
    on 180-character comments, ~27 µs per comment for the char block against ~65 µs with int64
    keys and a bincount per category. One comment (the web service's case) skips the sparse
    matrix, whose construction cost about as much as the arithmetic (measured once beside the
    replaced code: ~300 → ~140–200 µs for both blocks; ``bench/stages.py`` times this path).
    """
    if n_rows != 1:
        return np.asarray(_tfidf(row, ids, n_rows, idf) @ coef)
    _, feature, counts = _counts(row, ids, 1, len(idf))
    value = np.log(counts)
    value += 1.0
    value *= idf[feature]
    norm = np.sqrt(value @ value)
    if not norm:
        return np.zeros((1, coef.shape[1]))
    return ((value / norm) @ coef[feature])[None, :]


def _tfidf(row: np.ndarray, ids: np.ndarray, n_rows: int, idf: np.ndarray) -> sp.csr_matrix:
    """Counts → 1 + log(tf) → × idf → row l2 norm (rows of zeros stay zero). ``row`` and ``ids``
    list each n-gram occurrence, rows in order."""
    n_features = len(idf)
    row, feature, counts = _counts(row, ids, n_rows, n_features)
    value = (np.log(counts) + 1.0) * idf[feature]
    norms = np.sqrt(np.bincount(row, weights=value * value, minlength=n_rows))
    norms[norms == 0.0] = 1.0
    value /= norms[row]
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(row, minlength=n_rows), out=indptr[1:])
    return sp.csr_matrix((value, feature, indptr), shape=(n_rows, n_features))


def _counts(row: np.ndarray, ids: np.ndarray, n_rows: int,
            n_features: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, feature, count) of each distinct id per row, sorted by row then feature, from the
    occurrences' ``row`` (ascending) and ``ids``.

    Each id becomes the key ``row · n_features + id``; one sort of the keys groups equal ones.
    int32 keys sort about twice as fast as int64, so a large batch is keyed in chunks of rows
    that fit in int32.
    """
    per_chunk = max(1, (2**31 - 1) // max(n_features, 1))
    if n_rows > per_chunk:
        firsts = range(0, n_rows, per_chunk)
        cuts = np.searchsorted(row, [*firsts, n_rows])
        parts = [_counts(row[a:b] - first, ids[a:b], min(per_chunk, n_rows - first), n_features)
                 for first, a, b in zip(firsts, cuts[:-1], cuts[1:])]
        return (np.concatenate([p[0] + first for p, first in zip(parts, firsts)]),
                np.concatenate([p[1] for p in parts]), np.concatenate([p[2] for p in parts]))
    if not len(ids):
        return np.zeros(0, np.int64), np.zeros(0, _ID), np.zeros(0, np.int64)
    keys = row.astype(_ID) * _ID(n_features)  # a fresh array: safe to change in place
    keys += ids
    keys.sort()
    # np.diff with prepend/append, written out: it cost ~10 µs a call (measured once), most of a
    # short row's time
    first = np.empty(keys.size, dtype=bool)
    first[0] = True
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    counts = np.empty(starts.size, dtype=np.int64)
    np.subtract(starts[1:], starts[:-1], out=counts[:-1])
    counts[-1] = keys.size - starts[-1]
    row, feature = np.divmod(keys[starts], _ID(n_features))
    return row.astype(np.int64), feature, counts


# --- the loaded model ----------------------------------------------------------------------------

class Classifier:
    """A loaded model. Inputs are *folded* texts (``moderation.text.fold(t).text``)."""

    version: str
    thresholds: dict[str, tuple[float, float]]  # category -> (review_at, reject_at), from sidecar

    def __init__(self, pipelines: Mapping[str, Pipeline], meta: Mapping[str, Any]) -> None:
        self.pipelines = dict(pipelines)
        self.meta = dict(meta)
        self.version = str(meta.get("version", "unknown"))
        self.thresholds = {c: (float(t[0]), float(t[1]))
                           for c, t in meta.get("thresholds", {}).items()}
        self.calibration = calibration_array(meta.get("calibration"))
        self._fast = FastLinear(self.pipelines)

    def predict_proba(self, folded_texts: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities, shape (n, 3), columns in ``CATEGORIES`` order."""
        if len(folded_texts) == 0:
            return np.zeros((0, len(CATEGORIES)))
        return calibrated(self._fast.decision([mark(t) for t in folded_texts]), self.calibration)

    def predict_proba_sklearn(self, folded_texts: Sequence[str]) -> np.ndarray:
        """The same numbers through the scikit-learn pipelines (slow; the reference)."""
        marked = [mark(t) for t in folded_texts]
        z = np.column_stack([self.pipelines[c].decision_function(marked) for c in CATEGORIES])
        return calibrated(z, self.calibration)

    def explain(self, folded_text: str, k: int = 3) -> dict[str, list[tuple[str, float]]]:
        """Per category, the k features (phrases of the folded text) that raised the score most."""
        return explain(self._fast, mark(folded_text), k)


def calibration_array(raw: Mapping[str, Sequence[float]] | None) -> np.ndarray:
    """The sidecar's ``calibration`` ({category: [slope, intercept]}) as a (2, 3) array; a model
    without one keeps its raw probabilities (slope 1, intercept 0)."""
    raw = raw or {}
    pairs = [raw.get(str(c), (1.0, 0.0)) for c in CATEGORIES]
    return np.array([[float(a) for a, _ in pairs], [float(b) for _, b in pairs]])


def calibrated(decision: np.ndarray, calibration: np.ndarray) -> np.ndarray:
    """Platt scaling of the linear models' decision values: expit(slope · z + intercept)."""
    return np.asarray(expit(decision * calibration[0] + calibration[1]))


def explain(fast: FastLinear, marked: str, k: int) -> dict[str, list[tuple[str, float]]]:
    """Contributions (tf-idf value × coefficient) of word n-grams and markers; a word's char
    n-grams are shared among their occurrences and merged into the word. Vectorised: a held
    200-character comment is explained in a fraction of a millisecond."""
    labels: list[str] = []
    parts: list[np.ndarray] = []
    _word_parts(fast, marked, labels, parts)
    _char_parts(fast, marked, labels, parts)
    if not labels:
        return {str(cat): [] for cat in CATEGORIES}
    values = np.vstack(parts)
    names = list(dict.fromkeys(labels))  # distinct labels, first seen first
    index = {label: i for i, label in enumerate(names)}
    slot = np.fromiter(map(index.__getitem__, labels), dtype=np.int64, count=len(labels))
    out: dict[str, list[tuple[str, float]]] = {}
    for ci, cat in enumerate(CATEGORIES):
        column = np.bincount(slot, weights=values[:, ci], minlength=len(names))
        top = np.argsort(-column, kind="stable")[: k + 1]  # one spare: the empty label may rank
        out[str(cat)] = [(names[i], float(column[i])) for i in top
                         if column[i] > 0 and names[i]][:k]
    return out


def _word_parts(fast: FastLinear, marked: str, labels: list[str], parts: list[np.ndarray]) -> None:
    """Each distinct word n-gram's (and marker's) contribution, labelled readably."""
    grams = fast.word_ngrams(marked)
    looked_up = np.fromiter(map(fast._wv.get, grams, repeat(-1)), dtype=np.int64, count=len(grams))
    occurrences = looked_up[looked_up >= 0]
    if not occurrences.size:
        return
    gram_of = dict(zip(looked_up.tolist(), grams))  # id → its n-gram (-1: not in the vocabulary)
    ids, counts = np.unique(occurrences, return_counts=True)
    value = (np.log(counts) + 1.0) * fast.idf_word[ids]
    value /= np.sqrt(value @ value)
    labels.extend(_readable(gram_of[j]) for j in ids.tolist())
    parts.append(value[:, None] * fast.coef_word[ids])


def _char_parts(fast: FastLinear, marked: str, labels: list[str], parts: list[np.ndarray]) -> None:
    """Per word, the summed contribution of its char n-gram occurrences (an n-gram's value is
    shared equally among its occurrences)."""
    words = marked.split()
    ids = fast.char_ids_of_words(words)
    lengths = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
    total = int(lengths.sum())
    if not total:
        return
    flat = np.concatenate(ids).astype(np.int64)
    unique, inverse, counts = np.unique(flat, return_inverse=True, return_counts=True)
    value = (np.log(counts) + 1.0) * fast.idf_char[unique]
    per_occurrence = value / counts / np.sqrt(value @ value)
    contribution = per_occurrence[inverse][:, None] * fast.coef_char[flat]
    word = np.repeat(np.arange(len(words)), lengths)
    shares = np.column_stack([np.bincount(word, weights=contribution[:, c], minlength=len(words))
                              for c in range(contribution.shape[1])])
    nonempty = np.flatnonzero(lengths)
    labels.extend(_word_label(words[i]) for i in nonempty.tolist())
    parts.append(shares[nonempty])


@lru_cache(maxsize=1 << 16)
def _word_label(word: str) -> str:
    """How an explanation names one whitespace-separated word (cached: words repeat)."""
    return _readable(_EDGE_PUNCT.sub("", word))


_EDGE_PUNCT = re.compile(r"^\W+|\W+$")


def _readable(gram: str) -> str:
    """A marker's label; an n-gram straddling the text and its markers counts for the markers."""
    if "mk" not in gram:
        return gram  # every marker token starts with "mk"
    tokens = gram.split()
    marks = [MARKER_LABELS[t] for t in tokens if t in MARKER_LABELS]
    return " ".join(marks) if marks else gram


# --- persistence ---------------------------------------------------------------------------------

def save(pipelines: Mapping[str, Pipeline], model_dir: Path, meta: dict[str, Any]) -> Path:
    """Write ``<name>.skops`` and its sidecar ``<name>.json`` (with the sha256); return the
    sidecar's path."""
    import sklearn
    import skops
    import skops.io as sio

    model_dir.mkdir(parents=True, exist_ok=True)
    artifact = model_dir / f"{MODEL_NAME}.skops"
    vectorizers = _vectorizers(pipelines)
    vocabularies = {name: vec.vocabulary_ for name, vec in vectorizers.items()}
    try:
        # skops writes a dict entry by entry into its JSON schema (~1 GB for our vocabularies);
        # one string of the terms in column order is the same mapping in a few MB.
        for vec in vectorizers.values():
            del vec.vocabulary_
        sio.dump({"pipelines": {str(c): pipelines[c] for c in CATEGORIES},
                  "vocabularies": {name: "\n".join(sorted(v, key=v.__getitem__))
                                   for name, v in vocabularies.items()}}, artifact)
    finally:
        for name, vec in vectorizers.items():
            vec.vocabulary_ = vocabularies[name]
    meta = {**meta, "file": artifact.name, "sha256": sha256(artifact),
            "sklearn_version": sklearn.__version__, "skops_version": skops.__version__}
    sidecar = model_dir / f"{MODEL_NAME}.json"
    sidecar.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return sidecar


def sha256(path: Path) -> str:
    """Hex sha256 of a file."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load(model_dir: Path) -> Classifier:
    """Load and verify the model in ``model_dir``; raise ``ModelRefused`` with the reason."""
    meta = read_sidecar(model_dir)
    artifact = model_dir / str(meta.get("file", f"{MODEL_NAME}.skops"))
    verify_artifact(artifact, str(meta.get("sha256", "")))
    import skops.io as sio

    try:
        obj = sio.load(artifact, trusted=TRUSTED_TYPES)
    except Exception as e:  # skops raises many types for a damaged archive
        raise ModelRefused(f"{artifact}: cannot be loaded ({type(e).__name__}: {e})") from e
    return Classifier(_attach_vocabularies(obj, artifact), meta)


def _vectorizers(pipelines: Mapping[str, Pipeline]) -> dict[str, TfidfVectorizer]:
    return dict(pipelines[CATEGORIES[0]].named_steps["features"].transformer_list)


def _attach_vocabularies(obj: Any, artifact: Path) -> dict[str, Pipeline]:
    """The saved pipelines with their vectorisers' ``vocabulary_`` rebuilt from the term lists."""
    try:
        pipelines = {str(c): obj["pipelines"][str(c)] for c in CATEGORIES}
        vectorizers = _vectorizers(pipelines)
        terms = {name: obj["vocabularies"][name].split("\n") for name in vectorizers}
    except (KeyError, TypeError, AttributeError) as e:
        raise ModelRefused(f"{artifact}: not a model of this engine (missing {e})") from e
    for name, vec in vectorizers.items():
        if len(terms[name]) != len(vec.idf_):
            raise ModelRefused(f"{artifact}: the {name} vocabulary does not match its idf")
        vec.vocabulary_ = {t: j for j, t in enumerate(terms[name])}
    return pipelines


def read_sidecar(model_dir: Path) -> dict[str, Any]:
    """The sidecar JSON next to the model."""
    sidecar = Path(model_dir) / f"{MODEL_NAME}.json"
    if not sidecar.is_file():
        raise ModelRefused(f"no model in {model_dir}: {sidecar.name} is missing")
    try:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ModelRefused(f"{sidecar}: unreadable sidecar ({e})") from e
    if not isinstance(meta, dict):
        raise ModelRefused(f"{sidecar}: sidecar is not a JSON object")
    return meta


def verify_artifact(artifact: Path, expected_sha256: str) -> None:
    """Refuse a missing, pickled, truncated, tampered or untrusted artifact, in that order."""
    if not artifact.is_file():
        raise ModelRefused(f"model file {artifact} is missing")
    with artifact.open("rb") as f:
        head = f.read(4)
    if head[:1] == b"\x80" or head[:2] in (b"(d", b"(l", b"}q", b"]q"):
        raise ModelRefused(f"{artifact} is a pickle; only skops files are loaded")
    if not _is_whole_zip(artifact):
        raise ModelRefused(f"{artifact} is truncated or damaged (not a complete skops archive)")
    actual = sha256(artifact)
    if actual != expected_sha256:
        raise ModelRefused(f"{artifact}: sha256 {actual[:12]}… differs from the sidecar's "
                           f"{expected_sha256[:12] or '(none)'}…")
    import skops.io as sio

    untrusted = set(sio.get_untrusted_types(file=artifact)) - set(TRUSTED_TYPES)
    if untrusted:
        raise ModelRefused(f"{artifact} contains untrusted types: {', '.join(sorted(untrusted))}")


def _is_whole_zip(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as z:
            return z.testzip() is None
    except (zipfile.BadZipFile, OSError, EOFError):
        return False
