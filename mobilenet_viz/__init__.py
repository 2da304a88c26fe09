"""MobileNet Lab's library: cost models, blocks, architectures, filtering, inference.

Pure Python + torch. It never imports Streamlit, so the CLI, the tests and the benchmarks use
exactly the numbers the app shows.
"""

__version__ = "0.1.0"
