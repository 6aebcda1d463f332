"""A parallel sampler for pyabc whose samples are bit-identical to its SingleCoreSampler's.

pyabc's multicore samplers let each worker propose its own particles, from a generator reseeded from OS
entropy, and accept them in whichever order simulations finish: fast, but not reproducible. Here the
proposals are drawn in this process, in the order SingleCoreSampler draws them; only the simulations
run in worker processes; and particles are accepted in proposal order, up to the n-th acceptance. The
sample (accepted and rejected particles, in order), the number of evaluations and the state numpy's
global generator is left in are SingleCoreSampler's, whatever the number of workers.

How, on pyabc's public API (a :class:`pyabc.sampler.Sampler` implementing ``sample_until_n_accepted``).
pyabc's ``simulate_one`` proposes θ, calls the model on θ, computes the distance, accepts or rejects, and
weighs an accepted particle. The model pyabc is given is :attr:`OrderedParallelSampler.model`, which

1. *records*: it raises as soon as it is called, carrying θ out, so that ``simulate_one`` stops right
   after proposing. Called again and again from a saved generator state, ``simulate_one`` thus yields
   the proposals θ1, θ2, ... that SingleCoreSampler would simulate, whatever their simulations give;
2. the θs go to the workers in small chunks; each worker simulates them and sends one result per θ;
3. *replays*: from the generator state at the start of the generation, ``simulate_one`` is called again
   for θ1, θ2, ... in order; it proposes the same θ (checked), the model returns the worker's result
   for it, and the particle goes into the sample; the loop stops at the n-th acceptance, exactly where
   SingleCoreSampler stops.

Recording runs a few chunks ahead of replaying (never far beyond the simulations the generation still
needs), so the workers do not wait; drawing each proposal twice costs little against its simulation.

What it relies on (true of pyabc 0.13 with this project's choices; a violation makes the replay's θ
check fail loudly rather than change a result): (a) ``simulate_one`` draws from numpy's global
generator only to propose θ, and calls the model once per call, after those draws
(``pyabc.inference_util``: ``generate_valid_proposal`` then ``evaluate_proposal``, or the prior draw
then ``summary_statistics`` for the calibration sample); (b) nothing after the model call draws from
it: the acceptor is pyabc's UniformAcceptor and the distance AdaptivePNormDistance, both deterministic
(a StochasticAcceptor would draw); (c) the simulator is a pure function of θ
(:class:`calibration.abc.Simulator` seeds every simulation from the calibration seed and θ).

Workers are forked where the platform allows and no other thread runs (spawned otherwise); they ignore
Ctrl-C and exit by themselves when the main process is gone. In the main process Ctrl-C takes effect
between particles, never in the middle of one of pyabc's database writes (:class:`DeferredInterrupt`); the
workers are then stopped.
"""

from __future__ import annotations

import gc
import math
import multiprocessing as mp
import os
import pickle
import signal
import threading
from collections import deque
from multiprocessing.connection import wait

import numpy as np
import pyabc

from sim.common.process import watch_parent

CHUNK = 2
"""Proposals per message to a worker (at most)."""

DEPTH = 2
"""Chunks a worker holds at once: the one it simulates and the next, so that it never waits."""


class DivergedError(RuntimeError):
    """Replaying proposed another θ than recording did: something besides the proposal drew from numpy's
    global generator, or the model was called twice (see the module docstring)."""


class _Proposed(Exception):
    """Raised by the model while recording: carries the proposal out of pyabc's ``simulate_one``."""

    def __init__(self, theta):
        super().__init__("proposal recorded")
        self.theta = theta


class Relay:
    """The model pyabc calls in the main process: records a proposal, or returns its worker's result.

    Outside :meth:`OrderedParallelSampler.sample_until_n_accepted` it calls the simulator itself."""

    def __init__(self, simulator):
        self.simulator = simulator
        self.recording = False
        self.replaying = False
        self.expected = None  # (θ, (ok, value)) of the proposal being replayed

    def __call__(self, pars):
        """Raise with ``pars`` (recording), return the expected result (replaying), or simulate."""
        if self.recording:  # plain floats: the simulator reads them as such, and they pickle fast
            raise _Proposed({k: float(v) for k, v in pars.items()})
        if not self.replaying:
            return self.simulator(pars)
        expected, self.expected = self.expected, None
        if expected is None or dict(pars) != expected[0]:
            raise DivergedError("the replayed proposal differs from the recorded one")
        ok, value = expected[1]
        if not ok:
            raise value
        return value


def _evaluate(function, theta) -> tuple[bool, object]:
    """``(True, function(theta))``, or ``(False, the exception)`` made picklable."""
    try:
        return True, function(theta)
    except Exception as e:  # noqa: BLE001 -- raised again in the main process, where pyabc would see it
        try:
            pickle.dumps(e)
            return False, e
        except Exception:  # noqa: BLE001
            return False, RuntimeError(f"{type(e).__name__}: {e}")


def _serve(conn, function, parent: int, inherited) -> None:
    """A worker: evaluate ``function`` on each θ of each chunk received; one message per θ."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the main process's to handle
    for c in inherited:  # the main process's ends of the pipes, so that they close when it dies
        c.close()
    watch_parent(parent)  # the main process's death ends this one, in the middle of a chunk too
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        token, first, thetas = task
        for i, theta in enumerate(thetas):
            try:
                conn.send((token, first + i, *_evaluate(function, theta)))
            except OSError:  # the main process is gone
                return


class WorkerPool:
    """``n`` processes evaluating ``function`` on chunks of θs, in the order sent; one result per θ."""

    def __init__(self, function, n: int):
        # fork: the workers share this process's memory and need not import or unpickle anything; not where
        # the platform lacks it, nor with other threads running (a lock they hold would stay held in a child)
        fork = "fork" in mp.get_all_start_methods() and threading.active_count() == 1
        ctx = mp.get_context("fork" if fork else "spawn")
        self.method = ctx.get_start_method()
        self.conns, self.procs = [], []
        self.pending = [deque() for _ in range(n)]  # per worker: (token, last index) of chunks not done
        # Until close(), no collector, here or in a worker, walks (so writes to) the objects that exist now:
        # their pages stay shared with the workers instead of being copied into each process.
        gc.collect()
        gc.freeze()
        try:
            for i in range(n):
                self._start(ctx, i, function, fork)
        except BaseException:
            self.close()
            raise

    def _start(self, ctx, i: int, function, fork: bool) -> None:
        ours, theirs = ctx.Pipe()
        inherited = [*self.conns, ours] if fork else []
        proc = ctx.Process(
            target=_serve, args=(theirs, function, os.getpid(), inherited), name=f"calibration-{i}", daemon=True
        )
        proc.start()
        theirs.close()
        self.conns.append(ours)
        self.procs.append(proc)

    def idle(self) -> int | None:
        """A worker holding fewer than :data:`DEPTH` chunks (the least loaded), or None."""
        i = min(range(len(self.pending)), key=lambda k: len(self.pending[k]))
        return i if len(self.pending[i]) < DEPTH else None

    def submit(self, worker: int, token: int, first: int, thetas: list) -> None:
        """Send ``worker`` the chunk ``thetas``, proposals ``first``, ``first + 1``, ... of ``token``."""
        self.conns[worker].send((token, first, thetas))
        self.pending[worker].append((token, first + len(thetas) - 1))

    def receive(self) -> list[tuple]:
        """Wait for results; every ``(token, index, ok, value)`` that has arrived."""
        ready = set(wait(self.conns + [p.sentinel for p in self.procs]))
        out = []
        for i, conn in enumerate(self.conns):
            if conn not in ready and self.procs[i].sentinel not in ready:
                continue
            try:
                while conn.poll():
                    out.append(self._done(i, conn.recv()))
            except (EOFError, OSError):
                self._lost(i)
            if not self.procs[i].is_alive():
                self._lost(i)
        return out

    def _done(self, worker: int, message: tuple) -> tuple:
        if self.pending[worker] and self.pending[worker][0] == message[:2]:
            self.pending[worker].popleft()
        return message

    def _lost(self, worker: int) -> None:
        self.procs[worker].join(1.0)
        raise RuntimeError(
            f"calibration worker {worker} stopped unexpectedly (exit code {self.procs[worker].exitcode})"
        )

    def close(self) -> None:
        """Stop every worker (speculative work still queued is dropped)."""
        for proc in self.procs:
            if proc.is_alive():
                proc.terminate()
        for proc in self.procs:
            proc.join()
        for conn in self.conns:
            conn.close()
        self.conns, self.procs = [], []
        gc.unfreeze()


def map_ordered(function, items: list, n_procs: int, chunk: int = 50, on_done=None) -> list:
    """``[function(x) for x in items]`` on ``n_procs`` worker processes (:class:`WorkerPool`), in the order
    of ``items`` whatever order they finish in; ``on_done(k)`` after each of the ``k`` results so far. An
    exception ``function`` raises is raised here."""
    if n_procs <= 1:
        out = []
        for x in items:
            out.append(function(x))
            if on_done:
                on_done(len(out))
        return out
    pool = WorkerPool(function, n_procs)
    try:
        results: dict[int, object] = {}
        sent = 0
        while len(results) < len(items):
            while sent < len(items) and (worker := pool.idle()) is not None:
                pool.submit(worker, 0, sent, items[sent : sent + chunk])
                sent += chunk
            for _, index, ok, value in pool.receive():
                if not ok:
                    raise value
                results[index] = value
                if on_done:
                    on_done(len(results))
        return [results[i] for i in range(len(items))]
    finally:
        pool.close()


class _Generation:
    """One call's proposals: recorded ahead in this process, simulated by the workers, replayed in order."""

    def __init__(self, simulate_one, relay: Relay, pool: WorkerPool, token: int, limit: float):
        self.simulate_one, self.relay, self.pool, self.token = simulate_one, relay, pool, token
        self.limit = limit  # proposals this call may simulate at most
        self.record_state = np.random.get_state()  # the generator after the last recorded proposal
        self.thetas: list = []  # recorded proposals, by index; None where proposing raised
        self.results: dict[int, tuple] = {}  # index -> (ok, value), as they arrive
        self.next = 0  # the next index to replay

    def replay(self, ahead: int):
        """The next particle, as SingleCoreSampler computes it; keep up to ``ahead`` proposals in flight."""
        while self.next not in self.results and self.thetas[self.next : self.next + 1] != [None]:
            self._feed(ahead)
            for token, index, ok, value in self.pool.receive():
                if token == self.token:
                    self.results[index] = (ok, value)
        i = self.next
        self.next += 1
        self.relay.expected = None if self.thetas[i] is None else (self.thetas[i], self.results.pop(i))
        self.relay.replaying = True
        try:
            return self.simulate_one()  # where proposing raised, it raises here again
        finally:
            self.relay.replaying, self.relay.expected = False, None

    def _feed(self, ahead: int) -> None:
        """Record and send chunks while a worker has room and fewer than ``ahead`` proposals are in flight."""
        while (worker := self.pool.idle()) is not None and self.thetas[-1:] != [None]:
            room = min(ahead, self.limit - self.next) - (len(self.thetas) - self.next)
            if room < 1:
                return
            first = len(self.thetas)
            chunk = self._record(min(CHUNK, int(room)))
            if chunk:
                self.pool.submit(worker, self.token, first, chunk)

    def _record(self, count: int) -> list:
        """Propose up to ``count`` particles from the recording state (the live generator is left as it was);
        where proposing raises, the stream ends with None there, and replaying it raises again."""
        live = np.random.get_state()
        np.random.set_state(self.record_state)
        self.relay.recording = True
        chunk = []
        try:
            for _ in range(count):
                try:
                    self.simulate_one()
                except _Proposed as p:
                    chunk.append(p.theta)
                    continue
                except Exception:  # noqa: BLE001 -- proposing failed: it fails again when replayed
                    pass
                self.thetas.extend([*chunk, None])  # also when the model was not called: replaying diverges
                return chunk
        finally:
            self.relay.recording = False
            self.record_state = np.random.get_state()
            np.random.set_state(live)
        self.thetas.extend(chunk)
        return chunk


class DeferredInterrupt:
    """Ctrl-C, while installed, raises KeyboardInterrupt only at :meth:`check` (a second Ctrl-C at once).

    pyabc writes its database between generations; a KeyboardInterrupt in the middle of a write leaves a
    transaction open, and pyabc's clean-up then waits two minutes for the lock, or fails with a second
    error instead of the interruption. The sampler checks between particles, where no write is under way.
    Installed only from the main thread, over Python's default handler."""

    def __init__(self):
        self.pending = False
        self._previous = None

    def install(self) -> None:
        """Catch SIGINT (if this is the main thread and the handler is Python's default)."""
        if threading.current_thread() is threading.main_thread() and (
            signal.getsignal(signal.SIGINT) is signal.default_int_handler
        ):
            self._previous = signal.signal(signal.SIGINT, self._handle)

    def _handle(self, signum, frame) -> None:
        if self.pending:
            raise KeyboardInterrupt
        self.pending = True

    def check(self) -> None:
        """Raise KeyboardInterrupt if Ctrl-C was pressed since :meth:`install`."""
        if self.pending:
            self.pending = False
            raise KeyboardInterrupt

    def uninstall(self) -> None:
        """Put the previous handler back, then :meth:`check`."""
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None
        self.check()


class OrderedParallelSampler(pyabc.sampler.Sampler):
    """Simulations in ``n_procs`` worker processes; proposals and acceptance in this process, in order.

    Pass :attr:`model` to :class:`pyabc.ABCSMC` as the model (one model), and this sampler as its sampler.
    ``check_max_eval`` as in :class:`pyabc.sampler.SingleCoreSampler` (off there too: a generation then
    runs to ``n`` acceptances and pyabc's ``min_acceptance_rate`` stops the run after it)."""

    def __init__(self, simulator, n_procs: int = 2, check_max_eval: bool = False):
        super().__init__()
        self.n_procs = n_procs
        self.check_max_eval = check_max_eval
        self._relay = Relay(simulator)
        name = getattr(simulator, "__name__", type(simulator).__name__)  # as pyabc names a model
        self.model = pyabc.FunctionModel(self._relay, name=name)
        self._pool: WorkerPool | None = None
        self._token = 0
        self._interrupt = DeferredInterrupt()

    def start(self) -> None:
        """Start the workers (else the first generation does; fork early, while this process is small), and
        defer Ctrl-C to the sampler's safe points until :meth:`stop` (:class:`DeferredInterrupt`)."""
        if self._pool is None:
            self._pool = WorkerPool(self._relay.simulator, self.n_procs)
            self._interrupt.install()

    def stop(self) -> None:
        """Stop the workers (pyabc calls this when a run ends, after its last write); raise KeyboardInterrupt
        if Ctrl-C was pressed since the last check. The next generation would start them again."""
        if self._pool is not None:
            pool, self._pool = self._pool, None
            try:
                pool.close()
            finally:
                self._interrupt.uninstall()

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None):
        """Particles in SingleCoreSampler's order until ``n`` are accepted (or ``max_eval`` simulations,
        with ``check_max_eval``); pyabc's Sampler contract."""
        self.start()
        self._token += 1
        limit = max_eval if self.check_max_eval else math.inf
        gen = _Generation(simulate_one, self._relay, self._pool, self._token, limit)
        sample = self._create_empty_sample()
        evaluations = 0
        while sample.n_accepted < n and evaluations < limit:
            self._interrupt.check()
            ahead = self._ahead(n - sample.n_accepted, sample.n_accepted, evaluations, all_accepted)
            sample.append(gen.replay(ahead))
            evaluations += 1
        self.nr_evaluations_ = evaluations
        if sample.n_accepted < n:
            sample.ok = False
        return sample

    def _ahead(self, missing: int, accepted: int, evaluations: int, all_accepted: bool) -> int:
        """Proposals to keep in flight: enough to keep every worker busy, not many more than the generation
        still needs at its acceptance rate so far (each one beyond is simulated for nothing)."""
        full = self.n_procs * DEPTH * CHUNK
        if all_accepted:
            return min(full, missing)
        rate = (accepted + 1) / (evaluations + 2)
        return max(1, min(full, math.ceil(missing / rate)))
