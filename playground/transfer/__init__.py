"""The transfer lab's library: strategies trained side by side (strategies.py), label efficiency over seeds
(efficiency.py) and the backbone's embeddings (embeddings.py). No drawing, no Streamlit; the payload is
payloads/transfer.py, the figures figures/transfer.py, the views views/transfer.py.
"""
