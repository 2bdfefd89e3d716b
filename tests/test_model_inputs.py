"""Photos are prepared per model: ImageNet's resize 256 + centre crop 224 keeps the central 87.5%
of the shorter side; the shipped models keep the whole centred square."""

import numpy as np
import pytest

from boundary_core.data.images import center_square, preprocess
from boundary_core.models import get_spec


def test_imagenet_crop_is_the_central_224_of_a_256_image():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, size=(256, 256, 3), dtype=np.uint8)
    spec = get_spec("imagenet-resnet50")
    assert spec.crop_fraction == pytest.approx(224 / 256)
    x = preprocess(image, 224, spec.crop_fraction).numpy()  # (3, 224, 224)
    expected = image[16:240, 16:240].transpose(2, 0, 1) / 255.0  # no resampling at this size
    np.testing.assert_allclose(x, expected, atol=1e-6)


def test_shipped_models_keep_the_whole_square_and_bad_fractions_are_refused():
    assert get_spec("shapes-standard").crop_fraction == 1.0
    image = np.zeros((30, 50, 3), dtype=np.uint8)
    assert center_square(image).shape == (30, 30, 3)
    assert center_square(image, 0.5).shape == (15, 15, 3)
    for fraction in (0.0, 1.5, float("nan")):
        with pytest.raises(ValueError, match="crop fraction"):
            center_square(image, fraction)
