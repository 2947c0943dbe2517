"""The schematic pictures of one LSTM and one GRU step (``tg.viz.schematic.cell_schematic``)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

from tinygrad_rnn.viz.schematic import cell_schematic  # noqa: E402


def _texts(fig) -> str:
    return "\n".join(t.get_text() for ax in fig.axes for t in ax.texts)


@pytest.mark.parametrize("cell, gates, state", [("lstm", "ifgo", "c_t = f_t"), ("gru", "rzn", "h_t = (1 - z_t)")])
def test_schematic_shows_every_gate_and_its_equation(cell: str, gates: str, state: str, tmp_path: Path) -> None:
    import matplotlib.pyplot as plt

    fig = cell_schematic(cell)
    text = _texts(fig)
    for g in gates:
        assert f"${g}_t = " in text, f"no equation for gate {g} in the {cell} schematic"
        assert f"${g}_t$" in text, f"no box labelled {g}_t in the {cell} schematic"
    assert state in text
    plt.close(fig)

    path = tmp_path / f"{cell}.png"
    assert cell_schematic(cell, path) is not None
    image = plt.imread(path)
    assert image.shape[1] > 1200 and image.shape[0] > 450            # wide enough to read the equations
    ink = (image[..., :3].mean(axis=2) < 0.5).mean()
    assert 0.005 < ink < 0.2, f"the picture is {ink:.1%} dark pixels: blank or a blot"


def test_schematic_rejects_an_unknown_cell() -> None:
    with pytest.raises(ValueError, match=r"cell_schematic: cell must be one of \('lstm', 'gru'\), got 'rnn'"):
        cell_schematic("rnn")


def test_docs_pictures_are_the_current_drawings(tmp_path: Path) -> None:
    # docs/img/{lstm,gru}_cell.png are made by this function; redrawing gives the same size
    import matplotlib.pyplot as plt

    docs = Path(__file__).resolve().parent.parent / "docs" / "img"
    for cell in ("lstm", "gru"):
        cell_schematic(cell, tmp_path / "x.png")
        new, old = plt.imread(tmp_path / "x.png"), plt.imread(docs / f"{cell}_cell.png")
        assert new.shape == old.shape
        assert np.abs(new - old).mean() < 0.02
