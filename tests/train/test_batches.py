"""nnnotes.train.batches: the split, the statistics, the augmentations."""

from __future__ import annotations

import pytest
import torch

from nnnotes.train.batches import augment, pixel_statistics


def images(n: int) -> torch.Tensor:
    """``uint8`` rows of random images with no black pixel: a 0 can only be the fill."""
    return torch.randint(1, 256, (n, 784), dtype=torch.uint8, generator=torch.Generator().manual_seed(1))


def moves(image: torch.Tensor, moved: torch.Tensor, max_shift: int) -> set[tuple[int, int, bool]]:
    """Every (dy, dx, mirrored) under which ``moved`` is ``image`` shifted with black fill."""
    found = set()
    for flip in (False, True):
        source = image.flip(1) if flip else image
        for dy in range(-max_shift, max_shift + 1):
            for dx in range(-max_shift, max_shift + 1):
                rolled = torch.roll(source, (dy, dx), (0, 1))
                inside = moved != 0
                if torch.equal(moved[inside], rolled[inside]) and \
                        int(inside.sum()) == (28 - abs(dy)) * (28 - abs(dx)):
                    found.add((dy, dx, flip))
    return found


def test_shift_moves_each_image_by_at_most_max_shift_pixels_and_fills_with_black():
    x = images(200)
    shifted = augment(x, "shift", 2, torch.Generator().manual_seed(0)).view(200, 28, 28)
    seen = set()
    for image, moved in zip(x.view(200, 28, 28), shifted):
        found = {m for m in moves(image, moved, 2) if not m[2]}
        assert found, "an image is not a shift of at most 2 pixels"
        seen |= found
    assert len(seen) == 25  # every offset occurs


def test_flip_mirrors_half_of_the_images_and_leaves_the_rest_alone():
    x = images(1000)
    flipped = augment(x, "flip", 2, torch.Generator().manual_seed(0))
    mirrored = (flipped.view(-1, 28, 28) == x.view(-1, 28, 28).flip(2)).all(2).all(1)
    unchanged = (flipped == x).all(1)
    assert bool((mirrored | unchanged).all()) and int(mirrored.sum()) == 500


def test_shift_and_flip_together_use_every_variant_once_per_batch():
    x = images(180)  # 9 offsets of up to 1 pixel, each mirrored or not: 18 chunks of 10
    out = augment(x, "shift+flip", 1, torch.Generator().manual_seed(0)).view(180, 28, 28)
    found = [moves(image, moved, 1) for image, moved in zip(x.view(180, 28, 28), out)]
    assert all(found) and len(set.union(*found)) == 18


def test_none_leaves_the_batch_as_it_is():
    x = images(10)
    assert augment(x, "none", 2, torch.Generator()) is x


@pytest.mark.parametrize("start, stop", [(0, 50), (50, 100), (13, 77)])
def test_a_slice_of_a_batch_is_augmented_as_in_the_whole_batch(start, stop):
    # a process of a data-parallel run holds a slice of each mini-batch
    x = images(100)
    whole = augment(x, "shift+flip", 2, torch.Generator().manual_seed(3))
    part = augment(x[start:stop], "shift+flip", 2, torch.Generator().manual_seed(3), start, 100)
    assert torch.equal(part, whole[start:stop])


def test_pixel_statistics_from_the_histogram_equal_those_of_a_float_copy():
    x = images(500)
    mean, std = pixel_statistics(x)
    pixels = x.double() / 255
    assert mean == pytest.approx(pixels.mean().item(), rel=1e-12)
    assert std == pytest.approx(pixels.std().item(), rel=1e-12)


def test_prepare_keeps_training_images_as_bytes_and_holds_out_a_seeded_standardised_split(data_dir):
    from nnnotes.train import Config
    from nnnotes.train.batches import prepare

    cfg = Config(dataset="fashion-mnist", data_dir=str(data_dir), train_size=1000, val_fraction=0.2)
    d = prepare(cfg, torch.device("cpu"))
    assert d.x_train.shape == (800, 784) and d.x_train.dtype == torch.uint8
    assert d.x_val.shape == (200, 784) and d.x_val.dtype == torch.float32
    x = d.normalize(d.x_train)
    assert abs(x.mean().item()) < 1e-5 and abs(x.std().item() - 1) < 1e-4
    again = prepare(cfg, torch.device("cpu"))
    assert torch.equal(d.y_val, again.y_val)  # the same seed holds out the same images
