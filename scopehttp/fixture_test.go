package scopehttp_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/structuredgo/scope"
	"github.com/structuredgo/scope/scopehttp"
)

// A tree is a real tree of tracked scopes, set up by startTree:
//
//	scope NAME (in Wait once stop is called)
//	├─ nest: in Wait scope NAME/inner
//	│  └─ scope NAME/inner (in Wait)
//	│     └─ sleeper
//	├─ getter: in Queue.Get
//	├─ answer: a Task blocked until cancelled
//	├─ asker: in Task.Wait answer
//	└─ starter
//	   └─ scope NAME/limited (limit 1)
//	      ├─ holder
//	      └─ queued: waiting for the limit
//
// The registry of tracked scopes is process-wide, so each test names its
// tree after itself.
type tree struct {
	name string
	s    *scope.Scope
}

func startTree(t *testing.T) *tree {
	t.Helper()
	tr := &tree{name: t.Name()}
	s, _ := scope.New(context.Background(), scope.WithName(tr.name), scope.WithTracking(scope.TrackTasks))
	tr.s = s
	t.Cleanup(func() { tr.stop(t) }) // also when the test fails before it stops the tree
	// Each nested scope says when it is made: a snapshot reads what made
	// it, and must come after (the race detector checks).
	made := make(chan struct{}, 2)
	s.Go(func(ctx context.Context) error {
		return scope.Run(ctx, func(ctx context.Context, in *scope.Scope) error {
			in.Go(block, scope.Named("sleeper"))
			made <- struct{}{}
			return nil
		}, scope.WithName(tr.name+"/inner"))
	}, scope.Named("nest"))
	q := scope.NewQueue[int](0)
	s.Go(func(ctx context.Context) error {
		_, err := q.Get(ctx)
		return err
	}, scope.Named("getter"))
	answer := scope.Spawn(s, func(ctx context.Context) (int, error) {
		return 0, block(ctx)
	}, scope.Named("answer"))
	s.Go(func(ctx context.Context) error {
		_, err := answer.Wait(ctx)
		return err
	}, scope.Named("asker"))
	s.Go(func(ctx context.Context) error {
		return scope.Run(ctx, func(ctx context.Context, l *scope.Scope) error {
			l.Go(block, scope.Named("holder"))
			made <- struct{}{}
			l.Go(block, scope.Named("queued")) // blocks until cancelled: holder never leaves
			return nil
		}, scope.WithName(tr.name+"/limited"), scope.WithLimit(1))
	}, scope.Named("starter"))
	<-made
	<-made
	tr.await(t)
	return tr
}

// block blocks until ctx ends.
func block(ctx context.Context) error {
	<-ctx.Done()
	return context.Cause(ctx)
}

// await returns once every task of the tree is where the tests expect it:
// a task marks what it waits on only as it blocks, after its scope is
// listed, so there is no event to wait for but the tree itself.
func (tr *tree) await(t *testing.T) {
	t.Helper()
	want := map[string]string{
		"nest":   "Wait " + `scope "` + tr.name + `/inner"`,
		"getter": "Queue.Get",
		"asker":  "Task.Wait answer",
		"queued": "waiting",
	}
	eventually(t, func() bool {
		got := map[string]string{}
		for _, n := range scope.Snapshot().Subtree(tr.name).Nodes {
			if n.State == scope.StateWaiting {
				got[n.Name] = n.State
			} else if n.WaitsOn != "" {
				got[n.Name] = n.WaitsOn
			}
		}
		for k, v := range want {
			if got[k] != v {
				return false
			}
		}
		return true
	})
}

// stop cancels the tree and waits for it; a second call does nothing.
func (tr *tree) stop(t *testing.T) {
	t.Helper()
	tr.s.Cancel(nil)
	if err := tr.s.Wait(); err != nil {
		t.Errorf("stopping the tree: Wait = %v; want nil, a clean stop", err)
	}
}

// eventually polls cond until it holds, and fails the test if it does not
// within ten seconds. It orders nothing: it only waits for a state.
func eventually(t *testing.T, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	deadline := time.After(10 * time.Second)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("the tree never got there:\n%s", scope.Snapshot())
		}
	}
}

// get serves a request to h and returns the response with its body read.
func get(t *testing.T, h http.Handler, method, target string) (*http.Response, string) {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, err := http.NewRequest(method, srv.URL+target, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, string(body)
}

// A node is a node as the JSON schema has it, decoded apart from the scope
// package's own type so that the test checks the wire format.
type node struct {
	ID       string `json:"id"`
	Parent   string `json:"parent"`
	Kind     string `json:"kind"`
	Name     string `json:"name"`
	State    string `json:"state"`
	WaitsOn  string `json:"waits_on"`
	Started  string `json:"started"`
	AgeNS    int64  `json:"age_ns"`
	Site     string `json:"site"`
	Tasks    int    `json:"tasks"`
	Limit    int    `json:"limit"`
	Deadline string `json:"deadline"`
	Cause    string `json:"cause"`
	InWait   bool   `json:"in_wait"`
}

// getJSON requests target as JSON and decodes the tree.
func getJSON(t *testing.T, target string) (taken string, nodes []node) {
	t.Helper()
	res, body := get(t, scopehttp.Handler(), http.MethodGet, target)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET %s: %s, %s; want 200 OK, application/json\n%s", target, res.Status, res.Header.Get("Content-Type"), body)
	}
	var tr struct {
		Taken string  `json:"taken"`
		Nodes *[]node `json:"nodes"`
	}
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields() // a new field should come with a test of it
	if err := dec.Decode(&tr); err != nil {
		t.Fatalf("GET %s: %v\n%s", target, err, body)
	}
	if tr.Nodes == nil {
		t.Fatalf("GET %s: no nodes list (an empty tree has [])\n%s", target, body)
	}
	return tr.Taken, *tr.Nodes
}
