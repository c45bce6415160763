"""Runs: this browser's run history of every lab. Compare, rename, delete, reopen, share, export; import."""

import streamlit as st

from playground import export
from playground.experiment import build
from playground.labs import LABS
from playground.models.base import describe_model
from playground.store import restore
from playground.ui.guard import guard
from playground.ui.runs import ready, reopen, share_link, shared_run, visible_store
from playground.ui.session import adopt
from playground.ui.text import md_escape
from playground.views.runs import compare_curves, compare_parallel, table_rows

st.title("Runs")
st.caption("Every lab keeps a run when you pause or it stops on its own, reset, change the data or the network, "
           "or press **Save run**: its config, curves, final scores, a loss thumbnail and the weights, on disk. "
           "Comparing runs side by side is how you learn which setting mattered; export takes a run out as plain "
           "PyTorch.")

store, viewer = visible_store()
if token := st.query_params.get("shared"):   # a share link: one run, read-only
    if (info := shared_run(store, token)) is not None:
        st.subheader(f"Shared run: {md_escape(info.name)}")
        st.caption("Shared with you read-only: look, or open a copy in its lab (the copy is yours).")
        st.dataframe(table_rows([info], store), hide_index=True, key="runs:shared")
        st.plotly_chart(compare_curves([info], store, "val"), key="runs:shared_curves", width="stretch")
        reopen(info, store, "runs:shared_reopen")
    st.stop()

infos = store.list(owner=viewer)
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
        store.rename(run_id, new_name, viewer)
        st.rerun()
    with c2:
        reopen(info, store, "runs:reopen")
    if c3.button("Delete", key="runs:delete", type="secondary"):
        store.delete(run_id, viewer)
        st.rerun()
    with st.popover("Share read-only", icon=":material/share:"):
        st.caption("Anyone with this link can look at this run and open a copy; only you can rename or delete it.")
        st.code(share_link(info), language=None)
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
        if st.button(f"Open in {LABS.label(cfg.lab)}", key="runs:open_import", disabled=not ready(cfg.lab)):
            exp = build(cfg)
            exp.trainer.load_state(imported.model.state_dict())
            adopt(cfg.lab, cfg, exp, "Opened an imported checkpoint.")
            st.switch_page(LABS.get(cfg.lab))
