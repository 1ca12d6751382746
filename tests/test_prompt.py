"""The query commands' interactive prompt, driven through a pseudo-terminal."""

import fcntl
import os
import select
import subprocess
import sys
import termios
import time

import numpy as np
import pytest
from click.testing import CliRunner

from w2v.cli import cli
from w2v.vectors.formats import save_model

pty = pytest.importorskip("pty")

WORDS = ["king", "queen", "man", "woman", "paris"]


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    rng = np.random.default_rng(2)
    path = tmp_path_factory.mktemp("prompt") / "m.w2v"
    save_model(path, WORDS, rng.standard_normal((5, 4)).astype(np.float32), np.arange(50, 0, -10))
    return str(path)


class Terminal:
    """A w2v command with a pseudo-terminal as stdin, stdout and stderr."""

    def __init__(self, *args):
        self.master, slave = pty.openpty()
        env = dict(os.environ, TERM="dumb", PYTHONPATH=os.getcwd())
        # A session of its own with the terminal as its controlling terminal, so Ctrl-C is SIGINT.
        self.process = subprocess.Popen([sys.executable, "-m", "w2v", *args], stdin=slave, stdout=slave,
                                        stderr=slave, env=env, close_fds=True, start_new_session=True,
                                        preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
        os.close(slave)
        self.seen = ""

    def read_until(self, text, timeout=60.0):
        deadline = time.monotonic() + timeout
        while text not in self.seen:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"timed out waiting for {text!r}; got {self.seen!r}"
            ready, _, _ = select.select([self.master], [], [], remaining)
            if ready:
                try:
                    chunk = os.read(self.master, 4096)
                except OSError:  # the child closed the terminal
                    chunk = b""
                if not chunk:
                    assert text in self.seen, f"{text!r} never came; got {self.seen!r}"
                self.seen += chunk.decode("utf-8", "replace").replace("\r\n", "\n")
        before, _, self.seen = self.seen.partition(text)
        return before

    def send(self, data: bytes):
        os.write(self.master, data)

    def wait_until_reading(self, timeout=30.0):
        """Wait until the command sleeps in readline's select() on the terminal.

        CPython's readline loop checks for signals only when select() is interrupted, so a Ctrl-C
        sent between the prompt's display and that select() is seen only at the next signal. No
        typist is that fast; a test is, so it waits (on Linux, through /proc; elsewhere, briefly).
        """
        wchan = f"/proc/{self.process.pid}/wchan"
        if not os.path.exists(wchan):
            time.sleep(0.5)
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(wchan) as f:
                waiting_in = f.read()
            if "poll" in waiting_in or "select" in waiting_in:
                return
            time.sleep(0.01)

    def wait(self):
        status = self.process.wait(timeout=60)
        os.close(self.master)
        return status


PROMPT = "(EXIT to end): "


@pytest.mark.parametrize("end", [b"\x04", b"EXIT\n", b"\x03"], ids=["Ctrl-D", "EXIT", "Ctrl-C"])
def test_nearest_prompt_answers_reports_an_unknown_word_and_ends_with_status_0(model, end):
    terminal = Terminal("nearest", "-m", model, "-k", "2")
    terminal.read_until(PROMPT)
    terminal.send(b"king\n")
    answer = terminal.read_until(PROMPT)
    lines = [line for line in answer.splitlines() if "\t" in line]
    assert len(lines) == 2 and all(line.split("\t")[0] in WORDS for line in lines)
    terminal.send(b"kingg\n")
    assert "Error: word not in vocabulary: 'kingg'; did you mean: king?" in terminal.read_until(PROMPT)
    terminal.send(b"queen\n")
    assert "\t" in terminal.read_until(PROMPT)  # the prompt still answers after an error
    terminal.wait_until_reading()
    terminal.send(end)
    assert terminal.wait() == 0


def test_analogy_and_similarity_prompts(model):
    terminal = Terminal("analogy", "-m", model, "-k", "1")
    terminal.read_until("Enter three words A B C " + PROMPT)
    terminal.send(b"king man\n")
    assert "Error: an analogy takes three words A B C, got 2" in terminal.read_until(PROMPT)
    terminal.send(b"king man woman\n")
    answers = [line for line in terminal.read_until(PROMPT).splitlines() if "\t" in line]
    assert len(answers) == 1 and answers[0].split("\t")[0] in WORDS
    terminal.send(b"\x04")
    assert terminal.wait() == 0

    terminal = Terminal("similarity", "-m", model)
    terminal.read_until("Enter two words " + PROMPT)
    terminal.send(b"king queen\n")
    score = float(terminal.read_until("Enter two words " + PROMPT).strip().splitlines()[-1])
    unit = np.random.default_rng(2).standard_normal((5, 4))
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    assert score == pytest.approx(unit[0] @ unit[1], abs=1e-5)
    terminal.send(b"EXIT\n")
    assert terminal.wait() == 0


def test_without_a_terminal_no_words_is_still_an_error(model):
    result = CliRunner().invoke(cli, ["nearest", "-m", model], input="")
    assert result.exit_code == 2
    assert "Missing argument 'WORDS...'" in result.output
