package scope_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/structuredgo/scope"
	"go.uber.org/multierr"
)

// FuzzErrorTree builds a tree of failures in the shape the bytes describe,
// by running real scopes (a *scope.Error has no constructor), then checks
// the tree, Split and the formatting against that shape.
func FuzzErrorTree(f *testing.F) {
	f.Add([]byte{0})
	f.Add([]byte{3, 0x80, 0x41, 2, 1, 0xc3, 5, 0, 4})
	f.Fuzz(func(t *testing.T, data []byte) {
		d := &shapeDecoder{data: data}
		shape := d.shape(0)
		e := asError(t, shape.run())
		want := shape.leaves("")
		checkLeaves(t, "Run", e, want)
		checkFormat(t, "Run", e)
		checkSplit(t, e, want)
	})
}

// An errorShape is a scope to run: each entry is a task that fails its own
// way, named uniquely across the tree.
type errorShape struct{ entries []*shapeEntry }

type shapeEntry struct {
	name  string
	kind  byte
	msg   string
	inner *errorShape // nestsScope, wrapsScope
	match bool        // Split's verdict on this leaf
	err   error       // what the task returned: set before, or, for wrapsScope, by the task
}

// How an entry's task fails. nestsScope returns a nested scope's *Error; the
// others are leaves for Split (wrapsScope returns that *Error wrapped by
// fmt.Errorf, leafJoined an errors.Join).
const (
	leafFails byte = iota
	leafPanics
	leafExits
	leafJoined
	nestsScope
	wrapsScope
	entryKinds
)

// shapeDecoder reads a shape from fuzz bytes; past their end it reads 0.
type shapeDecoder struct {
	data []byte
	ids  int
	// ErrGoexit is one value: every Goexit leaf gets the first one's verdict.
	goexitMatch, goexitSeen bool
}

func (d *shapeDecoder) next() byte {
	if len(d.data) == 0 {
		return 0
	}
	b := d.data[0]
	d.data = d.data[1:]
	return b
}

// shape reads 1 to 4 entries: a scope with no failure returns nil, so no
// level of the tree is ever empty.
func (d *shapeDecoder) shape(depth int) *errorShape {
	s := &errorShape{}
	for range 1 + d.next()%4 {
		b := d.next()
		d.ids++
		e := &shapeEntry{name: fmt.Sprintf("n%d", d.ids), kind: b % entryKinds, match: b&0x80 != 0}
		e.msg = "failure " + e.name
		if b&0x40 != 0 {
			e.msg += "\nsecond line of " + e.name
		}
		if (e.kind == nestsScope || e.kind == wrapsScope) && depth >= 3 {
			e.kind = leafFails
		}
		d.fill(e, depth)
		s.entries = append(s.entries, e)
	}
	return s
}

func (d *shapeDecoder) fill(e *shapeEntry, depth int) {
	switch e.kind {
	case leafFails:
		e.err = errors.New(e.msg)
	case leafJoined:
		e.err = errors.Join(errors.New(e.msg), errors.New("joined to "+e.name))
	case leafExits:
		if !d.goexitSeen {
			d.goexitMatch, d.goexitSeen = e.match, true
		}
		e.match, e.err = d.goexitMatch, scope.ErrGoexit
	case nestsScope, wrapsScope:
		e.inner = d.shape(depth + 1)
	}
}

// run runs the shape's scope under Supervise, so that every failure is kept.
func (s *errorShape) run() error {
	return scope.Run(bg, func(ctx context.Context, sc *scope.Scope) error {
		for _, e := range s.entries {
			sc.Go(e.fail, scope.Named(e.name))
		}
		return nil
	}, scope.Supervise(), scope.CapturePanics())
}

func (e *shapeEntry) fail(context.Context) error {
	switch e.kind {
	case leafPanics:
		panic(e.msg)
	case leafExits:
		runtime.Goexit()
	case nestsScope:
		e.err = e.inner.run()
	case wrapsScope:
		e.err = fmt.Errorf("wrapped: %w", e.inner.run())
	}
	return e.err
}

// leaves returns the shape's leaves by path ("/n1/n4"), each the entry that
// must be found there.
func (s *errorShape) leaves(prefix string) map[string]*shapeEntry {
	out := make(map[string]*shapeEntry)
	for _, e := range s.entries {
		path := prefix + "/" + e.name
		if e.kind == nestsScope {
			for p, leaf := range e.inner.leaves(path) {
				out[p] = leaf
			}
			continue
		}
		out[path] = e
	}
	return out
}

// treeLeaves returns a tree's leaves by path of task names.
func treeLeaves(e *scope.Error, prefix string) map[string]error {
	out := make(map[string]error)
	names := e.Tasks()
	for i, err := range e.Errors() {
		path := prefix + "/" + names[i]
		if inner, ok := err.(*scope.Error); ok {
			for p, leaf := range treeLeaves(inner, path) {
				out[p] = leaf
			}
			continue
		}
		out[path] = err
	}
	return out
}

// isLeafOf reports whether err is what entry e's task failed with.
func (e *shapeEntry) isLeafOf(err error) bool {
	if e.kind == leafPanics {
		var pe *scope.PanicError
		return errors.As(err, &pe) && pe.Value == e.msg && pe.Task == e.name
	}
	return err == e.err
}

// checkLeaves checks that tree holds exactly the leaves of want, each once,
// where the nesting puts it.
func checkLeaves(t *testing.T, what string, tree *scope.Error, want map[string]*shapeEntry) {
	t.Helper()
	got := treeLeaves(tree, "")
	for path, err := range got {
		if e := want[path]; e == nil || !e.isLeafOf(err) {
			t.Errorf("%s: leaf %s = %v; not in the shape there", what, path, err)
		}
	}
	for path := range want {
		if _, ok := got[path]; !ok {
			t.Errorf("%s: leaf %s missing", what, path)
		}
	}
}

// checkFormat checks one tree's formatting: one line for Error, %v and %s;
// for %+v, every entry's task name and every line of every leaf; multierr
// and Errors agree.
func checkFormat(t *testing.T, what string, e *scope.Error) {
	t.Helper()
	line := e.Error()
	n := len(e.Errors())
	head := fmt.Sprintf("scope: %d failures, first: ", n)
	if n == 1 {
		head = "scope: 1 failure: "
	}
	if strings.Contains(line, "\n") || !strings.HasPrefix(line, head) {
		t.Errorf("%s: Error() = %q; want one line starting %q", what, line, head)
	}
	if v, s := fmt.Sprintf("%v", e), fmt.Sprintf("%s", e); v != line || s != line {
		t.Errorf("%s: %%v = %q, %%s = %q; want Error()", what, v, s)
	}
	tree := fmt.Sprintf("%+v", e)
	for _, want := range plusVLines(e) {
		if !strings.Contains(tree, want) {
			t.Errorf("%s: %%+v lacks %q:\n%s", what, want, tree)
		}
	}
	if got := multierr.Errors(e); fmt.Sprint(got) != fmt.Sprint(e.Errors()) || len(got) != n {
		t.Errorf("%s: multierr.Errors = %v; want Errors() = %v", what, got, e.Errors())
	}
	if len(e.Tasks()) != n || len(e.Unwrap()) != n {
		t.Errorf("%s: %d Tasks(), %d Unwrap(); want %d", what, len(e.Tasks()), len(e.Unwrap()), n)
	}
}

// plusVLines returns what %+v must show: each entry's task name and the
// first line of each leaf (all lines but a panic's stack).
func plusVLines(e *scope.Error) []string {
	var lines []string
	names := e.Tasks()
	for i, err := range e.Errors() {
		lines = append(lines, fmt.Sprintf("task %q", names[i]))
		if inner, ok := err.(*scope.Error); ok {
			lines = append(lines, plusVLines(inner)...)
			continue
		}
		msg := err.Error()
		if _, ok := err.(*scope.PanicError); ok {
			msg, _, _ = strings.Cut(msg, "\n")
		}
		lines = append(lines, strings.Split(msg, "\n")...)
	}
	return lines
}

// checkSplit splits the tree by each leaf's verdict and checks that every
// leaf went to exactly one side, at the same path, that only leaves were
// offered, that an empty side is nil, that errors.Is sees each leaf through
// its side and the whole, and that splitting a side again keeps it whole.
func checkSplit(t *testing.T, e *scope.Error, want map[string]*shapeEntry) {
	t.Helper()
	verdict := make(map[error]bool) // by the value Split offers; panics by their message
	for _, leaf := range want {
		if leaf.kind != leafPanics {
			verdict[leaf.err] = leaf.match
		}
	}
	offers := 0
	match := func(err error) bool {
		offers++
		if _, ok := err.(*scope.Error); ok {
			t.Errorf("Split offered a *scope.Error: %v", err)
		}
		if pe, ok := err.(*scope.PanicError); ok {
			return verdictOfPanic(want, pe)
		}
		return verdict[err]
	}
	matched, rest := e.Split(match)
	if offers != len(want) {
		t.Errorf("Split offered %d failures; want the %d leaves", offers, len(want))
	}
	wantMatched, wantRest := make(map[string]*shapeEntry), make(map[string]*shapeEntry)
	for path, leaf := range want {
		if leaf.match {
			wantMatched[path] = leaf
		} else {
			wantRest[path] = leaf
		}
	}
	checkSide(t, "matched", matched, wantMatched, e)
	checkSide(t, "rest", rest, wantRest, e)
	if matched != nil {
		again, none := matched.Split(match)
		if none != nil {
			t.Errorf("matched side split again left %v", none)
		}
		checkSide(t, "matched, split again", again, wantMatched, e)
	}
}

func verdictOfPanic(want map[string]*shapeEntry, pe *scope.PanicError) bool {
	for _, leaf := range want {
		if leaf.kind == leafPanics && leaf.msg == pe.Value {
			return leaf.match
		}
	}
	return false
}

// checkSide checks one side of a split: nil when empty, else exactly its
// leaves, formatted like any tree, each seen by errors.Is through the side
// and through the whole.
func checkSide(t *testing.T, what string, side *scope.Error, want map[string]*shapeEntry, whole *scope.Error) {
	t.Helper()
	if len(want) == 0 {
		if side != nil {
			t.Errorf("%s = %v; want nil for an empty side", what, side)
		}
		return
	}
	if side == nil {
		t.Fatalf("%s = nil; want %d leaves", what, len(want))
	}
	checkLeaves(t, what, side, want)
	checkFormat(t, what, side)
	for path, err := range treeLeaves(side, "") {
		if !errors.Is(side, err) || !errors.Is(whole, err) {
			t.Errorf("%s: errors.Is does not see leaf %s through the tree", what, path)
		}
	}
}
