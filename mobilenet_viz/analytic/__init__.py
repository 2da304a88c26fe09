"""Costs, shapes and tables computed from the papers' formulas: no torch, no Streamlit, fast to import.

costs (eqs. 1-7 of MobileNets), formulas (the same as LaTeX and code), blocks (MobileNetV2's
inverted residual), architectures (V1/V2/V3 layer tables), v3_block, multipliers (α, ρ),
activations (ReLU6, h-swish), spiral (MobileNetV2 Fig. 1), notation, published (the papers' numbers).
"""
