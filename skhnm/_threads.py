"""Threads for a pass's chunks, and BLAS's threads meanwhile.

A pass runs its chunks on threads of its own where they pay off (an
estimator's own method, kernels, a draw's elementwise steps), holding BLAS
to one thread each so that the cores are not oversubscribed.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

from threadpoolctl import ThreadpoolController

_controller = []


def _blas_controller():
    # Inspecting the loaded BLAS libraries takes milliseconds: do it once.
    if not _controller:
        _controller.append(ThreadpoolController())
    return _controller[0]


def run_chunks(run, chunks, n_threads, progress=None, n_total=None):
    """``run(*chunk)`` for every chunk, on `n_threads` threads when above 1.

    `run` returns how many rows it covered; `progress(n_done, n_total)` is
    called after each chunk, in order of completion.
    """
    lock, done = threading.Lock(), [0]

    def counted(*chunk):
        n = run(*chunk)
        if n and progress is not None:
            with lock:
                done[0] += n
                progress(done[0], n_total)

    if n_threads == 1 or len(chunks) == 1:
        for chunk in chunks:
            counted(*chunk)
    else:
        _run_threaded(counted, chunks, n_threads)


def blas_thread_count():
    """The threads BLAS would use now (the most of any BLAS loaded)."""
    libs = _blas_controller().select(user_api="blas").lib_controllers
    return max((lib.num_threads for lib in libs), default=1)


def blas_threads(n):
    """A context in which BLAS runs on `n` threads."""
    return _blas_controller().limit(limits=n, user_api="blas")


def _run_threaded(run, chunks, n_threads):
    """Run the chunks on threads: NumPy, BLAS and libsvm release the GIL.

    The pool is shared, never pickled, and BLAS is held to one thread per
    chunk so the threads do not oversubscribe the cores. A plain executor:
    joblib's dispatch costs milliseconds a pass, as much as a linear pass
    over millions of rows. An exception (KeyboardInterrupt included) cancels
    the chunks not yet started and waits for the running ones, so no thread
    outlives the pass.
    """
    with blas_threads(1):
        executor = ThreadPoolExecutor(n_threads, thread_name_prefix="skhnm-score")
        try:
            for future in [executor.submit(run, *chunk) for chunk in chunks]:
                future.result()
        finally:
            executor.shutdown(wait=True, cancel_futures=True)
