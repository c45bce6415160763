"""The Basics labs' library: one neuron, activation analysis, and a backpropagation stepper.

Every number comes from a real torch module (a Linear layer, a registered activation, an MLP built by
the foundation); this package draws nothing and never imports streamlit.
"""
