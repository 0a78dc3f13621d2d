"""Tests for hasaki_hil.data: the CSV loader and its error messages."""

from pathlib import Path

import numpy as np
import pytest

from hasaki_hil.data.csvfile import Dataset, input_range, load_csv
from hasaki_hil.errors import UserError


def write(tmp_path, content: str | bytes, name: str = "d.csv") -> Path:
    """Write exactly these bytes (no newline translation), so CRLF and BOM tests are real."""
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def error(path, *args, **kwargs) -> UserError:
    with pytest.raises(UserError) as info:
        load_csv(path, *args, **kwargs)
    return info.value


# --- successful loads -------------------------------------------------------------------


def test_plain_file(tmp_path):
    p = write(tmp_path, "0.1,0.2,1\n0.3,0.4,0\n")
    ds = load_csv(p, 2, 1, "sigmoid")
    assert isinstance(ds, Dataset)
    assert ds.X.dtype == np.float64 and ds.Y.dtype == np.float64
    np.testing.assert_array_equal(ds.X, [[0.1, 0.2], [0.3, 0.4]])
    np.testing.assert_array_equal(ds.Y, [[1.0], [0.0]])
    assert ds.lines.dtype == np.int64
    assert ds.lines.tolist() == [1, 2]
    assert ds.n_rows == 2 and ds.has_labels
    assert ds.columns is None
    assert ds.path == str(p)


def test_crlf_bom_whitespace_and_blank_lines(tmp_path):
    text = "\ufeff\r\n 0.1 , 0.2,1\r\n\r\n   \r\n0.3,\t0.4 ,0 \r\n\r\n"
    p = write(tmp_path, text)
    ds = load_csv(p, 2, 1, "sigmoid")
    np.testing.assert_array_equal(ds.X, [[0.1, 0.2], [0.3, 0.4]])
    np.testing.assert_array_equal(ds.Y, [[1.0], [0.0]])
    assert ds.lines.tolist() == [2, 5]  # blank lines are skipped but still counted


def test_no_trailing_newline(tmp_path):
    ds = load_csv(write(tmp_path, "1,2,0\n3,4,1"), 2, 1)
    assert ds.n_rows == 2


def test_blank_lines_keep_error_line_numbers_right(tmp_path):
    p = write(tmp_path, "1,2,0\r\n\r\n\r\n1,x,0\r\n")
    assert f"{p}:4:2:" in str(error(p, 2, 1))


# --- header ------------------------------------------------------------------------------


def test_header_detected(tmp_path):
    p = write(tmp_path, "\ufefftemp, hum ,label\n1,2,1\n3,4,0\n")
    ds = load_csv(p, 2, 1, "sigmoid")
    assert ds.columns == ("temp", "hum", "label")
    assert ds.n_rows == 2 and ds.lines.tolist() == [2, 3]


def test_header_detected_after_blank_lines(tmp_path):
    ds = load_csv(write(tmp_path, "\n\na,b,c\n1,2,1\n"), 2, 1)
    assert ds.columns == ("a", "b", "c") and ds.lines.tolist() == [4]


def test_numeric_first_line_is_data(tmp_path):
    ds = load_csv(write(tmp_path, "1,2,1\n3,4,0\n"), 2, 1)
    assert ds.columns is None and ds.n_rows == 2


def test_header_forced(tmp_path):
    ds = load_csv(write(tmp_path, "1,2,3\n3,4,0\n"), 2, 1, header=True)
    assert ds.columns == ("1", "2", "3")
    assert ds.n_rows == 1 and ds.lines.tolist() == [2]


def test_header_forced_off(tmp_path):
    p = write(tmp_path, "a,b,c\n1,2,1\n")
    e = error(p, 2, 1, header=False)
    assert f"{p}:1:1:" in str(e) and "'a' is not a number" in str(e)


def test_header_with_empty_cell(tmp_path):
    p = write(tmp_path, "a,,c\n1,2,1\n")
    e = error(p, 2, 1)
    assert f"{p}:1:2: empty header cell" in str(e)
    assert e.hint


def test_header_column_count_differs(tmp_path):
    p = write(tmp_path, "a,b\n1,2,1\n")
    e = error(p, 2, 1)
    assert f"{p}:1:" in str(e) and "header has 2 columns" in str(e) and "(line 2) has 3" in str(e)


def test_cell_errors_name_the_header_column(tmp_path):
    p = write(tmp_path, "temp,hum,label\n1,oops,1\n")
    e = error(p, 2, 1)
    assert f"{p}:2:2:" in str(e) and "'hum'" in str(e)


# --- file-level problems -------------------------------------------------------------------


def test_missing_file(tmp_path):
    p = tmp_path / "nope.csv"
    e = error(p, 2, 1)
    assert str(p) in str(e) and "cannot read" in str(e)
    assert "path" in e.hint


def test_directory_is_unreadable(tmp_path):
    e = error(tmp_path, 2, 1)
    assert f"{tmp_path}: cannot read" in str(e)


def test_not_utf8(tmp_path):
    p = write(tmp_path, b"1,2,0\n1,2,\xff\n")
    e = error(p, 2, 1)
    assert f"{p}:2:" in str(e) and "UTF-8" in str(e) and "0xff" in str(e)


@pytest.mark.parametrize(
    "text, why",
    [("", "empty"), ("\n\n  \r\n", "empty"), ("a,b,c\n\n", "only a header")],
)
def test_no_data_rows(tmp_path, text, why):
    p = write(tmp_path, text)
    e = error(p, 2, 1)
    assert str(e).startswith(f"{p}: no data rows") and why in str(e)


# --- column counts -------------------------------------------------------------------------


def test_wrong_column_count_for_model(tmp_path):
    p = write(tmp_path, "\n" + ",".join(["0.5"] * 11) + "\n")
    e = error(p, 12, 1, "sigmoid")
    assert f"{p}:2: 12 inputs + 1 output = 13 columns expected, found 11" in str(e)
    assert "--arch" in e.hint and "12 inputs" in e.hint


def test_wrong_column_count_mentions_alternatives(tmp_path):
    p = write(tmp_path, "1,2,3,4,5,6\n")
    msg = str(error(p, 2, 3, "softmax", require_labels=False))
    assert "2 inputs + 3 outputs = 5 columns (or 3 with a class index, or 2 without labels)" in msg
    assert msg.endswith("found 6")


def test_trailing_comma_hint(tmp_path):
    e = error(write(tmp_path, "1,2,1,\n"), 2, 1)
    assert "found 4" in str(e) and "ends with a comma" in e.hint


def test_ragged_rows(tmp_path):
    p = write(tmp_path, "1,2,1\n3,4,0\n\n5,6\n7,8,1\n")
    e = error(p, 2, 1)
    assert f"{p}:4: 2 columns, but the first data row (line 1) has 3" in str(e)


# --- cell values -------------------------------------------------------------------------


def test_non_numeric_cell(tmp_path):
    p = write(tmp_path, "1,2,1\n3,abc,0\n")
    e = error(p, 2, 1)
    assert f"{p}:2:2: 'abc' is not a number" in str(e)
    assert e.hint


def test_long_cell_is_truncated(tmp_path):
    p = write(tmp_path, "1,2,1\n1," + "x" * 500 + ",1\n")
    msg = str(error(p, 2, 1))
    assert f"{p}:2:2:" in msg and "..." in msg and len(msg) < len(str(p)) + 100


def test_first_bad_cell_in_file_order(tmp_path):
    rows = ["0.5,0.5,1"] * 5000
    rows[3000] = "0.5,bad1,1"
    rows[4000] = "bad2,0.5,1"
    p = write(tmp_path, "\n".join(rows))
    assert f"{p}:3001:2: 'bad1'" in str(error(p, 2, 1))


@pytest.mark.parametrize("cell", ["nan", "NaN", "inf", "-inf", "Infinity", "1e999", "-1e999"])
def test_non_finite_cell(tmp_path, cell):
    p = write(tmp_path, f"1,2,1\n3,{cell},0\n")
    e = error(p, 2, 1)
    assert f"{p}:2:2: '{cell}'" in str(e) and "not a finite number" in str(e)


@pytest.mark.parametrize("row", ["3,,0", "3, ,0"])
def test_empty_cell(tmp_path, row):
    p = write(tmp_path, f"1,2,1\n{row}\n")
    assert f"{p}:2:2: empty cell" in str(error(p, 2, 1))


# --- labels -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "act, label, allowed",
    [("sigmoid", "1.5", "in [0, 1]"), ("tanh", "-1.5", "in [-1, 1]"), ("relu", "-0.1", ">= 0")],
)
def test_label_outside_output_range(tmp_path, act, label, allowed):
    p = write(tmp_path, f"1,2,0.5\n\n3,4,{label}\n")
    msg = f"{p}:3:3: label '{label}' is outside the {act} output range: must be {allowed}"
    e = error(p, 2, 1, act)
    assert msg in str(e)
    assert allowed in e.hint


def test_label_range_names_the_right_output_column(tmp_path):
    p = write(tmp_path, "1,0,1,0\n1,0,0.5,2\n")
    assert f"{p}:2:4:" in str(error(p, 1, 3, "sigmoid"))


@pytest.mark.parametrize("act", ["linear", "leaky_relu", None])
def test_unbounded_outputs_accept_any_label(tmp_path, act):
    ds = load_csv(write(tmp_path, "1,2,-7.5\n3,4,1e6\n"), 2, 1, act)
    np.testing.assert_array_equal(ds.Y[:, 0], [-7.5, 1e6])


def test_softmax_one_hot_columns(tmp_path):
    ds = load_csv(write(tmp_path, "1,0,1,0\n2,0,0,1\n"), 1, 3, "softmax")
    np.testing.assert_array_equal(ds.Y, [[0, 1, 0], [0, 0, 1]])


def test_class_index_becomes_one_hot(tmp_path):
    ds = load_csv(write(tmp_path, "0.1,0.2,2\n0.3,0.4,0\n0.5,0.6,1.0\n"), 2, 3, "softmax")
    np.testing.assert_array_equal(ds.X, [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]])
    np.testing.assert_array_equal(ds.Y, [[0, 0, 1], [1, 0, 0], [0, 1, 0]])


def test_class_index_only_with_softmax(tmp_path):
    p = write(tmp_path, "0.1,0.2,2\n")
    assert "found 3" in str(error(p, 2, 3, "sigmoid"))


@pytest.mark.parametrize("index, what", [("1.5", "not an integer"), ("3", "out of range"), ("-1", "out of range")])
def test_bad_class_index(tmp_path, index, what):
    p = write(tmp_path, f"0.1,0.2,1\n0.1,0.2,{index}\n")
    e = error(p, 2, 3, "softmax")
    assert f"{p}:2:3: class index '{index}' is {what}: must be 0..2" in str(e)
    assert "one-hot" in e.hint


def test_class_index_form_fixed_by_first_row(tmp_path):
    p = write(tmp_path, "0.1,0.2,1\n0.1,0.2,0,1,0\n")
    msg = str(error(p, 2, 3, "softmax"))
    assert f"{p}:2: 5 columns, but the first data row (line 1) has 3" in msg


# --- require_labels=False ------------------------------------------------------------------


def test_inputs_only(tmp_path):
    ds = load_csv(write(tmp_path, "1,2\n3,4\n"), 2, 1, "sigmoid", require_labels=False)
    assert ds.Y.shape == (2, 0) and not ds.has_labels
    np.testing.assert_array_equal(ds.X, [[1, 2], [3, 4]])


def test_inputs_only_still_accepts_labels(tmp_path):
    ds = load_csv(write(tmp_path, "1,2,1\n3,4,0\n"), 2, 1, "sigmoid", require_labels=False)
    assert ds.has_labels and ds.Y.tolist() == [[1.0], [0.0]]


def test_inputs_only_rejected_when_labels_required(tmp_path):
    p = write(tmp_path, "1,2\n")
    assert f"{p}:1: 2 inputs + 1 output = 3 columns expected, found 2" in str(error(p, 2, 1))


def test_inputs_only_rows_must_not_mix_with_labelled_rows(tmp_path):
    p = write(tmp_path, "1,2\n3,4,1\n")
    assert f"{p}:2: 3 columns" in str(error(p, 2, 1, require_labels=False))


# --- input_range and the real data set ---------------------------------------------------


def test_input_range():
    lo, hi = input_range(np.array([[1.0, -2.0], [3.0, 5.0], [2.0, 0.0]]))
    assert lo.dtype == np.float32 and hi.dtype == np.float32
    assert lo.tolist() == [1.0, -2.0] and hi.tolist() == [3.0, 5.0]


def test_smoke_train_csv(smoke_dir):
    ds = load_csv(smoke_dir / "train.csv", 12, 1, "sigmoid")
    assert ds.X.shape == (28596, 12) and ds.Y.shape == (28596, 1)
    assert ds.lines[0] == 1 and ds.lines[-1] == 28596
    assert set(np.unique(ds.Y)) <= {0.0, 1.0}


# --- the CLI reports these errors as exit code 2 -------------------------------------------


@pytest.fixture
def model_file(tmp_path):
    from hasaki_hil.model import modelfile
    from hasaki_hil.model.mlp import Layer, Model, identity_normalisation

    layer = Layer(np.full((1, 2), 0.5, np.float32), np.zeros(1, np.float32), "sigmoid")
    path = tmp_path / "m.json"
    modelfile.save(Model(layers=(layer,), **identity_normalisation(2)), path)
    return path


@pytest.mark.parametrize(
    "text, expected",
    [
        (None, "cannot read"),
        ("1,2\n", "2 inputs + 1 output = 3 columns expected, found 2"),
        ("1,2,1\n3,4,1.5\n", ":2:3: label '1.5' is outside the sigmoid output range"),
        ("1,2,1\n3,nan,1\n", ":2:2: 'nan' reads as nan, not a finite number"),
        ("1,2,1\n3,inf,1\n", ":2:2: 'inf' reads as inf"),
        ("1,2,1\n3,4\n", ":2: 2 columns, but the first data row (line 1) has 3"),
        ("1,2,1\n3,abc,1\n", ":2:2: 'abc' is not a number"),
        ("1,2,1\n3,,1\n", ":2:2: empty cell"),
        ("", "no data rows"),
        ("\n\n", "no data rows"),
    ],
)
def test_cli_validate_reports_data_errors(tmp_path, capsys, model_file, text, expected):
    from hasaki_hil.cli.main import main

    p = tmp_path / "d.csv" if text is None else write(tmp_path, text)
    assert main(["validate", str(model_file), str(p)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {p}") and expected in err
