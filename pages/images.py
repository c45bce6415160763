"""Images lab: a CNN trained live on real digits, with feature maps, filters and Captum explanations."""

import streamlit as st

from playground.figures.labels import plain
from playground.payloads.images import images_payload
from playground.presets import get_preset
from playground.ui.chart import show
from playground.ui.controls import config_controls
from playground.ui.guard import guard
from playground.ui.live import SLOW, live_fragment, play_controls, preset_picker
from playground.ui.pad import drawing_pad
from playground.ui.playing import call_runs
from playground.ui.session import lab_session
from playground.ui.text import md_escape
from playground.ui.upload import image_uploader, read_picture
from playground.views import images as views

st.title("Images: convolutional networks")
st.caption("A convolution slides small learned filters over the image; each filter lights up where its "
           "pattern appears, giving a feature map. Pooling shrinks the maps, so deeper layers see larger "
           "regions. Press Play to train a real PyTorch CNN on handwritten digits, then look inside it and "
           "ask Captum which pixels made it choose a class. Compare with the pixel MLP preset.")

session = lab_session("images", get_preset("digits_cnn"))

with st.sidebar:
    preset_picker(session)
    with guard("Settings"):
        st.subheader("Data")
        config_controls(session, ["data.name", "data.train_fraction", "data.image.augment",
                                  "data.image.augment_copies", "data.image.augment_share"])
        with st.expander("Your own images"):
            image_uploader(session, session.cfg.data.image.size,
                           help="Up to 20 MB, 20,000 images of at most 64×64, 20 classes.")
            config_controls(session, ["data.image.size"])
        st.subheader("Network")
        config_controls(session, ["model.kind", "model.cnn.channels", "model.cnn.kernel", "model.cnn.stride",
                                  "model.cnn.padding", "model.cnn.pool", "model.activation", "model.batch_norm",
                                  "model.dropout", "model.hidden", "model.init"])
        st.subheader("Training")
        config_controls(session, ["train.optimizer", "train.lr", "train.batch_size", "train.weight_decay",
                                  "train.max_epochs", "seed"])

play_controls(session)
if session.notice:
    st.info(session.notice, icon=":material/info:")
exp = session.exp
with st.expander("Layers: output shapes and parameters"), guard("The layer table"):
    table, summary = views.layer_rows(exp)
    st.dataframe(table, hide_index=True, width="stretch")
    st.caption(summary)

view = st.segmented_control("View", ["Training", "Inside the network", "Explanations", "Your digit"],
                            default="Training", key="images:view") or "Training"
names = list(exp.dataset.class_names)
methods, target, layer, index, image = [], None, None, 0, exp.dataset.test.x[:1]
if view == "Your digit":
    pad_col, ctl = st.columns([1.3, 2])
    shape = exp.dataset.spec.input_shape
    photo = ctl.file_uploader("Draw on the grid (click cells; the chart's box and lasso tools paint many), "
                              "or upload a picture", type=["png", "jpg", "jpeg"], key="images:photo")
    with pad_col:
        pad = drawing_pad(session, shape[1:])
    picture = read_picture(photo, shape, ctl) if photo else None
    pad = pad if picture is None else picture
    image = views.as_batch(pad, shape)
elif view != "Training":
    ctl = st.container()
    index = ctl.columns(4)[0].number_input("Test image #", 0, len(exp.dataset.test) - 1, 0, key="images:index",
                                           help="an image of the test split")
    image = exp.dataset.test.x[index:index + 1]
    ctl.caption(f"True class of test image #{index}: **{md_escape(names[int(exp.dataset.test.y[index])])}**")
if view in ("Explanations", "Your digit"):
    c1, c2, c3 = ctl.columns([1, 3, 1])
    target = c1.selectbox("Explain class", ["predicted", *names], key="images:target")
    methods = c2.multiselect("Methods", views.image_methods(), default=views.FAST_DEFAULT, key="images:methods",
                             format_func=views.ATTRIBUTIONS.label)
    convs = views.conv_layers(exp.model)
    layer = c3.selectbox("Grad-CAM layer", convs or [None], index=max(0, len(convs) - 1), key="images:layer",
                         format_func=lambda n: views.pretty(n) if n else "— (CNN only)")


def render(s, p) -> None:
    """p: this tick's ImagesPayload with the parts the chosen view draws; playing or paused, the same charts."""
    slow = SLOW if s.running else 0.0   # curves, filters and layer statistics: at most every SLOW s
    if view == "Training":
        show(views.curves_view(p), "images:curves", every=slow)
        st.caption(views.accuracy_text(p), help=views.MOVED_HELP)
        left, right = st.columns(2)
        show(views.confusion_view(p), "images:confusion", container=left)
        show(views.per_class_view(p), "images:per_class", container=right)   # same tick as the matrix
        show(views.gallery_view(p), "images:gallery")
    elif view == "Inside the network":
        show(views.filters_view(p), "images:filters", every=slow)
        maps = views.feature_maps_view(p, f"test image #{index}")
        if maps is None:
            st.info("An MLP has no feature maps: it sees the image as one long vector. Switch to the CNN.")
        show(maps, "images:maps")
        show(views.layer_stats_view(p), "images:stats", every=slow)
    elif float(image.abs().sum()) == 0:
        st.info("Draw a digit on the grid (click cells, or drag a box with the ink brush), or upload a picture.")
    else:
        probs, cls, rows = call_runs(s, views.explain_drawing, image, None if target in (None, "predicted")
                                     else names.index(target), methods, layer)
        st.plotly_chart(views.probabilities_view(probs, names), key="images:probs", width="stretch")
        st.plotly_chart(views.explain_view(image, rows, f"explaining '{plain(names[cls])}' ({p.where})"),
                        key="images:explain", width="stretch")
        st.caption(views.explain_caption(rows))
        s.extra["explained"] = (image, cls)


live_fragment(session, render, lambda e: images_payload(e, views.LIVE_PARTS.get(view, ()), image=image))
if view == "Explanations":
    st.markdown(views.SANITY_TEXT)
    if st.button("Run the sanity check", key="images:sanity", help=views.SANITY_HELP):
        with guard("The sanity check"):
            img, cls = session.extra.get("explained", (image, 0))
            session.extra["sanity"] = views.sanity_view(exp, img, cls, methods, layer)
    if session.extra.get("sanity") is not None:
        chart, failed = session.extra["sanity"]
        st.plotly_chart(chart, key="images:sanity_chart", width="stretch")
        st.caption("Fails the check (its map stays alike at every stage): "
                   + (", ".join(failed) if failed else "none"))
