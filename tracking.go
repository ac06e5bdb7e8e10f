package scope

import (
	"fmt"
	"os"
	"strings"
	"sync/atomic"
)

// Tracking is a set of things scope records about its scopes and tasks, so
// that a person can see what runs: combine the flags with |. Tracking costs
// on the hot path, so it is off unless turned on, for one scope by
// [WithTracking], for every scope made afterwards by [SetTracking] or by the
// environment variable SCOPE_TRACK (read once, when the first scope is made).
type Tracking uint32

const (
	// TrackTasks records when each scope and task started and where it was
	// made (the file:line of the New, Run, Go or Spawn call, resolved only
	// when someone looks), what each task waits on, and the process-wide tree
	// that [Snapshot] returns; a task's goroutine carries the pprof labels
	// "scope" and "task", on top of those its context carries, in place of
	// those the goroutine that called Go had (pass [ValuesFrom] with the
	// context pprof.Do gave to keep them). Every task gets a context of its
	// own, so a scope made inside a task hangs under that task in the tree.
	TrackTasks Tracking = 1 << iota

	// TrackTrace makes a runtime/trace task of each scope and a region of
	// each task's run, so that `go tool trace` and the flight recorder show
	// the tree.
	TrackTrace

	// TrackDropped reports, on standard error, a scope that was garbage
	// collected without its Wait having returned: its tasks were never
	// waited for and its context never released. Reports come from the
	// garbage collector, so they are late and not guaranteed.
	TrackDropped

	// TrackAll is every kind of tracking.
	TrackAll = TrackTasks | TrackTrace | TrackDropped
)

// tracking is the process-wide setting, applied to every scope as it is
// made, with the bit read set once SCOPE_TRACK has been read.
var tracking atomic.Uint32

// read marks tracking as read from SCOPE_TRACK. The environment is read on
// first use, not in init: go test records the variables a test reads, to
// know when a cached result no longer holds, only once the test binary runs,
// after init; read in init, `SCOPE_TRACK=all go test` would replay a result
// cached without it.
const read = 1 << 31

// processTracking returns the process-wide setting, reading SCOPE_TRACK the
// first time.
func processTracking() Tracking {
	v := tracking.Load()
	if v&read == 0 {
		t, err := ParseTracking(os.Getenv("SCOPE_TRACK"))
		if tracking.CompareAndSwap(0, uint32(t)|read) && err != nil {
			fmt.Fprintf(os.Stderr, "scope: SCOPE_TRACK: %v; tracking stays off\n", strings.TrimPrefix(err.Error(), "scope: "))
		}
		v = tracking.Load()
	}
	return Tracking(v &^ read)
}

// SetTracking sets what every scope made from now on tracks, on top of its
// own [WithTracking], and returns the previous setting. Scopes already made
// keep theirs. SetTracking(0) turns process-wide tracking off.
func SetTracking(t Tracking) (previous Tracking) {
	processTracking() // so that the first previous is SCOPE_TRACK's
	return Tracking(tracking.Swap(uint32(t&TrackAll)|read) &^ read)
}

// WithTracking turns tracking on for the scope and its tasks: what t says,
// on top of the process-wide [SetTracking]. Given twice, the flags add up,
// unlike other options, where the last wins.
func WithTracking(t Tracking) Option {
	return option(func(c *config) { c.track |= t & TrackAll })
}

// ParseTracking reads a setting as SCOPE_TRACK holds it: "" or "0" for none;
// "1" or "tasks" for [TrackTasks]; "all"; or a comma-separated list of
// "tasks", "trace" and "dropped".
func ParseTracking(s string) (Tracking, error) {
	switch strings.TrimSpace(s) {
	case "", "0", "off":
		return 0, nil
	case "1", "on":
		return TrackTasks, nil
	case "all":
		return TrackAll, nil
	}
	var t Tracking
	for f := range strings.SplitSeq(s, ",") {
		switch strings.TrimSpace(f) {
		case "tasks":
			t |= TrackTasks
		case "trace":
			t |= TrackTrace
		case "dropped":
			t |= TrackDropped
		default:
			return 0, fmt.Errorf("scope: tracking setting %q: unknown %q; use 1, all, or a list of tasks, trace and dropped", s, f)
		}
	}
	return t, nil
}

// String returns the setting as ParseTracking reads it.
func (t Tracking) String() string {
	var parts []string
	for _, f := range []struct {
		flag Tracking
		name string
	}{{TrackTasks, "tasks"}, {TrackTrace, "trace"}, {TrackDropped, "dropped"}} {
		if t&f.flag != 0 {
			parts = append(parts, f.name)
		}
	}
	if len(parts) == 0 {
		return "0"
	}
	return strings.Join(parts, ",")
}
