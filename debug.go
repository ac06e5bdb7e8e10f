package scope

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"weak"

	"github.com/structuredgo/scope/internal/keep"
)

// scopeIDs numbers every tracked scope of the process, for the tree's ids.
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
	kept   bool         // a keep.Keeper in its context holds the scope until it closes: see hold
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
	site     [1]uintptr // the Go or Spawn call: see trackTask
	waits    blockers   // what the task is blocked in, if anything
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
	// Only a tracked scope takes an id: nothing else reads it, and the
	// counter is one cache line shared by every core that makes scopes
	// (two cores cannot show the cost: parallel empty Runs 255 ns against
	// 300, p=0.11, a scratch RunParallel benchmark).
	s.id = scopeIDs.Add(1)
	r := &scopeTrack{what: what, id: s.id, name: s.cfg.name, parent: up, label: s.label()}
	r.site.record(3) // Callers, track, newScope
	if what&TrackTasks != 0 {
		r.born = time.Now()
		r.kept = s.hold(parent)
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

// hold has s held alive until it closes, and reports whether it did, if
// ctx carries a keep.Keeper: scopetest.Run's, so that its check finds a
// scope the test forgot to Wait for even after a garbage collection (the
// registry holds scopes weakly). The scopeTrack keeps only that it did, no
// pointer that could reach the scope from its cleanup.
func (s *Scope) hold(ctx context.Context) bool {
	k := keep.From(ctx)
	if k != nil {
		k.Hold(s.id, s)
	}
	return k != nil
}

// untrack ends what s tracks, as s closes, before s.ctx is cancelled: then
// watch's function need not run; if it started already, untrack waits for its
// goroutine, which takes no lock of s, so that nothing the scope started
// outlives its Wait.
func (s *Scope) untrack() {
	r := s.tr
	if r.what&TrackTasks != 0 {
		unregister(s.id)
		if r.kept {
			keep.From(s.ctx).Drop(s.id)
		}
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
	return t.invoke(ctx)
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
