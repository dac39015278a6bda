"""Group swaps for training: same labels, another group of the same grammatical class."""

import numpy as np

from moderation.augment import ADJECTIVES, PLURALS, augmented, swap_groups
from moderation.datasets import LabelledSet


def test_each_variant_names_another_group_of_the_same_class() -> None:
    rng = np.random.default_rng(0)
    variants = swap_groups("Muslims are all the same, and the Polish ones too.", rng)
    assert len(variants) == 2
    for v in variants:
        words = v.casefold().replace(",", "").replace(".", "").split()
        assert "muslims" not in words and "polish" not in words
        assert sum(w in PLURALS for w in words) == 1
        assert sum(w in ADJECTIVES for w in words) == 1


def test_repeats_of_one_term_get_the_same_replacement() -> None:
    (v,) = swap_groups("Refugees, refugees everywhere.", np.random.default_rng(1), variants=1)
    first, second = v.rstrip(".").replace(",", "").split()[:2]
    assert first.casefold() == second.casefold() != "refugees"


def test_text_without_a_group_is_not_copied() -> None:
    assert swap_groups("The council has lost the plot on parking.", np.random.default_rng(0)) == []


def test_augmented_set_keeps_labels_and_is_reproducible() -> None:
    labels = np.array([[0.0, 0.0, 1.0], [0.0, 0.0, 0.0], [1.0, 0.0, 0.0]])
    source = LabelledSet(
        "news-x",
        ["Immigrants should all be sent back.", "The mosque reopens on Friday.", "What a load of crap"],
        labels,
        {"kind": ["derogatory_exclusion", "clean_neutral_group", "obscene_plain"]},
    )
    a, b = augmented([source], seed=3), augmented([source], seed=3)
    assert a.texts == b.texts and len(a) == 2  # only the line naming a group is swapped
    assert (a.labels == labels[0]).all()
    assert a.meta["kind"] == ["derogatory_exclusion"] * 2
