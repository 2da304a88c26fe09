"""Figure builders, one module per topic: data in, figure out; no Streamlit."""
