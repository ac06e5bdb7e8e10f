package scope_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/structuredgo/scope"
)

// Snapshot of one scope is what its Wait waits for: here, before the body
// ends, a server task. Without tracking a tree
// has names and states; with it, ages, spawn sites and what each task is
// blocked in too.
func ExampleScope_Snapshot() {
	_ = scope.Run(context.Background(), func(ctx context.Context, s *scope.Scope) error {
		ready := make(chan struct{})
		s.Go(func(ctx context.Context) error {
			close(ready)
			<-ctx.Done()
			return nil
		}, scope.Named("server"))
		<-ready
		fmt.Print(s.Snapshot())
		s.Cancel(nil)
		return nil
	}, scope.WithName("app"))
	// Output:
	// scope "app" (running, 1 task)
	// └─ server (running)
}

// With tracking on, a scope made inside a task hangs under that task, and
// each task says what it is blocked in: `asyncio ps` from inside the
// process. The JSON form is flat, with parent links.
func ExampleSnapshot() {
	jobs := scope.NewQueue[string](0)
	_ = scope.Run(context.Background(), func(ctx context.Context, s *scope.Scope) error {
		ready := make(chan struct{})
		s.Go(func(ctx context.Context) error {
			return scope.Run(ctx, func(ctx context.Context, pool *scope.Scope) error {
				pool.Go(func(ctx context.Context) error {
					close(ready)
					_, err := jobs.Get(ctx) // blocks: the queue stays empty
					return err
				}, scope.Named("worker"))
				return nil
			}, scope.WithName("pool"))
		}, scope.Named("supervisor"))
		<-ready

		// A snapshot is taken live: look until both tasks are blocked.
		var tree scope.Tree
		for blocked := 0; blocked < 2; runtime.Gosched() {
			tree, blocked = scope.Snapshot().Subtree("app"), 0
			for _, n := range tree.Nodes {
				if n.WaitsOn != "" {
					blocked++
				}
			}
		}
		names := map[string]string{}
		for _, n := range tree.Nodes { // ids, ages and sites vary: print the rest
			names[n.ID] = n.Name
			line := fmt.Sprintf("%-5s %-10s under %-12q %s %s", n.Kind, n.Name, names[n.Parent], n.State, n.WaitsOn)
			fmt.Println(strings.TrimSpace(line))
		}
		s.Cancel(nil)
		return nil
	}, scope.WithName("app"), scope.WithTracking(scope.TrackTasks))
	// Output:
	// scope app        under ""           running
	// task  supervisor under "app"        running Wait scope "pool"
	// scope pool       under "supervisor" running
	// task  worker     under "pool"       running Queue.Get
}

// WriteJSON writes a snapshot with a stable schema, for tools: a flat list of
// nodes, parents first, each with a parent link.
func ExampleTree_WriteJSON() {
	s, _ := scope.New(context.Background(), scope.WithName("idle"), scope.WithLimit(4),
		scope.WithTracking(scope.TrackTasks))
	tree := s.Snapshot()
	// Fix what varies from run to run, so that the output can be checked.
	tree.Taken = time.Date(2026, 11, 24, 10, 0, 1, 0, time.UTC)
	tree.Nodes[0].ID, tree.Nodes[0].Site = "s1", "/src/app/main.go:12"
	tree.Nodes[0].Started, tree.Nodes[0].Age = tree.Taken.Add(-time.Second), time.Second
	_ = tree.WriteJSON(os.Stdout)
	_ = s.Wait()
	// Output:
	// {
	//   "taken": "2026-11-24T10:00:01Z",
	//   "nodes": [
	//     {
	//       "id": "s1",
	//       "kind": "scope",
	//       "name": "idle",
	//       "state": "running",
	//       "started": "2026-11-24T10:00:00Z",
	//       "age_ns": 1000000000,
	//       "site": "/src/app/main.go:12",
	//       "limit": 4
	//     }
	//   ]
	// }
}
