"""The course map: each topic of a first deep-learning course, the labs and the preset that teach it.

`course_map()` reads the LABS registry at call time (labs turn ready while others work), so a topic
links to a ready lab and lists the ones not built yet as coming. Pure data; draws nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from playground.config import to_query
from playground.labs import LABS
from playground.presets import PRESETS


@dataclass(frozen=True)
class Topic:
    key: str                              # matches the `topics` meta of LABS entries
    title: str
    blurb: str                            # two sentences: what the person will see
    labs: tuple[str, ...] = ()            # extra labs that also teach it (after those listing the topic)
    presets: dict[str, str] = field(default_factory=dict)   # lab -> preset key to open it with


TOPICS = [
    Topic("neurons", "Neurons", "Set a neuron's two weights and bias and see the line it draws across the plane. "
          "Then let the perceptron rule move that line one sample at a time.", (), {"neuron": "neuron_gauss"}),
    Topic("layers", "Layers and networks", "Stack neurons into layers and watch each one's picture of the plane. "
          "Hidden layers combine simple lines into circles and spirals.", (),
          {"playground": "tf_circle", "tabular": "iris_mlp"}),
    Topic("activations", "Activation functions", "Every activation with its derivative, where it saturates, and "
          "what softmax makes of a vector of scores. Without one, depth collapses into a single line.", (),
          {"activations": "vanishing_sigmoid"}),
    Topic("forward and back propagation", "Forward and back propagation", "Step through a tiny network: every "
          "value forward, the loss, every gradient backward with its chain-rule product. Autograd is shown to "
          "agree, number for number.", (), {"backprop": "backprop_sigmoid"}),
    Topic("gradient descent and its variants", "Gradient descent and its variants", "Change the optimizer, "
          "learning rate and batch size while a model trains. Too large a step makes the loss explode.",
          ("playground",), {"optimizers": "opt_moons", "playground": "diverge"}),
    Topic("CNNs", "Convolutional networks", "A CNN learns to read digits live. You see its filters, its feature "
          "maps and which pixels decided each answer.", (), {"images": "digits_cnn"}),
    Topic("RNNs and LSTM/GRU", "RNNs, LSTM and GRU", "Recurrent networks forecast and remember sequences. Hidden "
          "states and gates are drawn step by step.", (), {"sequences": "seq_adding_race_lstm"}),
    Topic("transformers", "Transformers", "A small Transformer trained from scratch. Its attention maps form as "
          "it learns.", (), {"transformers": "transformer_reverse"}),
    Topic("transfer learning", "Transfer learning", "Start from a network pretrained on another task and adapt "
          "it with a handful of labels. Freeze it, fine-tune a block or all of it, and race training from scratch.",
          (), {"transfer": "transfer_digits_5"}),
    Topic("overfitting and regularization", "Overfitting and regularization", "Too big a network memorises "
          "noisy data; dropout, weight decay and early stopping pull it back. The curves show the gap.",
          ("playground",), {"regularization": "reg_overfit", "playground": "moons_dropout"}),
    Topic("interpretability", "Interpretability", "Captum attributions show which inputs drove a prediction. "
          "Compare saliency, integrated gradients and more on real models.", (), {"images": "digits_cnn"}),
    Topic("hyperparameter tuning", "Hyperparameter tuning", "Sweep learning rates, widths and depths with "
          "Optuna. See which settings matter."),
]


@dataclass(frozen=True)
class TopicLink:
    topic: Topic
    ready: list[tuple[str, str, dict[str, str]]]    # (lab key, preset key or "", URL parameters of the preset)
    coming: list[str]                          # lab keys not built yet


def course_map() -> list[TopicLink]:
    """Every topic with its ready labs (and a preset link each) and the labs still coming."""
    out = []
    for t in TOPICS:
        keys = [e.key for e in LABS.entries() if t.key in e.meta.get("topics", ())]
        keys += [k for k in t.labs if k not in keys and k in LABS]
        ready, coming = [], []
        for k in keys:
            if not LABS.entry(k).meta["ready"]:
                coming.append(k)
                continue
            p = t.presets.get(k, "")
            ok = p in PRESETS and PRESETS.get(p).lab == k
            ready.append((k, p if ok else "", to_query(PRESETS.get(p)) if ok else {}))
        out.append(TopicLink(t, ready, coming))
    return out
