"""Home: a network training live at the top, then the course map, guided tours and classroom mode."""

import streamlit as st

from playground.course import course_map
from playground.labs import LABS
from playground.payloads.plane import plane_payload
from playground.presets import PRESETS, get_preset
from playground.tours import TOURS, step_link
from playground.ui.chart import show
from playground.ui.classroom import HIDE_OPTIONS
from playground.ui.links import lab_link
from playground.ui.live import SLOW, live_fragment, play_controls
from playground.ui.session import lab_session
from playground.views.plane import boundary_view, curves_view

st.title("Deep Learning Playground")
st.caption("Press **Play**: a real PyTorch network (two hidden layers of 4 and 2 tanh neurons) learns to "
           "separate the blue disc from the orange ring. The background is its prediction at every point of "
           "the plane. Below is the whole course, one lab per idea.")

session = lab_session("home", get_preset("tf_circle"))
play_controls(session)


def render(s, p, frames) -> None:
    left, right = st.columns([1, 1.4])
    show(boundary_view(p, height=340, frames=frames), "home:boundary", container=left)
    show(curves_view(p, height=340), "home:curves", container=right, every=SLOW if s.running else 0.0)


live_fragment(session, render, lambda exp: plane_payload(exp, ("boundary", "curves")),
              frames=lambda exp: plane_payload(exp, ("boundary",)))
lab_link("playground", "Open the full 2-D Playground: every neuron, weight and setting")

st.header("The course map")
topics = course_map()
st.caption("Each topic of a first course in deep learning, with the lab that teaches it, opened on a preset "
           "chosen for it." + (" Labs still being built are listed as coming."
                               if any(t.coming or not t.ready for t in topics) else ""))
grid = st.columns(2)
for i, link in enumerate(topics):
    with grid[i % 2].container(border=True, key=f"home:topic:{i}", height="stretch"):
        st.markdown(f"**{link.topic.title}**  \n{link.topic.blurb}")
        for lab, preset, query in link.ready:
            lab_link(lab, LABS.label(lab) + (f": {PRESETS.label(preset)}" if preset else ""), query)
        if link.coming or not link.ready:
            st.markdown("⏳ *Coming" + (f": {', '.join(LABS.label(k) for k in link.coming)}" if link.coming else "")
                        + ".*")

st.header("Guided tours")
st.caption("A tour is a few steps. Each opens a lab on a preset and says what to notice; Back and Next move "
           "between them. Good for a lecture: start one and let the class follow along.")
cols = st.columns(len(TOURS))
for col, key in zip(cols, TOURS.keys()):
    with col.container(border=True, key=f"home:tour:{key}"):
        st.markdown(f"**{TOURS.label(key)}**")
        st.caption(f"{TOURS.entry(key).description} · {len(TOURS.get(key))} steps")
        lab, query = step_link(key, 0)
        lab_link(lab, "Start the tour", query, icon=":material/explore:")

st.header("Classroom mode")
st.caption("Projecting a lab? Hide what would distract. The choice is part of the link, so you can prepare "
           "links before class. `hide=controls:train.lr` hides one setting (any config path, or `play`, `preset`).")
c1, c2 = st.columns([1, 2])
lab = c1.selectbox("Lab", [k for k in LABS.keys(ready=True) if k != "home"],
                   format_func=LABS.label, key="home:classroom_lab")
hide = c2.multiselect("Hide", list(HIDE_OPTIONS), default=["sidebar", "text"], format_func=HIDE_OPTIONS.get,
                      key="home:classroom_hide")
query = {"hide": ",".join(hide)} if hide else {}
lab_link(lab, f"Open {LABS.label(lab)} in classroom mode", query, icon=":material/school:")
st.code(f"/{LABS.entry(lab).meta['url_path']}?hide={','.join(hide)}", language=None)
