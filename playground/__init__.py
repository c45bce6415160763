"""Deep Learning Playground: the library behind the app (config, data, models, trainer, probes, figures).

Nothing here imports streamlit except `playground.ui`.
"""

__version__ = "0.1.0"
