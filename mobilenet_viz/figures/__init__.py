"""Figure builders, one module per topic: data in, figure out; no Streamlit."""

# plotly's validators look pandas up in sys.modules without importing it; while the app's
# preload thread (ui/startup.py) is still importing pandas they find a half-initialised module
# and raise AttributeError. Importing it here waits for that import to finish.
import pandas  # noqa: F401
