"""The lab registry: every page of the app, in menu order. app.py builds its navigation from it.

An entry's object is the page script path; meta: `icon` (a Material icon, which renders without an emoji
font), `ready` (False = listed as coming, not linked), `url_path`, `section` (menu group), `topics`
(course-map topics it teaches) and `headless` ("module:function" giving the RunGroup the CLI trains for a lab
whose page trains several runs together; empty = the lab's one experiment).
Adding a lab is one entry here and one page file; app.py never changes.
"""

from __future__ import annotations

from playground.registry import Registry

LABS: Registry[str] = Registry("lab")


def _lab(key: str, page: str, label: str, description: str, icon: str, section: str, ready: bool,
         topics: tuple[str, ...] = (), headless: str = "") -> None:
    LABS.add(key, page, label, description, icon=icon, section=section, ready=ready,
             url_path=key.replace("_", "-"), topics=topics, headless=headless)


# The first ready entry is the landing page.
_lab("home", "pages/home.py", "Home", "The course map: every topic of a first course, the lab and preset that "
     "teach it, guided tours, and a network training live.", ":material/home:", "Start", True, ())
_lab("playground", "pages/playground.py", "2-D Playground",
     "Train an MLP on 2-D data and watch the decision boundary, every neuron and the gradients.",
     ":material/scatter_plot:", "Labs", True, ("layers", "gradient descent", "regularization"))
_lab("neuron", "pages/neuron.py", "A single neuron", "Weights, bias and activation of one neuron; the "
     "perceptron and logistic rules step by step.", ":material/radio_button_unchecked:", "Basics", True, ("neurons",))
_lab("activations", "pages/activations.py", "Activation functions", "Every activation with its "
     "derivative, softmax, and vanishing gradients through depth.",
     ":material/show_chart:", "Basics", True, ("activations",))
_lab("backprop", "pages/backprop.py", "Backpropagation", "Forward and backward pass on a tiny network, "
     "every value and gradient shown.", ":material/sync_alt:", "Basics", True, ("forward and back propagation",))
_lab("images", "pages/images.py", "Images (CNN)", "Train a CNN on digits live; filters, feature maps and "
     "Captum explanations.", ":material/image:", "Labs", True, ("CNNs", "interpretability"))
_lab("sequences", "pages/sequences.py", "Sequences (RNN)", "RNN, LSTM and GRU on forecasting, memory and "
     "text tasks; hidden states and gates.", ":material/timeline:", "Labs", True, ("RNNs and LSTM/GRU",))
_lab("transformers", "pages/transformers.py", "Transformers", "A Transformer trained from scratch; "
     "attention maps forming live.", ":material/hub:", "Labs", True, ("transformers",))
_lab("transfer", "pages/transfer.py", "Transfer learning", "A pretrained backbone adapted to a new task: linear "
     "probe, fine-tuning and gradual unfreezing against training from scratch; label efficiency; embeddings.",
     ":material/move_up:", "Labs", True, ("transfer learning",),
     headless="playground.transfer.strategies:headless_group")
_lab("optimizers", "pages/optimizers.py", "Optimizers", "Optimizers raced on test functions and real "
     "networks; schedules and loss landscapes.",
     ":material/speed:", "Labs", True, ("gradient descent and its variants",))
_lab("regularization", "pages/regularization.py", "Overfitting clinic", "Twin runs with and without "
     "regularization; learning curves.", ":material/healing:", "Labs", True, ("overfitting and regularization",))
_lab("sweeps", "pages/sweeps.py", "Sweeps", "Hyperparameter studies on Optuna.", ":material/tune:", "Tools", True,
     ("hyperparameter tuning",))
_lab("tabular", "pages/tabular.py", "Your data", "Tabular data and CSV upload, with classical baselines.",
     ":material/table_chart:", "Tools", True, ("layers",))
_lab("runs", "pages/runs.py", "Runs", "Run history: compare, reopen, export and import.",
     ":material/folder_open:", "Tools",
     True, ())
_lab("explain", "pages/explain.py", "Explain", "Captum attributions for any model of this session or the "
     "run history.", ":material/search:", "Tools", True, ("interpretability",))
