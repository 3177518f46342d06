"""Seeing backpropagation: drawing graphs (:mod:`.render`), the forward and backward steps
(:mod:`.steps`), the chain rule as a sum over paths (:mod:`.pathsum`), the stepping viewer
page (:mod:`.viewer`) and its optional Jupyter widget (:mod:`.widget`)."""
