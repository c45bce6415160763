"""Pure Plotly figure builders: `*_figure(...) -> go.Figure`. They never call streamlit or mutate inputs."""

from playground.figures.curves import curves_figure
from playground.figures.gradients import gradient_flow_figure
from playground.figures.network import network_figure

__all__ = ["curves_figure", "gradient_flow_figure", "network_figure"]
