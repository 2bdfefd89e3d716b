"""The registry and the offline CIFAR-10 model: it is the network pyautoattack ships."""

import importlib.util
import subprocess
import sys

import torch

from boundary_core.data.photos import PHOTO_NAMES, load_photo, photo_set
from boundary_core.models import get_spec, list_models
from boundary_core.models.cifar10 import pyautoattack_weights_path


def test_rebuilt_resnet_matches_pyautoattacks_original(cifar_model):
    path = pyautoattack_weights_path().parent / "resnet.py"
    spec = importlib.util.spec_from_file_location("pyautoattack_resnet", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    original = module.ResNet18()
    state = torch.load(pyautoattack_weights_path(), map_location="cpu", weights_only=True)
    original.load_state_dict(state)
    original.eval()
    x = torch.rand(4, 3, 32, 32, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        assert torch.allclose(cifar_model(x), original(x), atol=1e-5)


def test_registry_entries_are_complete():
    for spec in list_models():
        summary = spec.summary()
        assert summary["num_classes"] == len(spec.class_names) > 1
        assert len(spec.input_size) == 3 and spec.training
        assert isinstance(spec.offline, bool)


def test_gallery_photos_load_offline_and_the_cat_is_a_cat(cifar_model):
    spec = get_spec("cifar10-resnet18")
    x = torch.stack([load_photo(name) for name in PHOTO_NAMES])
    assert x.shape == (len(PHOTO_NAMES), 3, 32, 32) and 0 <= x.min() and x.max() <= 1
    with torch.no_grad():
        predicted = cifar_model(x).argmax(1)
    labels = dict(zip(PHOTO_NAMES, (spec.class_names[i] for i in predicted), strict=True))
    assert labels["chelsea"] == "cat" and labels["horse"] == "horse"
    images, names = photo_set(variants=2)
    assert len(images) == len(names) == 3 * len(PHOTO_NAMES)
    assert torch.equal(images, photo_set(variants=2)[0])  # deterministic


def test_core_does_not_import_the_ui():
    code = (
        "import sys, boundary_core.explain, boundary_core.search, boundary_core.cli, "
        "boundary_core.models; boundary_core.models.list_models(); "
        "print('streamlit' in sys.modules, 'plotly' in sys.modules)"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert output.stdout.strip() == "False False"
