package scope

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A Tree is a snapshot of live scopes and their tasks, from [Snapshot] or
// [Scope.Snapshot]: a flat list of nodes with parent links, parents before
// their children.
//
// A snapshot is weakly consistent. Each scope is read under its own lock, so
// a scope's line agrees with its task lines; but scopes are read one after
// another while everything runs on, so across scopes it may mix moments: a
// task may be gone whose nested scope is still listed (the nested scope then
// has a Parent that is not in the tree, shows as a root, and lists its
// Ancestors), and a scope made during the snapshot may be missing. Nothing
// is listed twice.
type Tree struct {
	Taken time.Time `json:"taken"`
	Nodes []Node    `json:"nodes"`
}

// A Node is one scope or task in a [Tree]. Its JSON form is the schema of
// [Tree.WriteJSON]; doc/observability.md documents it.
type Node struct {
	ID      string        `json:"id"`                 // "s3" for a scope, "s3.7" for its task 7; unique for the process's life
	Parent  string        `json:"parent,omitempty"`   // the ID of the scope or task it hangs under; "" for a root
	Kind    string        `json:"kind"`               // "scope" or "task"
	Name    string        `json:"name"`               // a scope's WithName (may be ""), a task's name
	State   string        `json:"state"`              // StateRunning, StateWaiting (a task) or StateCancelling; StateClosed (a scope)
	WaitsOn string        `json:"waits_on,omitempty"` // what a tracked task is blocked in: "Queue.Get", `Wait scope "crawler"`
	Started time.Time     `json:"started,omitzero"`   // zero unless tracked
	Age     time.Duration `json:"age_ns,omitempty"`   // Taken minus Started; 0 if they read different clocks (see ageOf)
	Site    string        `json:"site,omitempty"`     // file:line of the call that made it, if tracked
	noAge   bool          // Started and the snapshot read different clocks: String shows no age

	// For a scope:
	Tasks    int       `json:"tasks,omitempty"`   // live tasks, waiting ones included
	Limit    int       `json:"limit,omitempty"`   // WithLimit's n; 0 for none
	Deadline time.Time `json:"deadline,omitzero"` // its context's deadline, its own or its parent's
	Cause    string    `json:"cause,omitempty"`   // once cancelled: context.Cause of its context
	InWait   bool      `json:"in_wait,omitempty"` // its Wait was called and has not returned

	// Ancestors is set only for a scope whose Parent has left the tree (its
	// task returned, or that task's scope closed, while the scope lives on):
	// the IDs of every task and scope it was made under, Parent first, up to
	// a root, so that a leak can still be traced to where it was made.
	Ancestors []string `json:"ancestors,omitempty"`
}

// The kinds of a [Node].
const (
	KindScope = "scope"
	KindTask  = "task"
)

// Snapshot returns every live scope of the process that tracks its tasks
// ([TrackTasks]), with its tasks, as a tree: a scope made inside a task hangs
// under that task.
func Snapshot() Tree {
	return build(registered(), false)
}

// Snapshot returns s with the tasks its Wait waits for, and, if tracking is
// on, the tracked scopes made inside them, to any depth.
func (s *Scope) Snapshot() Tree {
	s.check()
	return build(append([]*Scope{s}, registered()...), true)
}

// build reads each scope into nodes and orders them parents first. With
// under, only the first scope and what hangs under it are kept.
func build(scopes []*Scope, under bool) Tree {
	t := Tree{Taken: time.Now()}
	seen := make(map[uint64]bool, len(scopes))
	var nodes []Node
	for _, s := range scopes {
		if !seen[s.id] {
			seen[s.id] = true
			nodes = s.appendNodes(nodes, t.Taken)
		}
	}
	t.Nodes = order(nodes)
	t.dropKnownAncestors()
	if under && len(scopes) > 0 {
		t = t.below(scopeID(scopes[0].id))
	}
	return t
}

// appendNodes appends s and its live tasks, read under s.mu.
func (s *Scope) appendNodes(nodes []Node, now time.Time) []Node {
	n := Node{ID: scopeID(s.id), Kind: KindScope, Name: s.cfg.name, State: StateRunning,
		Limit: s.cfg.limit}
	if r := s.tr; r != nil {
		for up := r.parent; up != nil; up = up.up() {
			n.Ancestors = append(n.Ancestors, up.nodeID())
		}
		if len(n.Ancestors) > 0 {
			n.Parent = n.Ancestors[0]
		}
		n.Started, n.Site = r.born, r.site.String()
	}
	if d, ok := s.ctx.Deadline(); ok { // its own or its parent's, whichever is earlier
		n.Deadline = d
	}
	s.mu.Lock()
	done, cause := s.cancelled()
	switch {
	case s.closed:
		n.State = StateClosed
	case done:
		n.State = StateCancelling
	}
	n.Tasks, n.InWait = s.running.n+s.waiters(), s.waited && !s.closed
	at := len(nodes)
	nodes = append(nodes, n.aged(now))
	for _, t := range s.liveTasks() {
		i := t.info()
		nodes = append(nodes, Node{ID: taskID(s.id, t.id), Parent: n.ID, Kind: KindTask,
			Name: i.Name, State: i.State, WaitsOn: i.WaitsOn, Started: i.Started, Site: i.Site}.aged(now))
	}
	s.mu.Unlock()
	if done {
		nodes[at].Cause = causeText(cause)
	}
	return nodes
}

// causeText formats a scope's cause for the tree, without s.mu: the cause
// is the user's error, whose Error method may use the scope (print it, say)
// or panic. fmt recovers such a panic, but not a second one while it prints
// the first's value.
func causeText(cause error) (text string) {
	defer func() {
		if recover() != nil {
			text = "(the cause's Error method panicked)"
		}
	}()
	return fmt.Sprint(cause)
}

func (n Node) aged(now time.Time) Node {
	if !n.Started.IsZero() {
		n.Age, n.noAge = ageOf(n.Started, now)
	}
	return n
}

// ageOf returns now minus started, or reports that there is no telling: a
// testing/synctest bubble's fake clock starts in 2000, and a node made in a
// bubble and seen from outside it, or the reverse, would be given an age of
// decades, or below zero. The process started on the real clock, and a
// bubble's clock reads earlier, so the two times read different clocks
// when they lie on either side of the process's start.
func ageOf(started, now time.Time) (age time.Duration, unknown bool) {
	if started.Before(processStart) != now.Before(processStart) {
		return 0, true
	}
	return now.Sub(started), false
}

// dropKnownAncestors keeps Ancestors only on the nodes whose Parent is not
// in the tree.
func (t Tree) dropKnownAncestors() {
	in := make(map[string]bool, len(t.Nodes))
	for _, n := range t.Nodes {
		in[n.ID] = true
	}
	for i, n := range t.Nodes {
		if in[n.Parent] {
			t.Nodes[i].Ancestors = nil
		}
	}
}

// order puts nodes parents first, depth first: each node after its parent,
// siblings in the order given (oldest first). A node whose parent is not in
// the list is a root.
func order(nodes []Node) []Node {
	byID := make(map[string]bool, len(nodes))
	for _, n := range nodes {
		byID[n.ID] = true
	}
	children := make(map[string][]int)
	var roots []int
	for i, n := range nodes {
		if n.Parent != "" && byID[n.Parent] {
			children[n.Parent] = append(children[n.Parent], i)
		} else {
			roots = append(roots, i)
		}
	}
	out := make([]Node, 0, len(nodes))
	var walk func(i int)
	walk = func(i int) {
		out = append(out, nodes[i])
		for _, c := range children[nodes[i].ID] {
			walk(c)
		}
	}
	for _, i := range roots {
		walk(i)
	}
	return out
}

// below returns the node with the given ID and every node under it.
func (t Tree) below(id string) Tree {
	return t.keep(func(n Node) bool { return n.ID == id })
}

// Subtree returns the scopes named name, each with everything under it.
func (t Tree) Subtree(name string) Tree {
	return t.keep(func(n Node) bool { return n.Kind == KindScope && n.Name == name })
}

// InWait returns the scopes whose Wait is blocked, each with everything
// under it: what those Waits are still waiting for.
func (t Tree) InWait() Tree {
	return t.keep(func(n Node) bool { return n.Kind == KindScope && n.InWait })
}

// keep returns the nodes for which root holds, and their descendants (a
// scope whose Parent left the tree, through its Ancestors). Since parents
// come first, and a scope after the scopes it was made under, one pass
// finds them.
func (t Tree) keep(root func(Node) bool) Tree {
	in := map[string]bool{}
	out := Tree{Taken: t.Taken}
	for _, n := range t.Nodes {
		if root(n) || in[n.Parent] || slices.ContainsFunc(n.Ancestors, func(id string) bool { return in[id] }) {
			in[n.ID] = true
			out.Nodes = append(out.Nodes, n)
		}
	}
	return out
}

// Len returns the number of nodes.
func (t Tree) Len() int { return len(t.Nodes) }

// WriteJSON writes the tree as one JSON object: {"taken": time, "nodes":
// [node, ...]}, with the fields of [Node].
func (t Tree) WriteJSON(w io.Writer) error {
	if t.Nodes == nil {
		t.Nodes = []Node{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(t)
}

// WriteText writes the tree as text, one line per scope or task, indented
// like pstree.
func (t Tree) WriteText(w io.Writer) error {
	_, err := io.WriteString(w, t.String())
	return err
}

// String returns the tree as [Tree.WriteText] writes it.
func (t Tree) String() string {
	var b strings.Builder
	depths := t.depths()
	for i, n := range t.Nodes {
		b.WriteString(indent(depths, i))
		b.WriteString(n.String())
		b.WriteByte('\n')
	}
	return b.String()
}

// depths returns each node's depth: 0 for a root, its parent's plus one.
func (t Tree) depths() []int {
	depth := map[string]int{}
	out := make([]int, len(t.Nodes))
	for i, n := range t.Nodes {
		d, ok := depth[n.Parent]
		if !ok {
			d = -1
		}
		depth[n.ID], out[i] = d+1, d+1
	}
	return out
}

// indent draws the branches in front of node i: for each level down to its
// own, a bar if a later sibling at that level still follows.
func indent(depths []int, i int) string {
	var b strings.Builder
	for level := 1; level <= depths[i]; level++ {
		last := !siblingFollows(depths, i, level)
		switch {
		case level < depths[i] && last:
			b.WriteString("   ")
		case level < depths[i]:
			b.WriteString("│  ")
		case last:
			b.WriteString("└─ ")
		default:
			b.WriteString("├─ ")
		}
	}
	return b.String()
}

// siblingFollows reports whether, after node i, a node at depth level comes
// before anything shallower: the branch at that level goes on.
func siblingFollows(depths []int, i, level int) bool {
	for _, d := range depths[i+1:] {
		if d < level {
			return false
		}
		if d == level {
			return true
		}
	}
	return false
}

// String returns the node as one line of [Tree.WriteText], with a scope's
// cause cut at its first newline (a panic's stack is in Cause):
//
//	scope "crawler" (cancelling: boom, in Wait, 3 tasks, limit 8) 2.1s at main.go:40
//	fetch (running, in Queue.Get) 1.5s at crawl/fetch.go:88
func (n Node) String() string {
	var b strings.Builder
	if n.Kind == KindScope {
		id, _ := strconv.ParseUint(strings.TrimPrefix(n.ID, "s"), 10, 64)
		b.WriteString(scopeTitle(n.Name, id))
	} else {
		b.WriteString(n.Name)
	}
	b.WriteString(" (" + n.State)
	if n.Cause != "" {
		first, _, _ := strings.Cut(n.Cause, "\n") // a panic's cause: its stack stays in JSON
		b.WriteString(": " + first)
	}
	if n.WaitsOn != "" {
		b.WriteString(", in " + n.WaitsOn)
	}
	if n.InWait {
		b.WriteString(", in Wait")
	}
	if n.Kind == KindScope {
		fmt.Fprintf(&b, ", %d %s", n.Tasks, plural(n.Tasks, "task"))
		if n.Limit > 0 {
			fmt.Fprintf(&b, ", limit %d", n.Limit)
		}
		if !n.Deadline.IsZero() {
			fmt.Fprintf(&b, ", deadline %s", n.Deadline.Format(time.RFC3339))
		}
	}
	b.WriteString(")")
	if !n.Started.IsZero() && !n.noAge {
		b.WriteString(" " + roundAge(n.Age).String())
	}
	if n.Site != "" {
		b.WriteString(" at " + shortSite(n.Site))
	}
	return b.String()
}

// String returns the task as one line, as the tree prints it (see
// [Node.String]): its name and state, what it waits on, and, with tracking
// on, its age and where it was started:
//
//	fetch (running, in Queue.Get) 1.5s at crawl/fetch.go:88
func (i TaskInfo) String() string {
	n := Node{Kind: KindTask, Name: i.Name, State: i.State, WaitsOn: i.WaitsOn, Started: i.Started, Site: i.Site}
	if !i.Started.IsZero() {
		n.Age, n.noAge = ageOf(i.Started, time.Now())
	}
	return n.String()
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// roundAge keeps an age readable: three significant figures or so.
func roundAge(d time.Duration) time.Duration {
	switch {
	case d >= time.Minute:
		return d.Round(time.Second)
	case d >= time.Second:
		return d.Round(100 * time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(time.Millisecond / 10)
	}
	return d.Round(time.Microsecond)
}

// shortSite keeps the file's directory and name: "crawl/fetch.go:88".
func shortSite(site string) string {
	dir, file := filepath.Split(site)
	return filepath.Join(filepath.Base(dir), file)
}

// liveTasks returns s's live tasks, oldest first. s.mu is held.
func (s *Scope) liveTasks() []*task {
	live := make([]*task, 0, s.running.n+s.waiters())
	for t := s.running.head; t != nil; t = t.next {
		live = append(live, t)
	}
	if s.lim != nil {
		for t := s.lim.waiting.head; t != nil; t = t.next {
			live = append(live, t)
		}
	}
	slices.SortFunc(live, func(a, b *task) int { return a.id - b.id })
	return live
}

func sortScopes(scopes []*Scope) {
	slices.SortFunc(scopes, func(a, b *Scope) int {
		switch {
		case a.id < b.id:
			return -1
		case a.id > b.id:
			return 1
		}
		return 0
	})
}
