"""Runs: the run history of every lab. Compare, rename, delete, reopen, export; import a checkpoint."""

import streamlit as st

from playground import export
from playground.data.images import images_dataset
from playground.experiment import build
from playground.labs import LABS
from playground.models.base import describe_model
from playground.store import RunStore, restore, upload_arrays
from playground.ui.guard import guard
from playground.ui.session import adopt
from playground.views.runs import compare_curves, compare_parallel, table_rows

st.title("Runs")
st.caption("Every lab keeps a run when you pause or it stops on its own, reset, change the data or the network, "
           "or press **Save run**: its config, curves, final scores, a loss thumbnail and the weights, on disk. "
           "Comparing runs side by side is how you learn which setting mattered; export takes a run out as plain "
           "PyTorch.")

store = RunStore()


def _ready(lab: str) -> bool:
    return lab in LABS and LABS.entry(lab).meta["ready"]


infos = store.list()
if not infos:
    st.info("No runs yet. Train in any lab and press Pause or **Save run**; the run appears here.",
            icon=":material/folder_open:")
else:
    rows = table_rows(infos, store)
    event = st.dataframe(rows, key="runs:table", hide_index=True, on_select="rerun", selection_mode="multi-row",
                         column_config={"loss curve": st.column_config.ImageColumn("loss curve", width="small"),
                                        "lr": st.column_config.NumberColumn(format="%g"),
                                        "test value": st.column_config.NumberColumn(format="%.4f"),
                                        "test loss": st.column_config.NumberColumn(format="%.4f")})
    chosen = [infos[i] for i in (event.selection.rows if event and event.selection.rows else range(min(3, len(infos))))]
    st.caption(f"Comparing {len(chosen)} run(s): select rows in the table to choose others.")
    split = st.radio("Curves of", ["val", "test", "train"], horizontal=True, key="runs:split")
    with guard("Comparing runs"):
        st.plotly_chart(compare_curves(chosen, store, split), key="runs:curves", width="stretch")
        if len(chosen) >= 2:
            st.plotly_chart(compare_parallel(chosen), key="runs:parallel", width="stretch")

    st.subheader("One run")
    ids = [i.id for i in infos]
    run_id = st.selectbox("Run", ids, key="runs:pick", format_func=lambda r: f"{infos[ids.index(r)].name} · {r}")
    info = infos[ids.index(run_id)]
    c1, c2, c3 = st.columns([2, 1, 1])
    new_name = c1.text_input("Name", value=info.name, key=f"runs:name:{run_id}")
    if c1.button("Rename", key="runs:rename") and new_name != info.name:
        store.rename(run_id, new_name)
        st.rerun()
    if c2.button(f"Reopen in {LABS.label(info.lab)}", key="runs:reopen", disabled=not _ready(info.lab)):
        with guard("Reopening the run"):
            if (raw := store.source(run_id)) is not None:   # an uploaded CSV: hand it to the lab's session uploads
                st.session_state.setdefault(f"{info.lab}:uploads", {})[info.cfg.data.source] = raw
                st.session_state[f"{info.lab}:source"] = info.cfg.data.source
            arrays = upload_arrays(info, store)   # uploaded images: back into the lab's session uploads
            dataset = images_dataset(arrays, info.cfg.data, info.cfg.seed) if arrays is not None else None
            session = adopt(info.lab, info.cfg, restore(info, store, dataset),
                            "Reopened a stored run with its weights (its name is on the Runs page).")
            if arrays is not None:
                session.sources[info.cfg.data.source] = arrays
            st.switch_page(LABS.get(info.lab))
    if c3.button("Delete", key="runs:delete", type="secondary"):
        store.delete(run_id)
        st.rerun()
    if st.toggle("Prepare export files (script, .pt, TorchScript, ONNX, config)", key="runs:export"):
        with guard("Exporting"):
            exp = restore(info, store)
            files = export.export_files(exp)
            if "train.py" not in files:
                st.caption(f"No `train.py` for this run: {export.script_refusal(exp)}.")
            st.download_button("Download all (.zip)", export.zip_bytes(files), f"{run_id}.zip", key="runs:zip",
                               type="primary")
            cols = st.columns(len(files))
            for col, (fname, data) in zip(cols, files.items()):
                col.download_button(fname, data, fname, key=f"runs:dl:{fname}")

st.subheader("Import a checkpoint")
st.caption("A `model.pt` exported here: read with `torch.load(weights_only=True)`, its checksum, config and size "
           "checked. Anything else is refused.")
up = st.file_uploader("Checkpoint (.pt)", type=["pt"], key="runs:import")
if up is not None:
    with guard("Importing"):
        imported = export.load_checkpoint(up.getvalue())
        cfg = imported.cfg
        st.success(f"Valid checkpoint: {describe_model(cfg.model).text} on `{cfg.data.name}` "
                   f"({sum(p.numel() for p in imported.model.parameters()):,} parameters).",
                   icon=":material/check_circle:")
        if st.button(f"Open in {LABS.label(cfg.lab)}", key="runs:open_import", disabled=not _ready(cfg.lab)):
            exp = build(cfg)
            exp.trainer.load_state(imported.model.state_dict())
            adopt(cfg.lab, cfg, exp, "Opened an imported checkpoint.")
            st.switch_page(LABS.get(cfg.lab))
