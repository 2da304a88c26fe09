"""User inputs made safe: decoding uploaded images within bounds, and the bundled sample photos."""
