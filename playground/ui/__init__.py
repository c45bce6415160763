"""The only streamlit code in the package: session state, generated controls, the live loop, error guard."""
