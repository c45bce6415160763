"""The lab registry: every page of the app, in menu order. app.py builds its navigation from it.

An entry's object is the page script path; meta `icon`, `ready` (False = listed as coming, not
linked) and `topics` (course-map topics it teaches). Adding a lab never edits app.py.
"""

from __future__ import annotations

from playground.registry import Registry

LABS: Registry[str] = Registry("lab")
LABS.add("playground", "pages/playground_2d.py", "2-D Playground",
         "Train an MLP on 2-D data and watch the decision boundary, every neuron and the gradients.",
         icon="🧪", ready=True, url_path="playground", topics=("layers", "gradient descent", "regularization"))
