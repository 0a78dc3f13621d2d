"""The wire protocol: framing, CRC, the decoder under fuzzing, and SerialTarget against a
fake board on a real pseudo-terminal, with link faults."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hasaki_hil.quant import quantize, reference
from hasaki_hil.targets import protocol
from hasaki_hil.targets import serial as targets
from hasaki_hil.targets.base import Target, Vectors
from hasaki_hil.targets.fakeboard import FakeBoard
from hasaki_hil.targets.protocol import FrameError, Message

from .test_quantize import pathology_model


def test_crc16_ccitt_false_check_value():
    assert protocol.crc16(b"123456789") == 0x29B1


@given(st.binary(max_size=600))
def test_cobs_round_trip_and_no_zero_bytes(data):
    enc = protocol.cobs_encode(data)
    assert 0 not in enc
    assert protocol.cobs_decode(enc) == data


@given(st.integers(0, 255), st.integers(0, 255), st.binary(max_size=300))
def test_message_round_trip(mtype, seq, body):
    frame = protocol.encode(Message(mtype, seq, body))
    assert frame[0] == 0 and frame[-1] == 0 and 0 not in frame[1:-1]
    assert protocol.Deframer().feed(frame) == [Message(mtype, seq, body)]


@settings(max_examples=2000, deadline=None)
@given(st.binary(max_size=700))
def test_fuzz_decoder_never_crashes(data):
    """Arbitrary bytes: the decoder returns a message or raises FrameError, nothing else."""
    try:
        msg = protocol.decode(data)
    except FrameError:
        return
    assert isinstance(msg, Message)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.binary(max_size=80), max_size=12), st.binary(max_size=200))
def test_fuzz_deframer_finds_every_intact_frame_among_garbage(bodies, junk):
    d = protocol.Deframer()
    stream = junk + b"".join(protocol.encode(Message(protocol.RUN_REPLY, i, b)) for i, b in enumerate(bodies))
    got = []
    for i in range(0, len(stream), 7):  # arbitrary chunking
        got += d.feed(stream[i : i + 7])
    assert [m.body for m in got if m.type == protocol.RUN_REPLY] == bodies


def test_a_damaged_frame_is_rejected():
    frame = bytearray(protocol.encode(Message(protocol.RUN, 1, b"\x01\x02\x03")))
    frame[3] ^= 0x10
    d = protocol.Deframer()
    assert d.feed(bytes(frame)) == [] and d.bad_frames == 1


def test_hello_round_trip_and_malformed_hello():
    h = protocol.Hello("uno", 16_000_000, "avr-timer", "ab" * 32, 12, 1, True, True)
    assert protocol.parse_hello(protocol.hello_body(h)) == h
    with pytest.raises(FrameError):
        protocol.parse_hello(protocol.hello_body(h)[:20])


@pytest.fixture(scope="module")
def case():
    m = pathology_model()
    X = np.random.default_rng(0).random((120, 4)) * [1, 1e-3, 1e-3, 1]
    v = quantize.build(m, ["int8", "int8"], X, "int8")
    vectors = Vectors.for_variant(v, reference.native_inputs(v, X))
    return v, vectors, reference.run(v, X).q_outputs


def _run(v, vectors, port, **kw):
    return targets.SerialTarget(port, 115200, timeout=0.3, handshake_timeout=1.0, **kw).run(None, vectors)


def test_fake_board_over_a_pty(case):
    v, vectors, expected = case
    with FakeBoard(v) as port:
        r = _run(v, vectors, port)
    assert np.array_equal(r.outputs, expected)
    # the fake board is a Target too: the same call as on an emulated core or a real board
    fake = FakeBoard(v)
    assert isinstance(fake, Target) and fake.kind == "fake:fake"
    assert np.array_equal(fake.run(None, vectors).outputs, expected)
    # the boot banner may arrive glued to the first reply and cost one immediate resend
    assert len(r.retries) <= 1 and all("damaged" in x["cause"] for x in r.retries)


@pytest.mark.parametrize("faults", [{"flip_rate": 0.01}, {"drop_rate": 0.01, "insert_rate": 0.01}])
def test_corrupted_link_gives_the_right_result_or_a_clear_error(case, faults):
    v, vectors, expected = case
    with FakeBoard(v, seed=3, **faults) as port:
        try:
            r = _run(v, vectors, port)
        except targets.DeviceError as e:
            assert "no valid reply" in str(e)  # a clear stop is allowed; a wrong result is not
            return
    assert np.array_equal(r.outputs, expected)
    assert r.retries, "1% corrupted bytes must have cost some retries"


def test_a_reset_mid_run_is_reported(case):
    v, vectors, _ = case
    with FakeBoard(v, reset_after_runs=40) as port:
        with pytest.raises(targets.DeviceError, match="reset during vector 39"):
            _run(v, vectors, port)


def test_silence_is_an_error_not_a_hang(case):
    v, vectors, _ = case
    with FakeBoard(v, silent=True) as port:
        with pytest.raises(targets.DeviceError, match="no valid reply to the handshake") as e:
            _run(v, vectors, port, retries=2)
    assert "baud" in e.value.hint


def test_a_firmware_with_another_model_is_refused(case):
    v, vectors, _ = case
    other = quantize.build(pathology_model(), ["int8-wo", "int8-wo"], None, "int8-wo")
    with FakeBoard(other) as port:
        with pytest.raises(targets.DeviceError, match="refusing its results"):
            targets.SerialTarget(port, 115200, timeout=0.3).run(None, vectors)


def test_a_missing_port_is_a_user_error():
    from hasaki_hil.errors import UserError

    with pytest.raises(UserError, match="cannot open serial port"):
        targets.SerialTarget("/dev/nonexistent-tty", 9600).run(None, Vectors((b"\x00",), np.int8, 1, "00" * 32))
