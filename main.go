package scope

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
)

// Main is asyncio.run for func main: it runs body in a scope, as [Run] does
// with [context.Background] and opts, and ends the program with the exit
// status a shell script tests: 0, 1, or 128 plus the signal's number.
//
// The first SIGINT or SIGTERM cancels the scope's context (a signal the
// program was started with ignored, as by nohup, stays ignored), with a
// cause whose message names the signal ("scope: received SIGINT
// (interrupt)"); the cause also has a method Signal() os.Signal, for
// [errors.As], and errors.Is(cause, context.Canceled) holds, as for
// signal.NotifyContext's cause. A second signal
// exits at once, without waiting for the tasks, after printing to stderr
// which tasks were still running, each with its state (and the body, if it
// had not returned): exit status 130 if that second signal is SIGINT, 143 if
// it is SIGTERM. The scopes nested in those tasks, where a stuck task often
// is, are found through tracking: run the program with SCOPE_TRACK=1 (see
// [Tracking]) to have them listed too, with ages and spawn sites.
//
// When the run ends:
//   - with no failure and no signal, Main returns. The run's own deadline
//     ([WithTimeout], [WithDeadline] among opts) is not a failure (see
//     [Scope.Wait]): when it passes, the tasks are cancelled and waited
//     for, and Main returns, as for a program told to run for so long. A
//     program for which the deadline means it failed returns an error of
//     its own from a task when ctx's deadline passes;
//   - if it failed, with no signal, Main prints the %+v report of the error to
//     stderr and exits with status 1;
//   - after a signal, it exits with status 130 for SIGINT, 143 for SIGTERM.
//     A clean stop prints nothing: the run returned nil, or only the signal's
//     cause (what [Run] reports when its parent ended it). If there were also
//     real failures, Main prints their %+v report first, and still exits with
//     130 or 143, not 1. That status is an exit, not a death by the
//     signal: a shell reads $? as 130 either way, but bash goes on with a
//     loop around the program (it stops a loop only for a child killed by
//     SIGINT), and a supervisor such as systemd sees a failed exit unless
//     told the status is a clean stop (SuccessExitStatus=130 143).
//
// Unless the run ends clean, Main exits rather than returns: deferred calls
// in func main do not run then, so put cleanup (flushing a log, closing a
// file) in body, where it runs before Main exits.
//
// A task panic re-panics, as in Run, and crashes the program; Main stops
// listening for signals first. A body that calls runtime.Goexit (t.FailNow)
// fails like a task that does: Main reports it and exits 1.
//
// Main waits for the tasks still running when body returns, as every scope
// does (asyncio.run cancels them): to drop them, body calls s.Cancel(nil)
// before it returns. Main takes SIGINT and SIGTERM whatever other
// signal.Notify calls the program made; a program that handles them itself
// uses Run with signal.NotifyContext. Main stops listening for signals, and
// its own goroutine has ended, before it returns or exits; a signal that
// arrives after that gets the default treatment.
//
//	func main() {
//		scope.Main(func(ctx context.Context, s *scope.Scope) error {
//			s.Go(serve, scope.Named("server"))
//			return nil
//		})
//	}
//
// Main that returns can run in a testing/synctest bubble, on its clock,
// provided the process has called signal.Notify before, outside the
// bubble: the first call in a process sets up the runtime's signal
// handling, and from inside a bubble that deadlocks the bubble.
//
// Main panics if body is nil, or if Main is already running (called from
// its own body, say, as asyncio.run refuses to run inside a running loop):
// there is one program, and one Main to end it.
func Main(body func(ctx context.Context, s *Scope) error, opts ...Option) {
	if body == nil {
		panic("scope: Main with a nil body; pass the function that runs the program")
	}
	if !mainRunning.CompareAndSwap(false, true) {
		panic("scope: Main called while Main runs; call it once, from func main, and use Run for a scope inside it")
	}
	defer mainRunning.Store(false)
	w := watchSignals()
	defer w.exitOnGoexit()
	err := w.run(body, opts)
	// w.first is safe to read: the watcher has ended.
	// The run's own deadline is no failure: with no signal, Main returns.
	clean := err == nil || err == context.DeadlineExceeded || err == w.cause
	if clean && w.first == nil {
		return
	}
	if !clean {
		fmt.Fprintf(osStderr, "%+v\n", err)
	}
	osExit(exitCode(w.first))
}

// exitOnGoexit ends the program if body called runtime.Goexit (t.FailNow
// in a helper shared with tests, say): Run has waited for the tasks, and the
// main goroutine is unwinding. Left to unwind, it would hang the process,
// not crash it as a bare Goexit in func main does: the signal package's
// goroutine outlives Main and hides the deadlock from the runtime. So Main
// reports the failure (the body's ErrGoexit) and exits, as for any
// failure. A panic unwinding past it goes on untouched.
func (w *watcher) exitOnGoexit() {
	s := w.scope.Load()
	if s == nil {
		return
	}
	s.mu.Lock()
	exited, err := s.exited && s.closed, s.result
	s.mu.Unlock()
	if exited {
		fmt.Fprintf(osStderr, "%+v\n", err)
		osExit(exitCode(w.first))
	}
}

// mainRunning is set while Main runs: a second Main would install a second
// signal watcher, and its exit would end the program under the first's
// tasks.
var mainRunning atomic.Bool

// osExit and osStderr are how Main ends the program and where it reports, as
// variables so that a test in the package can stand in for them.
var (
	osExit             = os.Exit
	osStderr io.Writer = os.Stderr
)

// A watcher turns signals into what Main promises: the first cancels ctx,
// the second lists what still runs and exits. Its goroutine lives from
// watchSignals until run returns, so nothing Main starts outlives it.
type watcher struct {
	ctx    context.Context // Run's parent
	cancel context.CancelCauseFunc
	sigs   chan os.Signal
	stop   chan struct{} // closed by run: the watcher returns
	done   chan struct{} // closed by the watcher as it returns

	scope    atomic.Pointer[Scope] // set as the body starts
	bodyDone atomic.Bool

	// Written by the watcher only; read by Main once done is closed.
	first os.Signal
	cause error // what ctx was cancelled with on the first signal
}

func watchSignals() *watcher {
	w := &watcher{
		// Two slots: the first signal and the second, even if the watcher
		// is slow to take the first. signal.Notify never blocks; it drops.
		sigs: make(chan os.Signal, 2),
		stop: make(chan struct{}),
		done: make(chan struct{}),
	}
	w.ctx, w.cancel = context.WithCancelCause(context.Background())
	for _, sig := range []os.Signal{os.Interrupt, syscall.SIGTERM} {
		// One the program was started with ignored (nohup, `cmd &` in a
		// shell without job control) stays ignored, as asyncio.run leaves
		// an ignored SIGINT alone: the user asked that it not stop us.
		if !signal.Ignored(sig) {
			signal.Notify(w.sigs, sig)
		}
	}
	go w.watch()
	return w
}

// run runs body in a scope under w.ctx, then stops the watcher and waits for
// it, even if Run panics.
func (w *watcher) run(body func(ctx context.Context, s *Scope) error, opts []Option) error {
	defer func() {
		signal.Stop(w.sigs)
		close(w.stop)
		<-w.done
		w.cancel(context.Canceled)
	}()
	return Run(w.ctx, func(ctx context.Context, s *Scope) error {
		w.scope.Store(s)
		defer w.bodyDone.Store(true)
		return body(ctx, s)
	}, opts...)
}

func (w *watcher) watch() {
	defer close(w.done)
	for {
		select {
		case <-w.stop:
			w.drain()
			return
		case sig := <-w.sigs:
			if w.take(sig) {
				return // only when osExit is a test's stand-in
			}
		}
	}
}

// take acts on sig: the first signal cancels the run, the second reports
// what still runs and exits, and take reports that it did.
func (w *watcher) take(sig os.Signal) (exited bool) {
	if w.first == nil {
		w.first, w.cause = sig, &signalError{sig}
		w.cancel(w.cause)
		return false
	}
	w.report(sig)
	osExit(exitCode(sig))
	return true
}

// drain takes the signals that arrived before run stopped them, as the run
// ended. signal.Stop has returned, so they are in w.sigs; but select may
// have taken stop first, and such a signal was lost: neither Main's
// treatment (exit 130 or 143) nor the default one (a reviewer's test saw a
// SIGINT just before the body returned end with status 0, once in 300 runs).
func (w *watcher) drain() {
	for {
		select {
		case sig := <-w.sigs:
			if w.take(sig) {
				return
			}
		default:
			return
		}
	}
}

// report prints, on a second signal, what Wait was still waiting for: the
// body, if it had not returned, then the scope's tree, one line a task with
// its state (and, with tracking on, its age, where it was started and what
// it is blocked in, and the scopes nested in it).
func (w *watcher) report(sig os.Signal) {
	var lines []string
	if s := w.scope.Load(); s != nil {
		s.awaitWatch() // the first signal cancelled it: the tree shows its tasks cancelling
		if !w.bodyDone.Load() {
			state := StateRunning
			if s.Context().Err() != nil {
				state = StateCancelling
			}
			lines = append(lines, "body ("+state+")")
		}
		if tree := s.Snapshot(); len(tree.Nodes) > 1 || len(lines) > 0 {
			lines = append(lines, strings.Split(strings.TrimSuffix(tree.String(), "\n"), "\n")...)
		}
	}
	if len(lines) == 0 {
		fmt.Fprintf(osStderr, "scope: received %s while stopping; exiting at once, with nothing left running\n", signalName(sig))
		return
	}
	fmt.Fprintf(osStderr, "scope: received %s while stopping; exiting at once; Wait was still waiting for:\n", signalName(sig))
	for _, l := range lines {
		fmt.Fprintf(osStderr, "\t%s\n", l)
	}
	var p *PanicError // a panic that the tasks above hold back: its stack too
	if s := w.scope.Load(); s != nil && errors.As(context.Cause(s.Context()), &p) {
		fmt.Fprintf(osStderr, "The scope was cancelled by a panic, which Wait re-panics once they return:\n%v\n", p)
	}
}

// signalError is the cause with which Main cancels its scope on the first
// signal. It is unexported so that Main's contract stays small; Main's doc
// promises its message and its Signal method.
type signalError struct{ sig os.Signal }

func (e *signalError) Error() string     { return "scope: received " + signalName(e.sig) }
func (e *signalError) Signal() os.Signal { return e.sig }

// Is reports that the cause is a cancellation, as the cause that
// signal.NotifyContext cancels with does, so that code moving from
// NotifyContext to Main takes the same branch.
func (e *signalError) Is(target error) bool { return target == context.Canceled }

// signalName names sig the way a shell user knows it, with Go's description:
// "SIGINT (interrupt)".
func signalName(sig os.Signal) string {
	switch sig {
	case os.Interrupt:
		return "SIGINT (interrupt)"
	case syscall.SIGTERM:
		return "SIGTERM (terminated)"
	}
	return sig.String()
}

// exitCode is the status Main exits with after sig, 128 plus the signal's
// number as a shell reports a process killed by it, or 1 for no signal.
func exitCode(sig os.Signal) int {
	switch sig {
	case nil:
		return 1
	case os.Interrupt:
		return 130
	case syscall.SIGTERM:
		return 143
	}
	return 1
}
