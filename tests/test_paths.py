"""files/paths.py and the atomic writer that uses it: what may be written, and how."""

import io
import os

import pytest

from hasaki_hil.errors import UserError
from hasaki_hil.files import atomic, paths
from hasaki_hil.progress import Progress, Rate


def test_a_symlink_output_is_written_through_and_kept(tmp_path):
    (tmp_path / "real.txt").write_text("old")
    (tmp_path / "link.txt").symlink_to("real.txt")
    atomic.write_text(tmp_path / "link.txt", "new")
    assert (tmp_path / "link.txt").is_symlink() and (tmp_path / "real.txt").read_text() == "new"


def test_missing_folders_are_made(tmp_path):
    atomic.write_text(tmp_path / "a" / "b" / "c.txt", "x")
    assert (tmp_path / "a" / "b" / "c.txt").read_text() == "x"


@pytest.mark.parametrize("target", ["/dev/null", "/dev/full"])
def test_devices_are_never_replaced(target):
    with pytest.raises(UserError, match="character device"):
        atomic.write_text(target, "x")
    assert os.path.exists(target) and not os.path.isfile(target)


def test_a_folder_is_not_an_output_file(tmp_path):
    with pytest.raises(UserError, match="is a folder"):
        atomic.write_text(tmp_path, "x")


def test_inputs_and_outputs_are_compared_by_inode(tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("1\n")
    os.link(data, tmp_path / "hard.csv")
    with pytest.raises(UserError, match="refusing to overwrite an input"):
        paths.check_outputs({"-o": tmp_path / "hard.csv"}, {"DATA": [str(data)]})
    with pytest.raises(UserError, match="are the same file"):
        paths.check_outputs({"-o": tmp_path / "x", "--junit": tmp_path / "." / "x"}, {})
    paths.check_outputs({"-o": tmp_path / "new.model"}, {"DATA": data, "--calib": None})  # fine


def test_a_failed_write_is_a_user_error_and_leaves_no_temporary(tmp_path, monkeypatch):
    (tmp_path / "keep.txt").write_text("old")

    def full(*a):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(UserError, match="cannot write .*No space left on device"):
        atomic.write_text(tmp_path / "keep.txt", "new")
    assert (tmp_path / "keep.txt").read_text() == "old" and os.listdir(tmp_path) == ["keep.txt"]


def test_time_left_is_measured_from_the_first_finished_step():
    rate = Rate()
    assert rate.left(100.0, 1, 600) is None  # the first step (loading a core) sets the origin
    assert rate.left(101.0, 11, 600) == pytest.approx(0.1 * 589)  # 10 steps a second since then


def test_plain_progress_lines_off_a_terminal():
    out = io.StringIO()
    p = Progress(200, "train", stream=out, every=0.0, upper_bound=True, unit=" epochs")
    p.update(1, "loss 0.5")
    p.close("done")
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("train 1/200 epochs loss 0.5 (") and lines[-1].startswith("train 1/200 epochs done")
    silent = io.StringIO()
    Progress(5, "test", enabled=False, stream=silent).update(3)
    assert silent.getvalue() == ""
