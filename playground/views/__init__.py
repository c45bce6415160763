"""Views: what each lab draws, computed from an Experiment into figures. Pure; no streamlit."""
