"""Image augmentation: a registry of seeded transforms of image batches [N, C, H, W] in [0, 1];
`fresh_augmentation`, which the Trainer applies to each epoch's training images (new transforms every
epoch, as torchvision's random transforms give); and `augment`, which instead appends fixed augmented
copies made once. Validation and test images are never augmented. It does not load data or train.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

from playground.registry import Registry

AUGMENTATIONS: Registry[Callable[[np.ndarray, np.random.Generator], np.ndarray]] = Registry("augmentation")


@AUGMENTATIONS.register("shift", "Shift", "move each image by up to 1/8 of its side in x and y")
def shift(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """x: [N, C, H, W]; zero-filled shifts of up to max(1, H // 8) pixels."""
    n, _, h, w = x.shape
    m = max(1, h // 8)
    out = np.zeros_like(x)
    for i, (dy, dx) in enumerate(rng.integers(-m, m + 1, (n, 2))):
        src = x[i, :, max(0, -dy):h - max(0, dy), max(0, -dx):w - max(0, dx)]
        out[i, :, max(0, dy):max(0, dy) + src.shape[1], max(0, dx):max(0, dx) + src.shape[2]] = src
    return out


@AUGMENTATIONS.register("rotate", "Rotate", "rotate each image by up to ±15°")
def rotate(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    import torch.nn.functional as F

    angle = np.deg2rad(rng.uniform(-15, 15, len(x)))
    cos, sin = np.cos(angle), np.sin(angle)
    theta = np.stack([np.stack([cos, -sin, 0 * cos], 1), np.stack([sin, cos, 0 * cos], 1)], 1)  # (N, 2, 3)
    t = torch.from_numpy(x)
    grid = F.affine_grid(torch.from_numpy(theta.astype(np.float32)), list(t.shape), align_corners=False)
    return F.grid_sample(t, grid, align_corners=False, padding_mode="zeros").numpy()


@AUGMENTATIONS.register("noise", "Noise", "add Gaussian pixel noise (σ = 0.1), clipped to [0, 1]")
def noise(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return np.clip(x + rng.normal(0, 0.1, x.shape).astype(np.float32), 0, 1)


def fresh_augmentation(names: Sequence[str], share: float = 0.5
                       ) -> Callable[[torch.Tensor, torch.Generator], torch.Tensor]:
    """(an epoch's training images [N, C, H, W], the trainer's generator) -> the images, each newly
    transformed with chance `share` (torchvision's RandomApply; below 1 originals are seen too), seeded from
    that generator: a run is reproducible from its seed, and a Reset starts the draws over."""
    transforms = [AUGMENTATIONS.get(name, "data.image.augment") for name in names]

    def apply(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        rng = np.random.default_rng(int(torch.randint(2**62, (1,), generator=gen)))
        pick = rng.random(len(x)) < share            # the rest stay as they are this epoch
        z = x.numpy().copy()
        part = z[pick]
        for fn in transforms:
            part = fn(part, rng)
        z[pick] = part
        return torch.from_numpy(z)

    return apply


def augment(x: np.ndarray, y: np.ndarray, names: Sequence[str], copies: int,
            rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Originals plus `copies` augmented versions of each (every named augmentation applied in turn)."""
    if not names or copies <= 0:
        return x, y
    xs = [x]
    for _ in range(copies):
        z = x
        for name in names:
            z = AUGMENTATIONS.get(name, "data.image.augment")(z, rng)
        xs.append(z.astype(np.float32))
    return np.concatenate(xs), np.tile(y, copies + 1)
