"""Hook-free feature maps equal the block's own forward pass and leave the model untouched."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image
from torchvision.models import MobileNet_V2_Weights, mobilenet_v2

from mobilenet_viz.analytic.blocks import inverted_residual, mobilenet_v2_presets
from mobilenet_viz.runtime.feature_maps import (
    block_feature_maps,
    channel_mosaic,
    num_blocks,
    sparsity,
    strongest_channels,
)


def preprocess(image: Image.Image) -> torch.Tensor:
    """torchvision's own preset for these weights (what the app uses), as a batch of one."""
    return MobileNet_V2_Weights.IMAGENET1K_V1.transforms()(image.convert("RGB")).unsqueeze(0)


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return mobilenet_v2().eval()


@pytest.fixture(scope="module")
def batch():
    image = Image.fromarray((np.random.default_rng(0).random((180, 240, 3)) * 255).astype(np.uint8))
    return preprocess(image)


@pytest.mark.parametrize("block", [1, 2, 3, 14, 17])
def test_maps_equal_the_blocks_forward(model, batch, block):
    state = {k: v.clone() for k, v in model.state_dict().items()}
    maps = block_feature_maps(model, block, batch)
    with torch.inference_mode():
        x = model.features[:block](batch)
        expected = model.features[block](x)[0]
    torch.testing.assert_close(maps["output"], expected)
    torch.testing.assert_close(maps["input"], x[0])
    config = mobilenet_v2_presets()[block - 1].config
    cost = inverted_residual(config)
    assert [tuple(maps[s.name].shape) for s in cost.stages] == [s.output_shape for s in cost.stages]
    assert ("expand" in maps) == (config.expansion != 1)
    # nothing registered, nothing changed
    assert all(not m._forward_hooks for m in model.modules())
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in state.items())


def test_relu6_stages_are_clipped_and_projection_is_not(model, batch):
    maps = block_feature_maps(model, 3, batch)
    assert maps["expand"].min() >= 0 and maps["expand"].max() <= 6
    assert maps["depthwise"].min() >= 0
    assert maps["project"].min() < 0  # linear: negative values survive
    assert sparsity(maps["project"]) < 0.01 < sparsity(maps["expand"])


def test_bad_block_and_training_mode(batch):
    net = mobilenet_v2()
    assert num_blocks(net) == 17
    with pytest.raises(ValueError, match="eval"):
        block_feature_maps(net, 3, batch)
    with pytest.raises(ValueError, match="1..17"):
        block_feature_maps(net.eval(), 18, batch)


def test_mosaic_layout():
    maps = torch.arange(5 * 7 * 7, dtype=torch.float32).reshape(5, 7, 7)
    channels = strongest_channels(maps, 3)
    assert channels == [4, 3, 2]
    mosaic = channel_mosaic(maps, channels, columns=2, tile=14)
    assert mosaic.shape == (2 * 14 + 1, 2 * 14 + 1)
    assert mosaic.min() == 0 and mosaic.max() == 1


@pytest.mark.weights
def test_pretrained_maps_on_a_real_photo(test_weights_path, test_photos_dir):
    net = mobilenet_v2()
    net.load_state_dict(torch.load(test_weights_path, weights_only=True))
    net.eval()
    batch = preprocess(Image.open(test_photos_dir / "cat.jpg"))
    with torch.inference_mode():
        top = net(batch).argmax(1).item()
    assert top == 285  # Egyptian cat
    maps = block_feature_maps(net, 5, batch)
    with torch.inference_mode():
        expected = net.features[:6](batch)[0]
    torch.testing.assert_close(maps["output"], expected)
    assert maps["expand"].max() <= 6 and sparsity(maps["expand"]) > 0.2
