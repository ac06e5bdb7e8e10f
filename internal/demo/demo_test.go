package demo_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/structuredgo/scope"
	"github.com/structuredgo/scope/internal/demo"
	"github.com/structuredgo/scope/internal/demotest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// In fake time the two 2 s sleeps run together: the group takes 2 s, not 4.
func TestTaskGroupRunsTheTasksTogether(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const delay = 2 * time.Second
		var out bytes.Buffer
		start := time.Now()
		if err := demo.TaskGroup(t.Context(), &out, delay); err != nil {
			t.Fatalf("TaskGroup = %v; want nil", err)
		}
		if got := time.Since(start); got != delay {
			t.Errorf("TaskGroup took %v; want %v", got, delay)
		}
		if got := demotest.Elapsed(t, out.String()); got != delay {
			t.Errorf("finished at - started at = %v; want %v", got, delay)
		}
		lines := demotest.Lines(out.String())
		demotest.SameLines(t, lines, []string{
			"started at HH:MM:SS", "hello", "world", "finished at HH:MM:SS",
		})
		// The tasks print after the group started and before it finished.
		if len(lines) == 4 && (lines[0] != "started at HH:MM:SS" || lines[3] != "finished at HH:MM:SS") {
			t.Errorf("got lines %q; want started first and finished last", lines)
		}
	})
}

// A cancelled sleep ends at once, with the cause, and nothing more is printed.
func TestTaskGroupCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		stop := errors.New("stop")
		ctx, cancel := context.WithCancelCause(t.Context())
		time.AfterFunc(time.Second, func() { cancel(stop) })
		var out bytes.Buffer
		start := time.Now()
		err := demo.TaskGroup(ctx, &out, time.Hour)
		if !errors.Is(err, stop) {
			t.Errorf("TaskGroup = %v; want %v", err, stop)
		}
		if got := time.Since(start); got != time.Second {
			t.Errorf("TaskGroup took %v; want 1s", got)
		}
		demotest.SameLines(t, demotest.Lines(out.String()), []string{"started at HH:MM:SS"})
	})
}

func TestFailingGroup(t *testing.T) {
	var out bytes.Buffer
	err := demo.FailingGroup(t.Context(), &out)

	var e *scope.Error
	if !errors.As(err, &e) {
		t.Fatalf("FailingGroup = %v (%T); want a *scope.Error", err, err)
	}
	if got, want := e.Tasks(), []string{"fetch users", "parse", "index"}; !slices.Equal(got, want) {
		t.Errorf("failed tasks %q; want %q, in that order", got, want)
	}
	var pe *scope.PanicError
	if !errors.As(err, &pe) || pe.Task != "parse" {
		t.Errorf("errors.As(*scope.PanicError) found %v; want the panic of task \"parse\"", pe)
	}
	var inner *scope.Error
	if errs := e.Errors(); len(errs) == 3 && !errors.As(errs[2], &inner) {
		t.Errorf("failure of index is %T; want its nested *scope.Error", errs[2])
	} else if inner != nil && !slices.Equal(inner.Tasks(), []string{"shard-2"}) {
		t.Errorf("nested scope's failed tasks %q; want [shard-2]", inner.Tasks())
	}

	report := out.String()
	if want := fmt.Sprintf("%+v\n", err); !strings.HasSuffix(report, want) {
		t.Errorf("printed\n%s\nwant it to end with the %%+v report\n%s", report, want)
	}
	for _, task := range []string{"fetch users", "parse", "index", "shard-2"} {
		if !strings.Contains(report, fmt.Sprintf("task %q", task)) {
			t.Errorf("report does not name task %q:\n%s", task, report)
		}
	}
	for _, noise := range []string{"heartbeat", "shard-1", "shard-3"} {
		if strings.Contains(report, noise) {
			t.Errorf("report names %q, whose cancellation is noise:\n%s", noise, report)
		}
	}
	for _, msg := range []string{"connection refused", "panicked: parse: unexpected end of input", "disk full"} {
		if !strings.Contains(report, msg) {
			t.Errorf("report lacks %q:\n%s", msg, report)
		}
	}
}

// FailingGroup also ends, without a report of failures, when its context is
// already cancelled: no task starts.
func TestFailingGroupCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := demo.FailingGroup(ctx, new(bytes.Buffer))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("FailingGroup = %v; want context.Canceled", err)
	}
}
