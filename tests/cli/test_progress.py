import io

from annotator.progress import ProgressBar

CLEAR = "\r\033[K"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    """Time that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_bar_on_a_terminal_redrawn_at_most_ten_times_a_second() -> None:
    stream, clock = Terminal(), Clock()
    with ProgressBar("export jsonl", "records", 2_000, stream, clock) as bar:
        clock.now += 0.5
        bar.update(1_000)
        clock.now += 0.05
        bar.update(1_100)  # too soon after the last drawing: not drawn
        clock.now += 0.1
        bar.update(1_300)
    assert stream.getvalue() == (
        f"{CLEAR}export jsonl  [##########----------]  1,000 / 2,000 records   2,000/s"
        f"{CLEAR}export jsonl  [#############-------]  1,300 / 2,000 records   2,000/s"
        f"{CLEAR}"
    )


def test_a_count_when_the_total_is_unknown() -> None:
    stream, clock = Terminal(), Clock()
    bar = ProgressBar("import data.jsonl", "documents", stream=stream, clock=clock)
    clock.now += 2
    bar.update(12_345)
    assert stream.getvalue() == f"{CLEAR}import data.jsonl  12,345 documents   6,172/s"


def test_counted_passes_items_through_and_counts_them() -> None:
    stream, clock = Terminal(), Clock()
    bar = ProgressBar("export", "records", 3, stream, clock)
    seen = []
    for item in bar.counted(["a", "b", "c"]):
        seen.append(item)
        clock.now += 1
    assert seen == ["a", "b", "c"]
    assert stream.getvalue().endswith("[####################]  3 / 3 records   1/s")


def test_silent_when_not_on_a_terminal() -> None:
    stream = io.StringIO()
    with ProgressBar("export", "records", 10, stream) as bar:
        assert list(bar.counted(range(10))) == list(range(10))
    assert stream.getvalue() == ""


def test_nothing_to_erase_when_nothing_was_drawn() -> None:
    stream = Terminal()
    with ProgressBar("export", "records", 10, stream):
        pass
    assert stream.getvalue() == ""


def test_a_total_given_as_a_function_is_counted_only_for_a_drawn_bar() -> None:
    calls: list[str] = []

    def count() -> int:
        calls.append("counted")
        return 4

    with ProgressBar("export", "records", count, io.StringIO()) as silent:
        assert silent.total is None
    assert calls == []
    stream, clock = Terminal(), Clock()
    with ProgressBar("export", "records", count, stream, clock) as bar:
        clock.now += 1
        bar.update(2)
    assert calls == ["counted"]
    assert "2 / 4 records" in stream.getvalue()
