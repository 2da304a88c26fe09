"""Real networks and real measurements (torch, torchvision, ONNX Runtime).

weights (loading and checking state_dicts), engines (eager, TorchScript, ONNX Runtime, int8),
serving (threads per inference, inference slots), timing (timed runs, batches, engines side by side),
classify (photos -> top-k with per-step timing), cam, feature_maps (activations of a real image),
filtering (one layer's filters on an image), layer_timing (measured time per layer: a conv vs its
separable pair, every layer of MobileNetV2), v3_timing, se_attention, quantization (int8).
"""
