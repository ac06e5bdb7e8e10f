//go:build unix

package scope_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/structuredgo/scope"
)

// Main ends the program, so it is tested for real: the program in
// internal/maintest calls it, and each case runs that program, signals it
// when it says "ready", and reads its exit status, stdout and stderr.
// Nothing is ordered by sleeping: the test sends a signal only after a line
// that says the program has reached the point it tests.
func TestMainExitsAsAShellExpects(t *testing.T) {
	bin := buildMaintest(t)

	t.Run("no failure, no signal: Main returns", func(t *testing.T) {
		t.Parallel()
		c := startMaintest(t, bin, "ok")
		code, out, errOut := c.exit(t)
		if code != 0 || errOut != "" {
			t.Errorf("got exit status %d, stderr %q; want 0 and nothing", code, errOut)
		}
		if !slices.Equal(out, []string{"returned"}) {
			t.Errorf("got stdout %q; want Main to return and the program to print \"returned\"", out)
		}
	})

	// Runs that end without a signal: exit status, what stderr must hold,
	// and all of stdout.
	for _, tc := range []struct {
		name, mode string
		code       int
		report     []string
		out        []string
	}{
		{"failure: %+v report and exit 1", "fail", 1,
			[]string{"scope: 1 failure: disk on fire", `task "failer"`, "| disk on fire"}, nil},
		// The run's own deadline passed: no task failed and no signal
		// came, so Main returns, its tasks
		// cancelled and waited for, and prints nothing.
		{"the run's deadline: Main returns", "timeout", 0, nil, []string{"returned"}},
		{"task panic re-panics", "panic", 2,
			[]string{`panic: scope: task "panicker" panicked: boom`}, nil},
		// asyncio.run refuses to run inside a running loop; Main inside
		// Main panics, and the outer scope's task still ends before the
		// crash (Run's body panicked: the scope is cancelled and waited for
		// first). A nested Main used to install a second watcher: here it
		// returned, and the program waited for a signal; after one, the
		// inner Main's exit ended the program under the outer one's tasks.
		// The body's runtime.Goexit (t.FailNow in a helper) is a failure
		// like a task's: the scope is cancelled and waited for, then Main
		// reports it and exits 1. It used to hang: Goexit went on unwinding
		// the main goroutine, and the signal package's goroutine kept the
		// runtime from calling it a deadlock.
		{"body Goexit: reported, exit 1", "goexit", 1,
			[]string{"scope: 1 failure:", "runtime.Goexit", `task "body"`}, []string{"sibling done"}},
		{"Main inside Main panics", "nested", 2,
			[]string{"panic: scope: Main called while Main runs"}, []string{"outer done"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := startMaintest(t, bin, tc.mode)
			code, out, errOut := c.exit(t)
			if code != tc.code {
				t.Errorf("got exit status %d; want %d", code, tc.code)
			}
			wantReport(t, errOut, tc.report...)
			if tc.code == 0 && errOut != "" {
				t.Errorf("got stderr %q; want nothing from a run that ends clean", errOut)
			}
			if !slices.Equal(out, tc.out) {
				t.Errorf("got stdout %q; want %q", out, tc.out)
			}
		})
	}

	for _, tc := range []struct {
		sig   syscall.Signal
		code  int
		cause string
	}{
		{syscall.SIGINT, 130, "scope: received SIGINT (interrupt)"},
		{syscall.SIGTERM, 143, "scope: received SIGTERM (terminated)"},
	} {
		t.Run("clean stop by "+tc.sig.String(), func(t *testing.T) {
			t.Parallel()
			c := startMaintest(t, bin, "wait")
			c.waitFor(t, "ready")
			c.signal(t, tc.sig)
			code, out, errOut := c.exit(t)
			if code != tc.code || errOut != "" {
				t.Errorf("got exit status %d, stderr %q; want %d and nothing", code, errOut, tc.code)
			}
			// The cause is context.Canceled to errors.Is, as
			// signal.NotifyContext's is.
			want := []string{"ready", "cause: " + tc.cause, "signal: " + tc.sig.String(), "is context.Canceled: true"}
			if !slices.Equal(out, want) {
				t.Errorf("got stdout %q; want %q", out, want)
			}
		})
	}

	// A program started with SIGINT ignored (nohup, `cmd &` without job
	// control) keeps it ignored, as asyncio.run does: SIGTERM is then the
	// first signal.
	t.Run("an ignored SIGINT stays ignored", func(t *testing.T) {
		t.Parallel()
		sh, err := exec.LookPath("sh")
		if err != nil {
			t.Skipf("no sh to start the program with SIGINT ignored: %v", err)
		}
		c := startMaintest(t, bin, "wait", sh, "-c", `trap "" INT; exec "$0" "$@"`)
		c.waitFor(t, "ready")
		c.signal(t, syscall.SIGINT)
		c.signal(t, syscall.SIGTERM)
		code, out, errOut := c.exit(t)
		if code != 143 || errOut != "" || !slices.Contains(out, "cause: scope: received SIGTERM (terminated)") {
			t.Errorf("got exit status %d, stdout %q, stderr %q; want a clean stop by SIGTERM, 143", code, out, errOut)
		}
	})

	t.Run("signal and a failure: report and exit 143", func(t *testing.T) {
		t.Parallel()
		c := startMaintest(t, bin, "cleanup")
		c.waitFor(t, "ready")
		c.signal(t, syscall.SIGTERM)
		code, _, errOut := c.exit(t)
		if code != 143 {
			t.Errorf("got exit status %d; want 143: the signal decides, not the failure", code)
		}
		wantReport(t, errOut, "scope: 1 failure: cleanup failed", `task "cleaner"`)
	})

	for _, tc := range []struct {
		second syscall.Signal
		code   int
	}{
		{syscall.SIGINT, 130},
		{syscall.SIGTERM, 143}, // the second signal decides: it is the one that ended the program
	} {
		t.Run("second signal "+tc.second.String()+" exits at once", func(t *testing.T) {
			t.Parallel()
			c := startMaintest(t, bin, "stubborn")
			c.waitFor(t, "ready")
			c.signal(t, syscall.SIGINT)
			c.waitFor(t, "cancelled: scope: received SIGINT (interrupt)") // the first signal was handled
			c.signal(t, tc.second)
			code, out, errOut := c.exit(t)
			if code != tc.code {
				t.Errorf("got exit status %d; want %d", code, tc.code)
			}
			wantReport(t, errOut, "exiting at once; Wait was still waiting for:", "└─ stubborn (cancelling) ", "maintest/main.go:")
			if slices.Contains(out, "returned") {
				t.Errorf("got stdout %q; want Main not to return", out)
			}
		})
	}
}

// A panic whose re-panic a sibling holds back, by ignoring its context, is
// not hidden: the second signal's report prints it, with its stack, as the
// cause of the scope the stuck task holds open.
func TestSecondSignalReportShowsAPanicHeldBack(t *testing.T) {
	bin := buildMaintest(t)
	c := startMaintest(t, bin, "stuckpanic")
	c.waitFor(t, "ready")
	// Two kinds, as two of one kind may merge. Nothing the program prints
	// says the first was taken (the scope was cancelled already), and two
	// signals sent at once may reach Main in either order: the second to
	// arrive sets the status and is named in the report.
	c.signal(t, syscall.SIGINT)
	c.signal(t, syscall.SIGTERM)
	code, _, errOut := c.exit(t)
	second := map[int]string{130: "SIGINT", 143: "SIGTERM"}[code]
	if second == "" {
		t.Fatalf("got exit status %d; want 130 or 143\n%s", code, errOut)
	}
	wantReport(t, errOut, "received "+second+" ", `(cancelling: scope: task "panicker" panicked: boom`, "maintest/main.go:", "└─ stuck (cancelling)")
}

// wantReport fails t unless stderr holds every one of want.
func wantReport(t *testing.T, stderr string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, stderr)
		}
	}
}

// buildMaintest builds internal/maintest into t's temporary directory and
// returns the program's path, skipping t where there is no go command.
func buildMaintest(t *testing.T) string {
	t.Helper()
	gocmd, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to build internal/maintest: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "maintest")
	cmd := exec.CommandContext(deadline(t), gocmd, "build", "-o", bin, "github.com/structuredgo/scope/internal/maintest")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build internal/maintest: %v\n%s", err, out)
	}
	return bin
}

// deadline returns a context that ends a minute from now, or earlier with the
// test, so that a program that hangs is killed and the test fails instead of
// hanging.
func deadline(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// maintest is a running internal/maintest program.
type maintest struct {
	ctx    context.Context
	cmd    *exec.Cmd
	lines  chan string // stdout, line by line; closed at EOF
	out    []string    // stdout lines read so far
	stderr bytes.Buffer
	once   sync.Once
	err    error // from cmd.Wait
}

// startMaintest starts the program in bin with mode as its argument. It is
// killed by the test's deadline, and reaped when t ends whatever happened.
func startMaintest(t *testing.T, bin, mode string, via ...string) *maintest {
	t.Helper()
	c := &maintest{ctx: deadline(t), lines: make(chan string)}
	args := append(via[:len(via):len(via)], bin, mode)
	c.cmd = exec.CommandContext(c.ctx, args[0], args[1:]...)
	c.cmd.Env = append(os.Environ(), "SCOPE_TRACK=1") // the report then says where each task was started
	c.cmd.Stderr = &c.stderr
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(c.lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		c.cmd.Process.Kill() // an error means it has exited: fine
		c.reap()
	})
	return c
}

// waitFor reads stdout until a line equal to want, failing t at EOF or at the
// deadline.
func (c *maintest) waitFor(t *testing.T, want string) {
	t.Helper()
	for {
		select {
		case line, ok := <-c.lines:
			if !ok {
				t.Fatalf("program ended before printing %q; stdout %q, stderr:\n%s", want, c.out, c.stderr.String())
			}
			c.out = append(c.out, line)
			if line == want {
				return
			}
		case <-c.ctx.Done():
			t.Fatalf("no line %q before the deadline; stdout %q", want, c.out)
		}
	}
}

func (c *maintest) signal(t *testing.T, sig os.Signal) {
	t.Helper()
	if err := c.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("sending %v: %v", sig, err)
	}
}

// exit waits for the program to end, bounded by the deadline, and returns
// its exit status (-1 if a signal killed it), all of its stdout and its
// stderr.
func (c *maintest) exit(t *testing.T) (code int, stdout []string, stderr string) {
	t.Helper()
	c.reap()
	var exit *exec.ExitError
	switch {
	case c.err == nil:
		code = 0
	case errors.As(c.err, &exit):
		code = exit.ExitCode()
	default:
		t.Fatalf("waiting for the program: %v", c.err)
	}
	if c.ctx.Err() != nil {
		t.Fatalf("program killed at the deadline; stdout %q, stderr:\n%s", c.out, c.stderr.String())
	}
	return code, c.out, c.stderr.String()
}

// reap reads the rest of stdout and waits for the program, once. It returns
// when the program has ended: by itself, or killed at the deadline.
func (c *maintest) reap() {
	c.once.Do(func() {
		for line := range c.lines {
			c.out = append(c.out, line)
		}
		c.err = c.cmd.Wait()
	})
}

// Main that ends clean returns, so it runs in a synctest bubble, on the
// bubble's clock, once the process has listened for signals before: the
// first signal.Notify of a process sets up the runtime's signal handling,
// and from inside a bubble that deadlocks the bubble (Main's doc says so).
func TestMainRunsInABubbleOnceSignalsAreInUse(t *testing.T) {
	primed := make(chan os.Signal, 1)
	signal.Notify(primed, syscall.SIGUSR1)
	signal.Stop(primed)
	synctest.Test(t, func(t *testing.T) {
		start := time.Now()
		ran := false
		scope.Main(func(ctx context.Context, s *scope.Scope) error {
			s.Go(func(ctx context.Context) error {
				ran = scope.Sleep(ctx, time.Hour) == nil
				return nil
			})
			return nil
		})
		if !ran || time.Since(start) != time.Hour {
			t.Errorf("Main returned after %v of the bubble's time, its task done: %v; want an hour, done", time.Since(start), ran)
		}
	})
}
