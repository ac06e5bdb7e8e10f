package scope

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"weak"
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
	// "scope" and "task". Every task gets a context of its own, so a scope
	// made inside a task hangs under that task in the tree.
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
			fmt.Fprintf(os.Stderr, "%v; tracking stays off\n", err)
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
// on top of the process-wide [SetTracking].
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
			return 0, fmt.Errorf("scope: SCOPE_TRACK=%q: unknown %q; use 1, all, or a list of tasks, trace and dropped", s, f)
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

// scopeIDs numbers every scope of the process, for the tree's ids.
var scopeIDs atomic.Uint64

// A scopeTrack is what a tracked scope records. It holds no pointer to its
// scope, so that it can sit in contexts and in a cleanup without keeping the
// scope alive.
type scopeTrack struct {
	what   Tracking
	id     uint64
	parent node // where the scope was made: a tracked task or scope; nil for a root
	born   time.Time
	site   site
	trace  *trace.Task  // TrackTrace
	closed *atomic.Bool // TrackDropped: set as the scope closes
	name   string
	label  string // the scope's label, formatted once for its tasks' pprof labels
	labels atomic.Pointer[labelCache]

	// cause is the scope context's cause once it is done, set by a
	// context.AfterFunc (see watch): a snapshot reads this, not the context,
	// whose Err receives from its Done channel, and a receive on a channel of
	// a testing/synctest bubble from outside it is fatal; tracked scopes are
	// read from anywhere.
	cause     atomic.Pointer[error]
	stopWatch func() bool
	watched   chan struct{} // closed as the AfterFunc's goroutine ends: see untrack
}

// watch arranges for the scope's cause to be kept in r when its context is
// done. It runs once s.ctx is made.
func (s *Scope) watch() {
	r, ctx := s.tr, s.ctx
	r.watched = make(chan struct{})
	r.stopWatch = context.AfterFunc(ctx, func() {
		defer close(r.watched)
		cause := context.Cause(ctx)
		r.cause.Store(&cause)
	})
}

// markCancelled records, for a scope that just cancelled itself (by Cancel,
// or for its first failure), that its context is done, as a tracked scope's
// watch would an instant later: so Tasks, String and the tree show the
// scope and its tasks cancelling once Cancel has returned, read from
// anywhere (see cancelled). The caller has just cancelled the context, so it
// may read the cause; watch, which stores the same cause, may come before or
// after.
func (s *Scope) markCancelled() {
	s.keepCauses()
	if s.tr != nil && s.tr.stopWatch != nil {
		s.tr.cause.CompareAndSwap(nil, &s.doneErrs.Load()[0])
	}
}

// awaitWatch waits, for a tracked scope whose context is done, until watch
// has recorded it, so that a snapshot taken after the cancellation shows it:
// watch runs on a goroutine of its own, and a task woken by the cancellation
// can be seen to react before it has run. Called while the context is live,
// it waits until it ends, or until the scope closes (see untrack).
func (s *Scope) awaitWatch() {
	if s.tr != nil && s.tr.stopWatch != nil {
		<-s.tr.watched
	}
}

// cancelled reports whether s's context is done, and its cause, for Tasks,
// String and the tree, which any goroutine may call: asking the context
// (its Err, or context.Cause, which calls Err) receives from its Done
// channel once it is done, and a receive on a channel of a synctest bubble
// from outside it is fatal. So what the scope cancelled itself is read from
// markCancelled's record, and, for a tracked scope, a cancellation from
// outside (the parent, the deadline) from watch's. Only an untracked scope
// asks its context about those.
func (s *Scope) cancelled() (bool, error) {
	if c := s.doneErrs.Load(); c != nil {
		return true, c[0]
	}
	if s.tr != nil && s.tr.stopWatch != nil {
		if c := s.tr.cause.Load(); c != nil {
			return true, *c
		}
		return false, nil
	}
	if s.ctx.Err() == nil {
		return false, nil
	}
	return true, context.Cause(s.ctx)
}

// A labelCache is the scope's context with the pprof labels of its last
// named task: tasks often share a name, and labelling a context costs three
// allocations a task; sharing it, with a one-frame site, made a tracked
// fan-out 7% faster (bench/against HEAD 8 Tracked).
type labelCache struct {
	task string
	ctx  context.Context
}

// labelled returns ctx, the scope's own context, with the pprof labels of a
// task named name.
func (r *scopeTrack) labelled(ctx context.Context, name string) context.Context {
	if c := r.labels.Load(); c != nil && c.task == name {
		return c.ctx
	}
	c := &labelCache{name, pprof.WithLabels(ctx, pprof.Labels("scope", r.label, "task", name))}
	r.labels.Store(c)
	return c.ctx
}

// A taskTrack is what a tracked task records. It is also the task's context
// (the one it would have had, with itself as the value of nodeKey), so that
// a tracked task costs one allocation for both. It does not point to the
// task: a nested scope, or a goroutine the task left behind, may keep the
// context after the task has finished, and the task struct is recycled.
type taskTrack struct {
	context.Context
	scope    uint64   // the scope's id
	id       int      // the task's, set as it starts
	what     Tracking // what the scope tracks
	labelled bool     // Context carries the task's pprof labels: see trackTask
	born     time.Time
	site     [1]uintptr              // the Go or Spawn call: see trackTask
	waits    atomic.Pointer[blocker] // what the task is blocked in, if anything
}

// Value returns tt itself for nodeKey, and asks the context it wraps for
// anything else.
func (tt *taskTrack) Value(key any) any {
	if key == (nodeKey{}) {
		return tt
	}
	return tt.Context.Value(key)
}

// A node is a tracked scope or task, as found in a context: a scope made
// with that context hangs under it.
type node interface {
	nodeID() string
	tracks() Tracking // what a scope made under it tracks, at least
	up() node         // the node it hangs under, nil for a root
}

type nodeKey struct{}

func (r *scopeTrack) nodeID() string   { return scopeID(r.id) }
func (tt *taskTrack) nodeID() string   { return taskID(tt.scope, tt.id) }
func (r *scopeTrack) tracks() Tracking { return r.what }
func (tt *taskTrack) tracks() Tracking { return tt.what }
func (r *scopeTrack) up() node         { return r.parent }
func (tt *taskTrack) up() node         { n, _ := tt.Context.Value(nodeKey{}).(node); return n } // its scope

func scopeID(id uint64) string { return "s" + strconv.FormatUint(id, 10) }
func taskID(scope uint64, task int) string {
	return scopeID(scope) + "." + strconv.Itoa(task)
}

// track sets up what s tracks, if anything, and returns the context to make
// s's own from. It runs as s is made, on the caller's goroutine. A scope
// made under a tracked task or scope tracks what that one does, at least.
func (s *Scope) track(parent context.Context) context.Context {
	s.id = scopeIDs.Add(1)
	what := s.cfg.track | processTracking()
	var up node
	if trackedScopes.Load() > 0 {
		if up, _ = parent.Value(nodeKey{}).(node); up != nil {
			what |= up.tracks()
		}
	}
	if what == 0 {
		return parent
	}
	r := &scopeTrack{what: what, id: s.id, name: s.cfg.name, parent: up, label: s.label()}
	r.site.record(3) // Callers, track, newScope
	if what&TrackTasks != 0 {
		r.born = time.Now()
		parent = context.WithValue(parent, nodeKey{}, r)
	}
	if what&TrackTrace != 0 {
		parent, r.trace = trace.NewTask(parent, r.label)
	}
	if what&TrackDropped != 0 {
		r.closed = new(atomic.Bool)
		runtime.AddCleanup(s, reportDropped, r)
	}
	s.tr = r
	return parent
}

// untrack ends what s tracks, as s closes, before s.ctx is cancelled: then
// watch's function need not run; if it started already, untrack waits for its
// goroutine, which takes no lock of s, so that nothing the scope started
// outlives its Wait. s.mu is held.
func (s *Scope) untrack() {
	r := s.tr
	if r.what&TrackTasks != 0 {
		unregister(s.id)
		if r.stopWatch() { // it will never run: awaitWatch must not wait for it
			close(r.watched)
		} else { // it started: wait for it to end
			<-r.watched
		}
	}
	if r.trace != nil {
		r.trace.End()
	}
	if r.closed != nil {
		r.closed.Store(true)
	}
}

// label names s for labels, traces and the tree: its name, or "#id".
func (s *Scope) label() string {
	if s.cfg.name != "" {
		return s.cfg.name
	}
	return "#" + strconv.FormatUint(s.id, 10)
}

// trackTask records what a task of a tracked scope tracks; its context gets
// a value of its own, so that a scope made in the task hangs under it.
//
// Of where it was started, it keeps one frame: the user's call of Go or
// Spawn, up frames above newTask. runtime.Callers costs about 100 ns for one
// frame kept, 150 ns for three, however many it skips (a microbenchmark),
// once per task (bench/ BenchmarkFanOutTracking). A
// task that a helper (Gather, Map, AsCompleted…) starts is called from the
// package; its site is then the helper's scope's, which is the user's call
// of the helper.
func (s *Scope) trackTask(t *task, up int) {
	if s.tr.what&TrackTasks == 0 {
		return
	}
	tr := &taskTrack{Context: t.ctx, scope: s.id, what: s.tr.what, born: time.Now()}
	runtime.Callers(3+up, tr.site[:])   // Callers, trackTask, newTask, then up more
	if t.ctx == s.ctx && t.name != "" { // labelled once for its namesakes
		tr.Context, tr.labelled = s.tr.labelled(s.ctx, t.name), true
	}
	t.tr, t.ctx = tr, tr
}

// siteOf returns where t was started: its own site, or its scope's.
func (t *task) siteOf() string {
	if s := siteString(t.tr.site[:]); s != "" {
		return s
	}
	return t.s.tr.site.String()
}

// scopeTitle names a scope for people: `scope "crawler"`, or `scope #3`.
func scopeTitle(name string, id uint64) string {
	if name != "" {
		return "scope " + strconv.Quote(name)
	}
	return "scope #" + strconv.FormatUint(id, 10)
}

// callTracked runs t's function with what tracking adds: the pprof labels
// "scope" and "task" on the goroutine and in the context fn receives, so
// that goroutines fn starts inherit them; and a trace region.
func (t *task) callTracked() error {
	ctx := t.ctx
	if t.tr != nil {
		if !t.tr.labelled { // unnamed ("task-N", each new), or shielded
			ctx = pprof.WithLabels(ctx, pprof.Labels("scope", t.s.tr.label, "task", t.Name()))
		}
		pprof.SetGoroutineLabels(ctx)
		defer pprof.SetGoroutineLabels(context.Background()) // an idle worker runs no task
	}
	if t.s.tr.trace != nil {
		defer trace.StartRegion(ctx, t.Name()).End()
	}
	return t.fn(ctx)
}

// A blocker is what a tracked task is blocked in: an operation and,
// formatted only when someone looks, what it waits for.
type blocker struct {
	op string
	on any // a *Scope, something with a Name, or nil
}

func (b *blocker) String() string {
	switch on := b.on.(type) {
	case *Scope:
		return b.op + " " + scopeTitle(on.cfg.name, on.id)
	case interface{ Name() string }:
		return b.op + " " + on.Name()
	}
	return b.op
}

// trackedScopes counts the scopes in the registry: a blocking call looks
// for its task in its context only while there are any, so that with
// tracking off the look costs one atomic load.
var trackedScopes atomic.Int64

// blockedIn marks the tracked task whose context ctx is, if any, as blocked
// in op on on, and returns it with what it was blocked in before, to hand
// to unblock. A context of a scope made inside a task (the body of a nested
// Run, say) is that task's: the task is what blocks.
func blockedIn(ctx context.Context, op string, on any) (*taskTrack, *blocker) {
	if trackedScopes.Load() == 0 {
		return nil, nil
	}
	n, _ := ctx.Value(nodeKey{}).(node)
	tt := taskOf(n)
	if tt == nil {
		return nil, nil
	}
	return tt, tt.waits.Swap(&blocker{op, on})
}

// taskOf returns the tracked task that n is, or that the scope n is was made
// in, through any nesting of scopes made in their bodies; nil if none.
func taskOf(n node) *taskTrack {
	for r, ok := n.(*scopeTrack); ok; r, ok = n.(*scopeTrack) {
		n = r.parent
	}
	tt, _ := n.(*taskTrack)
	return tt
}

// unblock undoes blockedIn.
func unblock(tt *taskTrack, prev *blocker) {
	if tt != nil {
		tt.waits.Store(prev)
	}
}

// A site is where a scope or task was made: program counters, resolved to
// the first frame outside this package only when someone looks.
type site [8]uintptr

// record keeps the frames of the stack from skip frames above its caller.
func (p *site) record(skip int) { runtime.Callers(skip+1, p[:]) }

// pkgPrefix is the prefix of the names of this package's functions.
var pkgPrefix = reflect.TypeFor[Scope]().PkgPath() + "."

// frame returns the first frame of pcs outside this package (its tests count
// as outside) and above the goroutine's start: for `go s.Go(fn)`, the caller
// of Go is runtime.goexit, which says nothing.
func frame(pcs []uintptr) (runtime.Frame, bool) {
	n := 0
	for n < len(pcs) && pcs[n] != 0 {
		n++
	}
	frames := runtime.CallersFrames(pcs[:n])
	for {
		f, more := frames.Next()
		inside := strings.HasPrefix(f.Function, pkgPrefix) && !strings.HasSuffix(f.File, "_test.go")
		if f.PC != 0 && !inside && f.Function != "runtime.goexit" {
			return f, true
		}
		if !more {
			return runtime.Frame{}, false
		}
	}
}

// String returns "file:line", or "" if the site is not known.
func (p *site) String() string { return siteString(p[:]) }

// siteString returns the "file:line" of the first of pcs outside this
// package, or "".
func siteString(pcs []uintptr) string {
	if f, ok := frame(pcs); ok {
		return f.File + ":" + strconv.Itoa(f.Line)
	}
	return ""
}

// The registry holds every scope made with TrackTasks until it closes,
// weakly: a scope dropped without Wait leaves it when it is collected.
var registry struct {
	mu     sync.Mutex
	scopes map[uint64]weak.Pointer[Scope]
}

func register(s *Scope) {
	registry.mu.Lock()
	if registry.scopes == nil {
		registry.scopes = make(map[uint64]weak.Pointer[Scope])
	}
	registry.scopes[s.id] = weak.Make(s)
	trackedScopes.Add(1)
	registry.mu.Unlock()
}

func unregister(id uint64) {
	registry.mu.Lock()
	if _, ok := registry.scopes[id]; ok {
		delete(registry.scopes, id)
		trackedScopes.Add(-1)
	}
	registry.mu.Unlock()
}

// registered returns the live tracked scopes, oldest first.
func registered() []*Scope {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	scopes := make([]*Scope, 0, len(registry.scopes))
	for id, p := range registry.scopes {
		if s := p.Value(); s != nil {
			scopes = append(scopes, s)
		} else { // dropped without Wait, and collected
			delete(registry.scopes, id)
			trackedScopes.Add(-1)
		}
	}
	sortScopes(scopes)
	return scopes
}

// dropped is where TrackDropped reports, a variable so that a test can
// stand in for it.
var dropped = func(msg string) { fmt.Fprintln(os.Stderr, msg) }

func reportDropped(r *scopeTrack) {
	if r.closed.Load() {
		return
	}
	name := scopeTitle(r.name, r.id)
	at := ""
	if s := r.site.String(); s != "" {
		at = " (made at " + s + ")"
	}
	dropped("scope: " + name + at + " was dropped without Wait: its tasks were not waited for and its context was never released; call Wait, or use Run")
}

func (s *Scope) isCancelled() bool {
	done, _ := s.cancelled()
	return done
}

// isCancelled reports whether t's context is done, without asking it (see
// Scope.cancelled): its scope's is, unless t is shielded, or Task.Cancel
// cancelled its own.
func (t *task) isCancelled() bool {
	if !t.shielded && t.s.isCancelled() {
		return true
	}
	own, ok := t.out.(interface{ cancelled() bool })
	return ok && own.cancelled()
}
