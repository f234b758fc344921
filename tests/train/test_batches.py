"""nnnotes.train.batches: the split, the standardisation, the augmentations."""

from __future__ import annotations

import torch

from nnnotes.train.batches import flip_images, shift_images


def test_shift_moves_each_image_by_at_most_two_pixels_and_fills_with_background():
    images = torch.rand(200, 28, 28) + 1  # all pixels in [1, 2): background -1 is recognizable
    shifted = shift_images(images.view(200, -1), 2, -1.0, torch.Generator().manual_seed(0))
    shifted = shifted.view(200, 28, 28)
    found = set()
    for image, moved in zip(images, shifted):
        for dy in range(-2, 3):
            for dx in range(-2, 3):
                rolled = torch.roll(image, (dy, dx), (0, 1))
                inside = moved != -1
                if torch.equal(moved[inside], rolled[inside]) and \
                        int(inside.sum()) == (28 - abs(dy)) * (28 - abs(dx)):
                    found.add((dy, dx))
                    break
            else:
                continue
            break
        else:
            raise AssertionError("an image was not a shift of at most 2 pixels")
    assert len(found) == 25  # every offset occurs: each image gets its own



def test_flip_mirrors_about_half_of_the_images_and_leaves_the_rest_alone():
    images = torch.rand(1000, 784)
    flipped = flip_images(images, torch.Generator().manual_seed(0))
    mirrored = torch.tensor([torch.equal(f.view(28, 28), i.view(28, 28).flip(1))
                             for f, i in zip(flipped, images)])
    unchanged = (flipped == images).all(1)
    assert bool((mirrored | unchanged).all()) and 400 < int(mirrored.sum()) < 600


def test_prepare_holds_out_a_seeded_validation_split_standardised_with_training_statistics(data_dir):
    from nnnotes.train import Config
    from nnnotes.train.batches import prepare

    cfg = Config(dataset="fashion-mnist", data_dir=str(data_dir), train_size=1000, val_fraction=0.2)
    d = prepare(cfg, torch.device("cpu"))
    assert d.x_train.shape == (800, 784) and d.x_val.shape == (200, 784)
    assert abs(d.x_train.mean().item()) < 1e-5 and abs(d.x_train.std().item() - 1) < 1e-3
    again = prepare(cfg, torch.device("cpu"))
    assert torch.equal(d.y_val, again.y_val)  # the same seed holds out the same images
