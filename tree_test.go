package scope_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"regexp"
	"runtime/pprof"
	"runtime/trace"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/structuredgo/scope"
)

var tracked = scope.WithTracking(scope.TrackTasks)

// blockUntilCancelled is a task that returns only when its context ends.
func blockUntilCancelled(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}

// busyTree starts, in s, the tree the tests below look at, and returns once
// every task is blocked where it will stay:
//
//	outer, in the Wait of the scope "inner" it made, whose task getter is in a Queue.Get;
//	spawned, blocked until cancelled;
//	waiter, in the Task.Wait of spawned.
func busyTree(s *scope.Scope) {
	q := scope.NewQueue[int](0)
	s.Go(func(ctx context.Context) error {
		return scope.Run(ctx, func(ctx context.Context, in *scope.Scope) error {
			in.Go(func(ctx context.Context) error { _, err := q.Get(ctx); return err }, scope.Named("getter"))
			return nil
		}, scope.WithName("inner"), scope.WithLimit(4))
	}, scope.Named("outer"))
	spawned := scope.Spawn(s, func(ctx context.Context) (int, error) { return 0, blockUntilCancelled(ctx) }, scope.Named("spawned"))
	s.Go(func(ctx context.Context) error { _, err := spawned.Wait(ctx); return err }, scope.Named("waiter"))
}

// sites masks "at file:line" so that a test can compare lines.
var sites = regexp.MustCompile(` at \S+:\d+`)

func TestTreeShowsNestedScopesUnderTheirTasks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			busyTree(s)
			time.Sleep(2 * time.Second) // fake time: every age below is 2s
			synctest.Wait()
			got := sites.ReplaceAllString(s.Snapshot().String(), " at SITE")
			want := `scope "top" (running, 3 tasks) 2s at SITE
├─ outer (running, in Wait scope "inner") 2s at SITE
│  └─ scope "inner" (running, in Wait, 1 task, limit 4) 2s at SITE
│     └─ getter (running, in Queue.Get) 2s at SITE
├─ spawned (running) 2s at SITE
└─ waiter (running, in Task.Wait spawned) 2s at SITE
`
			if got != want {
				t.Errorf("got tree\n%s\nwant\n%s", got, want)
			}
			s.Cancel(nil)
			synctest.Wait()
			for _, n := range s.Snapshot().Nodes {
				if n.Kind == scope.KindTask && n.State == scope.StateRunning {
					t.Errorf("after Cancel: %s; want it cancelling or gone", n)
				}
			}
			return nil
		}, scope.WithName("top"), tracked)
		if err != nil {
			t.Fatal(err)
		}
	})
}

// Run's body is not a node: a scope made in it hangs under Run's scope.
func TestScopeMadeInABodyHangsUnderItsScope(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			return scope.Run(ctx, func(ctx context.Context, inner *scope.Scope) error {
				inner.Go(func(ctx context.Context) error { <-ctx.Done(); return nil }, scope.Named("task"))
				synctest.Wait()
				got := sites.ReplaceAllString(s.Snapshot().String(), " at SITE")
				want := `scope "outer" (running, 0 tasks) 0s at SITE
└─ scope "inner" (running, 1 task) 0s at SITE
   └─ task (running) 0s at SITE
`
				if got != want {
					t.Errorf("got tree\n%s\nwant\n%s", got, want)
				}
				inner.Cancel(nil)
				return nil
			}, scope.WithName("inner"))
		}, scope.WithName("outer"), tracked)
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestTreeNodesSayWhereTheyWereMade(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_ = scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			busyTree(s)
			synctest.Wait()
			tree := s.Snapshot()
			if len(tree.Nodes) != 6 {
				t.Fatalf("got %d nodes; want 6:\n%s", len(tree.Nodes), tree)
			}
			for _, n := range tree.Nodes {
				if !strings.Contains(n.Site, "tree_test.go:") || n.Started.IsZero() {
					t.Errorf("%s: site %q, started %v; want a line of tree_test.go and a start time", n.Name, n.Site, n.Started)
				}
			}
			s.Cancel(nil)
			return nil
		}, tracked)
	})
}

func TestTreeJSONIsFlatWithParentLinks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_ = scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			busyTree(s)
			synctest.Wait()
			var buf bytes.Buffer
			if err := s.Snapshot().WriteJSON(&buf); err != nil {
				t.Fatal(err)
			}
			var doc struct {
				Taken time.Time        `json:"taken"`
				Nodes []map[string]any `json:"nodes"`
			}
			if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
				t.Fatalf("%v in\n%s", err, buf.String())
			}
			schema := []string{"id", "parent", "kind", "name", "state", "waits_on", "started", "age_ns", "site",
				"tasks", "limit", "deadline", "cause", "in_wait"}
			seen := map[string]bool{}
			for _, n := range doc.Nodes {
				for k := range n {
					if !slices.Contains(schema, k) {
						t.Errorf("field %q is not in the documented schema", k)
					}
				}
				if p, ok := n["parent"].(string); ok && !seen[p] {
					t.Errorf("node %v comes before its parent %q", n["id"], p)
				}
				seen[n["id"].(string)] = true
			}
			kinds := map[string]string{}
			for _, n := range doc.Nodes {
				kinds[n["name"].(string)] = n["kind"].(string)
			}
			if kinds["inner"] != "scope" || kinds["getter"] != "task" || len(doc.Nodes) != 6 {
				t.Errorf("got nodes %v; want the scopes top and inner and four tasks", kinds)
			}
			s.Cancel(nil)
			return nil
		}, scope.WithName("top"), tracked)
	})
}

func TestSubtreeAndInWaitPickBranches(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_ = scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			busyTree(s)
			synctest.Wait()
			names := func(tr scope.Tree) (out []string) {
				for _, n := range tr.Nodes {
					out = append(out, n.Name)
				}
				return out
			}
			all := scope.Snapshot()
			if got := names(all.Subtree("inner")); !slices.Equal(got, []string{"inner", "getter"}) {
				t.Errorf("Subtree(inner): got %q", got)
			}
			// inner is in its Wait (Run's body returned); top is not: its body runs.
			if got := names(s.Snapshot().InWait()); !slices.Equal(got, []string{"inner", "getter"}) {
				t.Errorf("InWait: got %q", got)
			}
			s.Cancel(nil)
			return nil
		}, scope.WithName("top"), tracked)
	})
}

func TestTaskThatIgnoresCancellationShowsCancelling(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		_ = scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			s.Go(func(context.Context) error { <-release; return nil }, scope.Named("stubborn"))
			s.Cancel(nil)
			synctest.Wait()
			tasks := s.Tasks()
			if len(tasks) != 1 || tasks[0].State != scope.StateCancelling {
				t.Errorf("got %v; want stubborn cancelling", tasks)
			}
			tree := s.Snapshot()
			if tree.Nodes[0].State != scope.StateCancelling || tree.Nodes[0].Cause != "context canceled" {
				t.Errorf("got %s; want the scope cancelling, with its cause", tree.Nodes[0])
			}
			close(release)
			return nil
		}, tracked)
	})
}

func TestUntrackedScopesListTasksButNotInTheProcessTree(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_ = scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			s.Go(blockUntilCancelled, scope.Named("plain"))
			synctest.Wait()
			tree := s.Snapshot()
			if len(tree.Nodes) != 2 || tree.Nodes[1].Name != "plain" || !tree.Nodes[1].Started.IsZero() || tree.Nodes[1].Site != "" {
				t.Errorf("got\n%s\nwant the scope and its task, with no age or site", tree)
			}
			if got := scope.Snapshot().Subtree("untracked-top"); got.Len() != 0 {
				t.Errorf("process tree holds an untracked scope:\n%s", got)
			}
			s.Cancel(nil)
			return nil
		}, scope.WithName("untracked-top"))
	})
}

func TestTasksReportTrackedFields(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_ = scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			busyTree(s)
			time.Sleep(time.Second)
			synctest.Wait()
			for _, i := range s.Tasks() {
				if time.Since(i.Started) != time.Second || !strings.Contains(i.Site, "tree_test.go:") {
					t.Errorf("%+v: want started a second ago, in tree_test.go", i)
				}
				if i.Name == "waiter" && i.WaitsOn != "Task.Wait spawned" {
					t.Errorf("waiter waits on %q; want Task.Wait spawned", i.WaitsOn)
				}
			}
			s.Cancel(nil)
			return nil
		}, tracked)
	})
}

func TestSetTrackingAppliesToScopesMadeAfter(t *testing.T) {
	before, _ := scope.New(bg, scope.WithName("made-before"))
	prev := scope.SetTracking(scope.TrackTasks)
	after, _ := scope.New(bg, scope.WithName("made-after"))
	if scope.SetTracking(prev) != scope.TrackTasks {
		t.Error("SetTracking did not return the setting it replaced")
	}
	tree := scope.Snapshot()
	if tree.Subtree("made-before").Len() != 0 || tree.Subtree("made-after").Len() != 1 {
		t.Errorf("got\n%s\nwant made-after alone", tree)
	}
	for _, s := range []*scope.Scope{before, after} {
		if err := s.Wait(); err != nil {
			t.Fatal(err)
		}
	}
	if n := scope.Snapshot().Subtree("made-after").Len(); n != 0 {
		t.Errorf("a closed scope is still in the tree (%d nodes)", n)
	}
}

func TestParseTracking(t *testing.T) {
	for in, want := range map[string]scope.Tracking{
		"": 0, "0": 0, "1": scope.TrackTasks, "all": scope.TrackAll,
		"tasks,dropped": scope.TrackTasks | scope.TrackDropped, " trace ": scope.TrackTrace,
	} {
		got, err := scope.ParseTracking(in)
		if err != nil || got != want {
			t.Errorf("ParseTracking(%q) = %v, %v; want %v", in, got, err, want)
		}
		if back, _ := scope.ParseTracking(want.String()); back != want {
			t.Errorf("%v does not read back: %v", want, back)
		}
	}
	if _, err := scope.ParseTracking("tasks,bogus"); err == nil || !strings.HasPrefix(err.Error(), "scope: ") {
		t.Errorf("got %v; want an error that starts \"scope: \"", err)
	}
}

func TestTaskGoroutinesCarryProfileLabels(t *testing.T) {
	ready := make(chan struct{})
	_ = scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		s.Go(func(ctx context.Context) error {
			close(ready)
			return blockUntilCancelled(ctx)
		}, scope.Named("labelled-task"))
		<-ready
		var buf bytes.Buffer
		if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
			t.Fatal(err)
		}
		if want := `"scope":"labelled-scope", "task":"labelled-task"`; !strings.Contains(buf.String(), want) {
			t.Errorf("goroutine profile lacks %s", want)
		}
		s.Cancel(nil)
		return nil
	}, scope.WithName("labelled-scope"), tracked)
}

// A tracked task's goroutine takes its labels from the task's context,
// plus scope and task: labels that the goroutine calling Go had, and the
// scope's context does not carry, are not kept (there is no reading a
// goroutine's labels), unless ValuesFrom brings the caller's context.
func TestTrackedTaskLabelsComeFromItsContext(t *testing.T) {
	var started sync.WaitGroup
	started.Add(2)
	_ = scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		park := func(ctx context.Context) error { started.Done(); return blockUntilCancelled(ctx) }
		pprof.Do(bg, pprof.Labels("req", "B"), func(lctx context.Context) {
			s.Go(park, scope.Named("plain"))
			s.Go(park, scope.Named("valued"), scope.ValuesFrom(lctx))
		})
		started.Wait()
		var buf bytes.Buffer
		if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
			t.Fatal(err)
		}
		profile := buf.String()
		if want := `{"scope":"req-scope", "task":"plain"}`; !strings.Contains(profile, want) {
			t.Errorf("goroutine profile lacks %s", want)
		}
		if want := `{"req":"B", "scope":"req-scope", "task":"valued"}`; !strings.Contains(profile, want) {
			t.Errorf("goroutine profile lacks %s", want)
		}
		s.Cancel(nil)
		return nil
	}, scope.WithName("req-scope"), tracked)
}

func TestTraceHasATaskPerScopeAndARegionPerTask(t *testing.T) {
	if trace.IsEnabled() {
		t.Skip("a trace is already running")
	}
	var buf bytes.Buffer
	if err := trace.Start(&buf); err != nil {
		t.Fatal(err)
	}
	err := scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
		s.Go(func(context.Context) error { return nil }, scope.Named("traced-task-7f3a"))
		return nil
	}, scope.WithName("traced-scope-7f3a"), scope.WithTracking(scope.TrackTrace))
	trace.Stop()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"traced-scope-7f3a", "traced-task-7f3a"} {
		if !bytes.Contains(buf.Bytes(), []byte(name)) {
			t.Errorf("trace lacks %q", name)
		}
	}
}

func TestTasksOfAHelperAreSitedAtTheHelpersCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_ = scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			s.Go(func(ctx context.Context) error {
				_, err := scope.Gather(ctx, blockingInt, blockingInt) // the line the tree names
				return err
			}, scope.Named("gatherer"))
			synctest.Wait()
			tree := s.Snapshot()
			var gatherSite string
			for _, n := range tree.Nodes {
				if n.Kind == scope.KindScope && n.Parent != "" {
					gatherSite = n.Site
				}
			}
			if !strings.Contains(gatherSite, "tree_test.go:") {
				t.Fatalf("Gather's scope is sited at %q; want its call in tree_test.go:\n%s", gatherSite, tree)
			}
			tasks := 0
			for _, n := range tree.Nodes {
				if n.Kind == scope.KindTask && n.Name != "gatherer" {
					tasks++
					if n.Site != gatherSite {
						t.Errorf("Gather's task %s is sited at %q; want the Gather call, %q", n.Name, n.Site, gatherSite)
					}
				}
			}
			if tasks != 2 {
				t.Errorf("got %d tasks of Gather; want 2:\n%s", tasks, tree)
			}
			s.Cancel(nil)
			return nil
		}, tracked)
	})
}

func blockingInt(ctx context.Context) (int, error) { return 0, blockUntilCancelled(ctx) }

// A snapshot taken outside a synctest bubble may list a cancelled scope made
// inside it: reading its state must not touch the bubble's channels (which
// panics), as scopetest.Run does in parallel tests that each run a bubble.
func TestSnapshotReadsScopesOfAnotherBubble(t *testing.T) {
	ask := readOutside(func() string {
		var lines []string
		for _, n := range scope.Snapshot().Subtree("bubbled").Nodes {
			lines = append(lines, n.Name+" "+n.State)
		}
		return strings.Join(lines, ", ")
	})
	synctest.Test(t, func(t *testing.T) {
		_ = scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			release := goStubborn(s)
			s.Cancel(nil)
			synctest.Wait() // the tree learns of the cancellation an instant after it
			if got, want := ask(), "bubbled cancelling, stubborn cancelling"; got != want {
				t.Errorf("snapshot from outside the bubble: got %q; want %q", got, want)
			}
			s.Go(func(context.Context) error { return nil }) // not started: the scope is cancelled
			release()
			return nil
		}, scope.WithName("bubbled"), tracked)
	})
}

func TestTaskCancelShowsInTheTree(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		_ = scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			tk := scope.Spawn(s, func(context.Context) (int, error) { <-release; return 0, nil }, scope.Named("slow"))
			synctest.Wait()
			if got := s.Tasks()[0].State; got != scope.StateRunning {
				t.Errorf("before Task.Cancel: %s; want running", got)
			}
			tk.Cancel(nil)
			if got := s.Tasks()[0].State; got != scope.StateCancelling {
				t.Errorf("after Task.Cancel: %s; want cancelling", got)
			}
			if n := s.Snapshot().Nodes[0]; n.State != scope.StateRunning {
				t.Errorf("the scope: %s; want it running: Task.Cancel cancels the task alone", n)
			}
			close(release)
			return nil
		}, tracked)
	})
}

// A context of a scope made inside a task, such as a nested Run's body's,
// is the task's: what it blocks in, the task blocks in.
func TestWaitsOnReachesTheTaskThroughNestedScopes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := scope.NewQueue[int](0)
		_ = scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			s.Go(func(ctx context.Context) error {
				return scope.Run(ctx, func(ctx context.Context, _ *scope.Scope) error {
					return scope.Run(ctx, func(ctx context.Context, _ *scope.Scope) error {
						return scope.Sleep(ctx, time.Hour)
					})
				})
			}, scope.Named("sleepy"))
			s.Go(func(ctx context.Context) error {
				sub, subctx := scope.New(ctx)
				_, err := q.Get(subctx)
				return errors.Join(err, sub.Wait())
			}, scope.Named("reader"))
			synctest.Wait()
			got := map[string]string{}
			for _, i := range s.Tasks() {
				got[i.Name] = i.WaitsOn
			}
			if got["sleepy"] != "Sleep" || got["reader"] != "Queue.Get" {
				t.Errorf("waits on %v; want sleepy in Sleep, reader in Queue.Get", got)
			}
			s.Cancel(nil)
			return nil
		}, tracked)
	})
}

// A scope's deadline in the tree is the one its context has: its own, or
// its parent's if that comes first.
func TestTreeShowsTheEarlierDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		parent, cancel := context.WithTimeout(bg, time.Minute)
		defer cancel()
		_ = scope.Run(parent, func(ctx context.Context, s *scope.Scope) error {
			if got, want := s.Snapshot().Nodes[0].Deadline, time.Now().Add(time.Minute); !got.Equal(want) {
				t.Errorf("deadline %v; want the parent's, %v", got, want)
			}
			return nil
		}, scope.WithTimeout(time.Hour))
	})
}

// `go s.Go(fn)` has no caller above Go but the goroutine's start: the task
// is sited where its scope was made.
func TestGoOnItsOwnGoroutineIsSitedAtItsScope(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_ = scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			started := make(chan struct{})
			go s.Go(func(ctx context.Context) error { close(started); return blockUntilCancelled(ctx) })
			<-started
			if site := s.Tasks()[0].Site; !strings.Contains(site, "tree_test.go:") {
				t.Errorf("site %q; want the scope's, in tree_test.go", site)
			}
			s.Cancel(nil)
			return nil
		}, tracked)
	})
}

// A panic's cause holds its stack; the scope's line shows its first line
// only, so the text stays one line a node, and JSON keeps the whole.
func TestAPanicCauseKeepsTheTreeOneLineANode(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		s, _ := scope.New(t.Context(), scope.WithName("pan"), scope.CapturePanics(), scope.WithTracking(scope.TrackTasks))
		s.Go(func(context.Context) error { <-release; return nil }, scope.Named("stuck"))
		s.Go(func(context.Context) error { panic("kaboom") }, scope.Named("bad"))
		synctest.Wait()
		tree := s.Snapshot()
		if lines := strings.Split(strings.TrimSuffix(tree.String(), "\n"), "\n"); len(lines) != tree.Len() {
			t.Errorf("%d lines for %d nodes:\n%s", len(lines), tree.Len(), tree)
		}
		if c := tree.Nodes[0].Cause; !strings.Contains(c, `panicked: kaboom`) || !strings.Contains(c, "tree_test.go:") {
			t.Errorf("Cause = %q; want the panic with its stack", c)
		}
		close(release)
		if err := s.Wait(); err == nil {
			t.Error("Wait = nil; want the panic")
		}
	})
}

// A task ranging over AsCompleted is blocked in it between outcomes, and
// in the loop's body (here, Sleep) while it handles one.
func TestWaitsOnShowsATaskInAsCompleted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_ = scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			first, second := make(chan struct{}), make(chan struct{})
			s.Go(func(ctx context.Context) error {
				for r := range scope.AsCompleted(ctx,
					func(context.Context) (int, error) { <-first; return 1, nil },
					func(context.Context) (int, error) { <-second; return 2, nil }) {
					if r.Value == 1 {
						_ = scope.Sleep(ctx, time.Hour)
					}
				}
				return nil
			}, scope.Named("ranger"))
			waitsOn := func() string {
				synctest.Wait()
				for _, i := range s.Tasks() {
					if i.Name == "ranger" {
						return i.WaitsOn
					}
				}
				return "(gone)"
			}
			if got := waitsOn(); !strings.HasPrefix(got, "AsCompleted scope #") {
				t.Errorf("between outcomes, waits on %q; want AsCompleted and its scope", got)
			}
			close(first)
			if got := waitsOn(); got != "Sleep" {
				t.Errorf("in the loop's body, waits on %q; want Sleep", got)
			}
			time.Sleep(time.Hour)
			if got := waitsOn(); !strings.HasPrefix(got, "AsCompleted scope #") {
				t.Errorf("back in the loop, waits on %q; want AsCompleted and its scope", got)
			}
			close(second)
			return nil
		}, tracked)
	})
}

// Goroutines of one task may block on its context at once and return in
// any order; each takes out its own mark, and what is left is the truth.
func TestWaitsOnClearsCallsThatEndOutOfOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := scope.NewQueue[int](0)
		_ = scope.Run(bg, func(ctx context.Context, s *scope.Scope) error {
			toSleep, toGet, hold := make(chan struct{}), make(chan struct{}), make(chan struct{})
			s.Go(func(ctx context.Context) error {
				sub, subctx := scope.New(ctx, scope.WithName("sub"))
				sub.Go(func(context.Context) error { <-toSleep; return scope.Sleep(subctx, time.Second) })
				sub.Go(func(context.Context) error { <-toGet; _, err := q.Get(subctx); return err })
				sub.Go(func(context.Context) error { <-hold; return nil })
				return sub.Wait()
			}, scope.Named("host"))
			waitsOn := func() string {
				synctest.Wait()
				return s.Tasks()[0].WaitsOn
			}
			want := func(when, what string) {
				t.Helper()
				if got := waitsOn(); got != what {
					t.Errorf("%s, waits on %q; want %q", when, got, what)
				}
			}
			want("in Wait", `Wait scope "sub"`)
			close(toSleep)
			want("in Wait, then Sleep", "Sleep")
			close(toGet)
			want("in Wait, Sleep, then Queue.Get", "Queue.Get")
			time.Sleep(time.Second)
			want("after Sleep returned", "Queue.Get")
			if err := q.Put(ctx, 1); err != nil {
				t.Fatal(err)
			}
			want("after Queue.Get returned", `Wait scope "sub"`)
			close(hold)
			return nil
		}, tracked)
	})
}

// WithTracking given twice adds up: the second does not take back what the
// first turned on, as the last of other options would.
func TestWithTrackingFlagsAddUp(t *testing.T) {
	s, _ := scope.New(bg, scope.WithName("both"),
		scope.WithTracking(scope.TrackTasks), scope.WithTracking(scope.TrackTrace))
	if got := scope.Snapshot().Subtree("both"); got.Len() != 1 {
		t.Errorf("process tree holds %d nodes of the scope; want it, tracked by the first WithTracking", got.Len())
	}
	if err := s.Wait(); err != nil {
		t.Fatal(err)
	}
}
