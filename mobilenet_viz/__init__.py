"""MobileNet Lab's library: cost models, blocks, architectures, filtering, inference.

Pure Python + torch. It never imports Streamlit, so the CLI, the tests and the benchmarks use
exactly the numbers the app shows.

Importing it turns ONNX Runtime's telemetry off for the process (``ORT_DISABLE_TELEMETRY=1``,
read by onnxruntime when it is first imported; ``onnxruntime.disable_telemetry_events()`` comes
too late: since 1.29 the import itself writes a device id and an event database under
``~/.cache/Microsoft/DeveloperTools/.onnxruntime``). An explicit setting in the environment wins.
"""

import os

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

__version__ = "0.1.0"
