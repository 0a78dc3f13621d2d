"""When SerialTarget resends: a retransmission timeout learnt from the link's round trips, a
bounded exponential back-off on silence, and a short, growing pause after damage.

- Silence (no valid reply within the wait): resend, and double the wait, never past ``cap``
  (the longest a board may take to answer, ``--timeout``). The first wait of a request is the
  retransmission timeout (RTO): srtt + 4 rttvar of the round trips seen so far (as TCP,
  RFC 6298), never under ``floor`` (the frames' own time on the wire plus a margin); before
  the first round trip of its kind it is ``cap``, so a board whose inference takes a second is
  not flooded with resends it would answer one after another.
- Damage (a frame that does not decode, or the board's NAK): the reply is lost, so resend
  soon, but only after a pause of ``pause0 * growth**j`` (j: damage-ended attempts of this
  request so far), at most ``max(pause_cap, floor)``, and only once the line has been quiet
  for ``quiet`` (no bytes at all). The frames of a noise burst arriving within one pause end
  one attempt, not one each, so a burst of garbage cannot spend the attempts in no time. The
  handshake grows its pause by 1.5 from 5 ms to 250 ms (a board booting at another baud
  rate); runs by 1.2 from 1 ms to 100 ms: on a link that damages half the frames, doubling
  would make the expected pause grow without bound, and 40 attempts at 1.2 still outlast
  over 2 s of noise.
- Every request stops after ``attempts`` tries or ``patience`` seconds, whichever comes first.

Round trips are sampled only from requests answered at the first attempt (Karn's rule: after
a resend, which send a reply answers cannot be told).
"""

from dataclasses import dataclass


@dataclass
class Pacing:
    floor: float  # seconds: no reply can come sooner (frames on the wire) plus scheduling margin
    cap: float  # seconds: the longest single wait
    patience: float  # seconds: a request is given up after this long
    attempts: int  # and after this many sends
    pause0: float = 0.001  # seconds: the first pause after damage
    growth: float = 1.2  # of the pause, per damage-ended attempt
    pause_cap: float = 0.1  # seconds: the longest pause after damage
    quiet: float = 0.001  # seconds without a byte before a resend after damage
    srtt: float | None = None
    rttvar: float = 0.0

    def first_wait(self) -> float:
        if self.srtt is None:
            return self.cap
        return min(self.cap, max(self.floor, self.srtt + 4 * self.rttvar))

    def after_silence(self, wait: float) -> float:
        return min(self.cap, wait * 2)

    def pause(self, damaged_attempts: int) -> float:
        return min(self.cap, max(self.pause_cap, self.floor), self.pause0 * self.growth**damaged_attempts)

    def sample(self, rtt: float) -> None:
        if self.srtt is None:
            self.srtt, self.rttvar = rtt, rtt / 2
        else:
            self.rttvar = 0.75 * self.rttvar + 0.25 * abs(self.srtt - rtt)
            self.srtt = 0.875 * self.srtt + 0.125 * rtt
