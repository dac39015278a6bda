"""Labelled data: loaders for the public sets and our news corpus, mapped onto the three categories.

Every loader returns a ``LabelledSet`` whose ``labels`` is an (n, 3) float array in ``CATEGORIES``
order holding 1 (violates), 0 (does not) or NaN (*this dataset says nothing about this category*):
training turns NaN into a zero sample weight, so a dataset only trains the categories it labels.
``LABEL_MAPPING`` below is the documented mapping (also written to the model's sidecar).

Splits: official test sets (OLID test A, Impermium ``test_with_solutions``) and a fixed, seeded
held-out share of Jigsaw and Davidson are never trained on; ``SPLIT_SEED`` does not change with the
training seed, so evaluation always sees the same held-out rows.
"""

from __future__ import annotations

import csv
import functools
import html
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .categories import CATEGORIES

SPLIT_SEED = 20261130
HELD_OUT_SHARE = 0.15
NAN = float("nan")
PACKAGE_CORPUS = Path(__file__).parent / "corpus"
DEV_FILES = ("dev_news.jsonl", "dev_news_extra.jsonl", "dev_news_hard.jsonl")  # held out (news_dev)
TEST_FILE = "test_news.jsonl"  # blind (news_test)

LABEL_MAPPING: dict[str, dict[str, str]] = {
    "davidson-hate-offensive": {
        "0 hate speech": "derogatory=1; obscene=1 when the word list has a severe hit, else not "
        "labelled; personal not labelled",
        "1 offensive language": "obscene=1; derogatory not labelled (many 'offensive' tweets use "
        "slurs, which our rule calls derogatory); personal not labelled",
        "2 neither": "obscene=0, personal=0, derogatory=0",
    },
    "impermium-insults": {
        "1 insult to a participant": "personal=1",
        "0 neutral": "personal=0 (profane or group-directed text can be 0 here, so obscene and "
        "derogatory are not labelled by this set)",
    },
    "jigsaw-toxic-wikipedia-20k": {
        "first 3,000 (six labels)": "obscene=obscene|severe_toxic, personal=insult|threat, "
        "derogatory=identity_hate",
        "other rows, toxic=0": "obscene=0, personal=0, derogatory=0",
        "other rows, toxic=1": "obscene=1 when the word list has a severe hit (Jigsaw's toxic rows "
        "with profanity are nearly always labelled obscene in the 3,000), else not labelled; "
        "personal=1 when the text addresses 'you' (features' mkyou marker: rudeness toward an "
        "editor, which our rule calls personal even where Jigsaw's narrower 'insult' is 0), else not "
        "labelled; derogatory not labelled",
    },
    "olid": {
        "NOT": "obscene=0, personal=0, derogatory=0",
        "OFF UNT (untargeted profanity)": "obscene=1, personal=0, derogatory=0",
        "OFF TIN IND (targeted at a person)": "personal=1, derogatory=0; obscene not labelled",
        "OFF TIN GRP (targeted at a group)": "derogatory=1, personal=0; obscene not labelled",
        "OFF TIN OTH (organisation, event, issue)": "not labelled for any category (offensive "
        "toward an organisation or issue: neither clearly personal nor clearly not)",
    },
    "news (our corpus)": {"obscene/personal/derogatory": "used as labelled, with a higher weight"},
}

SOURCES: list[dict[str, str]] = [
    {"name": "davidson-hate-offensive", "license": "MIT (repo); tweet text under X/Twitter terms",
     "citation": "Davidson, Warmsley, Macy, Weber. Automated Hate Speech Detection and the Problem "
     "of Offensive Language. ICWSM 2017."},
    {"name": "impermium-insults", "license": "no open license: Kaggle 2012 competition data, internal "
     "research/evaluation only, do not redistribute",
     "citation": "O'Connor, Glider, parag. Detecting Insults in Social Commentary. Kaggle, 2012."},
    {"name": "jigsaw-toxic-wikipedia-20k", "license": "labels CC0, text CC BY-SA 3.0 (Wikipedia); "
     "Kaggle competition rules; keep internal",
     "citation": "Jigsaw/Conversation AI. Toxic Comment Classification Challenge. Kaggle, 2018."},
    {"name": "olid", "license": "no license stated (research data, cite); tweet text under X/Twitter "
     "terms", "citation": "Zampieri et al. Predicting the Type and Target of Offensive Posts in "
     "Social Media. NAACL 2019."},
    {"name": "news (moderation/corpus)", "license": "our own hand-labelled comments (project license)",
     "citation": "this repository"},
]


@dataclass
class LabelledSet:
    """Texts (cleaned, not folded) with (n, 3) labels; ``meta`` holds each row's original labels."""

    name: str
    texts: list[str]
    labels: np.ndarray
    meta: dict[str, list[Any]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, rows: np.ndarray, name: str | None = None) -> LabelledSet:
        """The rows ``rows`` (indices or boolean mask) as a new set."""
        idx = np.arange(len(self))[rows]
        meta = {k: [v[i] for i in idx] for k, v in self.meta.items()}
        return LabelledSet(name or self.name, [self.texts[i] for i in idx], self.labels[idx], meta)


def _labels(rows: list[tuple[float, ...]]) -> np.ndarray:
    return np.array(rows, dtype=float).reshape(-1, len(CATEGORIES))


def held_out_mask(n: int, share: float = HELD_OUT_SHARE) -> np.ndarray:
    """The fixed held-out rows of a dataset without an official test split."""
    rng = np.random.default_rng(SPLIT_SEED + n)
    return rng.random(n) < share


# --- text cleaning -------------------------------------------------------------------------------

_MENTION = re.compile(r"(?:\bRT\s+)?@\w+:?|\bURL\b|https?://\S+")
_BYTES = re.compile(r"(?:\\x[0-9a-fA-F]{2})+")


def clean_tweet(text: str) -> str:
    """Unescape HTML entities; drop RT markers, @mentions and links (they carry no meaning here)."""
    text = _MENTION.sub(" ", html.unescape(text)).replace("#", " ")
    return " ".join(text.split())


def clean_impermium(text: str) -> str:
    """Undo Impermium's (sometimes double) backslash escaping."""
    text = text.strip().strip('"').replace("\\\\", "\\")
    text = _BYTES.sub(lambda m: _decode_bytes(m.group()), text)
    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
    text = re.sub(r"\\[ntr]", " ", text).replace("\\'", "'").replace('\\"', '"')
    return " ".join(text.split())


def _decode_bytes(escaped: str) -> str:
    raw = bytes.fromhex(escaped.replace("\\x", ""))
    try:
        return raw.decode("utf-8").replace("\xa0", " ")
    except UnicodeDecodeError:
        return raw.decode("latin-1").replace("\xa0", " ")


# --- loaders -------------------------------------------------------------------------------------

def load_davidson(data_dir: Path) -> LabelledSet:
    """Davidson et al. 2017; ``meta['class']`` is 0 hate / 1 offensive / 2 neither."""
    import pandas as pd

    df = pd.read_csv(data_dir / "davidson-hate-offensive" / "labeled_data.csv", index_col=0)
    table = {0: (NAN, NAN, 1.0), 1: (1.0, NAN, NAN), 2: (0.0, 0.0, 0.0)}
    classes = [int(c) for c in df["class"]]
    texts = [clean_tweet(t) for t in df["tweet"]]
    rows: list[tuple[float, ...]] = [(1.0, NAN, 1.0) if c == 0 and _severe(t) else table[c]
            for c, t in zip(classes, texts, strict=True)]
    return LabelledSet("davidson", texts, _labels(rows), {"class": classes})


def load_impermium(data_dir: Path, split: str) -> LabelledSet:
    """Impermium insults; ``split`` is "train" or "test" (the official labelled test set)."""
    import pandas as pd

    name = "train.csv" if split == "train" else "test_with_solutions.csv"
    df = pd.read_csv(data_dir / "impermium-insults" / name)
    insult = [int(v) for v in df["Insult"]]
    texts = [clean_impermium(t) for t in df["Comment"]]
    labels = _labels([(NAN, float(v), NAN) for v in insult])
    return LabelledSet(f"impermium-{split}", texts, labels, {"insult": insult})


def load_jigsaw(data_dir: Path) -> LabelledSet:
    """Jigsaw 20k; the first 3,000 rows carry the six labels; ``meta['toxic']`` for all."""
    import pandas as pd

    root = data_dir / "jigsaw-toxic-wikipedia-20k"
    parts = [pd.read_csv(root / f"text_comment_{i}.csv") for i in (1, 2)]
    df = pd.concat(parts, ignore_index=True)
    multi = pd.read_csv(root / "first3000_multilabel.csv")
    rows: list[tuple[float, ...]] = []
    for i, toxic in enumerate(df["labels"]):
        if i < len(multi):
            m = multi.iloc[i]
            rows.append((float(m.obscene or m.severe_toxic), float(m.insult or m.threat),
                         float(m.identity_hate)))
        else:
            rows.append(_jigsaw_toxic_only(df["comment_text"][i]) if toxic else (0.0, 0.0, 0.0))
    toxic_list = [int(v) for v in df["labels"]]
    return LabelledSet("jigsaw", list(df["comment_text"]), _labels(rows), {"toxic": toxic_list})


def _jigsaw_toxic_only(text: str) -> tuple[float, ...]:
    """A toxic row without category labels: obscene if it has a severe word-list hit, personal if
    it addresses "you" (on the 3,000, 55 % of toxic rows addressing "you" are labelled insult or
    threat; most of the rest are rudeness toward an editor, which our rule calls personal)."""
    from .features import markers
    from .text import fold

    you = "mkyou" in markers(fold(text).text)
    return (1.0 if _severe(text) else NAN, 1.0 if you else NAN, NAN)


def _severe(text: str) -> bool:
    from .text import fold
    from .wordlist import Severity, WordList

    return any(m.severity is Severity.SEVERE for m in _wordlist(WordList).match(fold(text)))


@functools.cache
def _wordlist(cls: Any) -> Any:
    return cls.default()

_OLID = {
    ("NOT", "NULL", "NULL"): (0.0, 0.0, 0.0),
    ("OFF", "UNT", "NULL"): (1.0, 0.0, 0.0),
    ("OFF", "TIN", "IND"): (NAN, 1.0, 0.0),
    ("OFF", "TIN", "GRP"): (NAN, 0.0, 1.0),
    ("OFF", "TIN", "OTH"): (NAN, NAN, NAN),
}


def load_olid(data_dir: Path, split: str) -> LabelledSet:
    """OLID; "train" maps levels A/B/C, "test" is test A with only ``meta['a']`` (OFF/NOT)."""
    import pandas as pd

    root = data_dir / "olid"
    if split == "train":
        df = pd.read_csv(root / "olid-training-v1.0.tsv", sep="\t", quoting=csv.QUOTE_NONE,
                         keep_default_na=False)
        keys = list(zip(df.subtask_a, df.subtask_b, df.subtask_c, strict=True))
        labels = _labels([_OLID[k] for k in keys])
        a = list(df.subtask_a)
        extra = {"b": list(df.subtask_b), "c": list(df.subtask_c)}
    else:
        df = pd.read_csv(root / "testset-levela.tsv", sep="\t", quoting=csv.QUOTE_NONE)
        lab = pd.read_csv(root / "labels-levela.csv", header=None, names=["id", "label"])
        lab = lab[lab["id"].astype(str) != "id"].astype({"id": int})
        df = df.merge(lab, on="id")
        a = list(df["label"])
        labels = _labels([(NAN, NAN, NAN)] * len(df))
        extra = {}
    texts = [clean_tweet(t) for t in df["tweet"]]
    return LabelledSet(f"olid-{split}", texts, labels, {"a": a, **extra})


def load_news(path: Path) -> LabelledSet:
    """Our hand-labelled news comments (JSON Lines: text, obscene, personal, derogatory, kind)."""
    texts, rows, kinds = [], [], []
    for record in _jsonl(path):
        texts.append(str(record["text"]))
        rows.append(tuple(float(bool(record.get(str(c), 0))) for c in CATEGORIES))
        kinds.append(str(record.get("kind", "")))
    return LabelledSet(f"news-{path.stem}", texts, _labels(rows), {"kind": kinds})


def news_dev() -> LabelledSet | None:
    """Our dev corpus (``DEV_FILES`` present, as one set): never fitted on; calibration and the
    policy thresholds are chosen on it."""
    return _news_files(DEV_FILES, "news-dev_news")


def news_test() -> LabelledSet | None:
    """Our blind test set: never fitted on, never used to choose anything; only reported."""
    return _news_files((TEST_FILE,), "news-test_news")


def _news_files(names: Sequence[str], name: str) -> LabelledSet | None:
    parts = [load_news(PACKAGE_CORPUS / n) for n in names if (PACKAGE_CORPUS / n).is_file()]
    if not parts:
        return None
    return LabelledSet(name, [t for p in parts for t in p.texts],
                       np.vstack([p.labels for p in parts]),
                       {"kind": [k for p in parts for k in p.meta["kind"]]})


def _jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


# --- the splits ----------------------------------------------------------------------------------

def public_training_sets(data_dir: Path) -> list[LabelledSet]:
    """The public sets minus their test / held-out rows and minus any row whose text also occurs
    in those (sources contain duplicate texts); sets absent from ``data_dir`` are skipped."""
    out: list[LabelledSet] = []
    held_out = {ds.name.split("-")[0]: set(ds.texts) for ds in public_evaluation_sets(data_dir)}
    for name, load in _public_loaders(data_dir, "train").items():
        ds = load()
        keep = np.array([t not in held_out.get(name, ()) for t in ds.texts], dtype=bool)
        if name in ("davidson", "jigsaw"):
            keep &= ~held_out_mask(len(ds))
        out.append(ds.subset(keep))
    return out


def public_evaluation_sets(data_dir: Path) -> list[LabelledSet]:
    """Official test sets and the fixed held-out rows: never trained on."""
    out: list[LabelledSet] = []
    for name, load in _public_loaders(data_dir, "test").items():
        ds = load()
        if name in ("davidson", "jigsaw"):
            ds = ds.subset(held_out_mask(len(ds)), f"{name}-held-out")
        out.append(ds)
    return out


def available(data_dir: Path) -> list[str]:
    """Names of the public sets present in ``data_dir``."""
    return list(_public_loaders(data_dir, "test"))


def _public_loaders(data_dir: Path, split: str) -> dict[str, Any]:
    present = {
        "davidson": ("davidson-hate-offensive", lambda: load_davidson(data_dir)),
        "impermium": ("impermium-insults", lambda: load_impermium(data_dir, split)),
        "jigsaw": ("jigsaw-toxic-wikipedia-20k", lambda: load_jigsaw(data_dir)),
        "olid": ("olid", lambda: load_olid(data_dir, split)),
    }
    return {k: fn for k, (folder, fn) in present.items() if (data_dir / folder).is_dir()}
