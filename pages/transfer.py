"""Transfer lab: a pretrained backbone adapted to a new task by several strategies side by side, label
efficiency, and the backbone's embedding before and after fine-tuning."""

import streamlit as st

from playground.presets import get_preset
from playground.transfer.efficiency import BUDGETS, budget_label
from playground.transfer.strategies import STRATEGIES, strategy_group
from playground.transfer.study_job import start_study
from playground.ui.backbones import backbone_picker
from playground.ui.chart import show
from playground.ui.controls import config_controls
from playground.ui.guard import guard
from playground.ui.live import SLOW, live_fragment, play_controls, preset_picker
from playground.ui.session import lab_session
from playground.ui.study import study_panel
from playground.ui.upload import image_uploader
from playground.views import transfer as views

st.title("Transfer learning")
st.caption("A network trained on one task has learned features (strokes, corners, textures) that other tasks "
           "can reuse. Start from a backbone pretrained on digits 0-4 and teach it 5-9 from a handful of labels: "
           "freeze it and train a new output layer (a linear probe), fine-tune its last block, fine-tune all of "
           "it gently, or unfreeze it block by block, and compare with the same network trained from scratch. "
           "All start from identical weights and train side by side.")

session = lab_session("transfer", get_preset("transfer_digits"))
with st.sidebar:
    preset_picker(session)
    with guard("Settings"):
        st.subheader("Target task")
        config_controls(session, ["data.name", "data.image.labels_per_class", "data.train_fraction"],
                        choices={"data.name": views.TARGETS})
        with st.expander("Your own images"):
            image_uploader(session, 16, help="Grey images, resized to 16×16 (the backbones' size); at least 2 "
                                             "classes.")
        st.subheader("Backbone")
        backbone_picker(session)
        st.subheader("Your strategy")
        config_controls(session, ["train.freeze", "train.lr_scales", "train.unfreeze_every"])
        st.subheader("Training")
        config_controls(session, ["train.optimizer", "train.lr", "train.batch_size", "train.max_epochs", "seed"])

if session.cfg.model.kind != "cnn":   # e.g. a hand-made link: strategies freeze and scale a CNN's conv blocks
    st.warning(f"The transfer lab adapts a CNN's conv blocks, but this model is {views.model_name(session.cfg)}. "
               "Pick a preset in the sidebar.", icon=":material/warning:")
    st.stop()
view, chosen = "Training", []                # what the rest of the page reads if the block below is refused
with guard("The strategies"):
    chosen = st.multiselect("Compare with", STRATEGIES.keys(), default=views.DEFAULT_STRATEGIES,
                            format_func=STRATEGIES.label, key="transfer:strategies",
                            help="each is your run with one change of what trains; all start from the same weights")
    play_controls(session)
    if session.notice:
        st.info(session.notice, icon=":material/info:")
    group = strategy_group(session.exp, chosen, session.extra, session.sources)
    st.caption(views.group_caption(group))
    view = st.segmented_control("View", ["Training", "Embedding", "Label efficiency"], default="Training",
                                key="transfer:view") or "Training"
    index, run = 0, ""
    if view == "Embedding":
        c = st.columns(2)
        run = c[0].selectbox("Run", views.embedding_runs(group), key="transfer:run",
                             help="whose backbone features to show; a frozen backbone's never change")
        index = c[1].number_input("Test image # (its nearest neighbours)", 0, len(session.exp.dataset.test) - 1, 0,
                                  key="transfer:index")

    def render(s, p) -> None:
        """p: the strategies' GroupPayload; the same charts playing and paused."""
        if view == "Training":
            show(views.curves_view(p), "transfer:curves")
            st.dataframe(views.strategy_table(p), key="transfer:table", hide_index=True)
            show(views.blocks_view(p), "transfer:blocks", every=SLOW if s.running else 0.0)
        elif view == "Embedding":
            show(views.embedding_view(p), "transfer:embedding")
            show(views.neighbours_view(p), "transfer:neighbours")

    live_fragment(session, render, views.payload_for(view, index, run), runs=group)

if view == "Embedding":
    with guard("t-SNE"):
        if st.button("Compute t-SNE (before and after)", key="transfer:tsne"):
            bar = st.progress(0.0, text="t-SNE…")
            session.extra["tsne"] = views.tsne_view(group.runs.get(run, group.leader),
                                                    lambda d, t, w: bar.progress(d / t, text=w))
            bar.empty()
        if "tsne" in session.extra:
            show(session.extra["tsne"], "transfer:tsne_chart")
elif view == "Label efficiency":
    st.caption("Test accuracy against labelled images per class, for each strategy: each point is the mean of "
               "fresh runs over several seeds, the bar their spread. The trainings run in the background; the page "
               "stays usable.")
    c = st.columns(3)
    budgets = c[0].multiselect("Labels per class", BUDGETS, default=BUDGETS, key="transfer:budgets",
                               format_func=budget_label)
    seeds = c[1].number_input("Seeds", 1, 5, 3, key="transfer:seeds")
    with guard("The label-efficiency study"):
        cfg, runs = session.exp.cfg, views.study_strategies(session.exp.cfg, chosen)
        c[2].caption(views.efficiency_plan(cfg, runs, budgets, seeds, session.sources)[1])
        job = session.extra.get("study")
        if st.button("Run the study", key="transfer:efficiency", disabled=job is not None and not job[0].finished):
            session.extra["study"] = (start_study(cfg, runs, budgets, seeds, sources=session.sources),
                                      session.exp.dataset.spec.n_outputs)
            st.rerun()                    # draw the progress (the trainings run in the background)
    if "study" in session.extra:
        study_panel(*session.extra["study"], key="transfer:study")
